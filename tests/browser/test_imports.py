"""The one import page flow in Chromium, on a phone and on a desktop: a district officer
uploads the district's own ledger (a title row, a 合计 row, a signature line, its own column
names), matches the one column the platform did not recognise, checks the preview and imports.

Expected records are read from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re

import pytest
from playwright.sync_api import expect

from ..imports import ledger as district_ledger
from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

OFFICER = "d370602"  # 芝罘区
HEADER = [
    "序号",
    "单位全称",
    "学校代码",
    "学段",
    "办学性质",
    "在校生数",
    "教职工数",
    "是否寄宿",
    "备注",
]


def ledger(codes: list[str]) -> bytes:
    rows = [
        [n, f"芝罘区导入测试学校{code}", code, "小学", "公办", 500 + n, 40, "否", ""]
        for n, code in enumerate(codes, start=1)
    ]
    return district_ledger(HEADER, rows, totals=["", "", "", "", 1000, 80])


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_district_ledger_imports_after_one_mapping_step(
    page, demo_db, screenshot_dir, tmp_path, viewport, name
):
    codes = [f"IMP{name[:1].upper()}{n}" for n in range(1, 3)]
    path = tmp_path / "芝罘区学校统计表.xlsx"
    path.write_bytes(ledger(codes))
    officer = page(OFFICER, viewport=viewport)
    officer.goto("/schools/")
    officer.get_by_role("link", name="导入").click()
    expect(officer).to_have_url(re.compile(r"/imports/schools/$"))
    officer.set_input_files("input[type=file]", str(path))
    officer.get_by_role("button", name="上传并预览").click()

    # The mapping step: 单位全称 was not recognised, so 学校名称 is missing.
    mapping = officer.locator('[data-testid="import-mapping"]')
    expect(mapping).to_be_visible()
    expect(officer.locator('[data-testid="import-file-error"]')).to_contain_text("缺少列：学校名称")
    expect(officer.get_by_text("表头在第 3 行")).to_be_visible()
    officer.screenshot(path=screenshot_dir / f"import-mapping-{name}.png", full_page=True)
    assert officer.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    mapping.get_by_label(re.compile("^单位全称")).select_option(label="学校名称 *")
    mapping.get_by_role("button", name="按此对应重新预览").click()

    # The preview: the two schools, what the import will do, the ignored columns named.
    preview = officer.locator('[data-testid="import-preview"]')
    expect(preview).to_contain_text("新增 2 所")
    expect(preview).to_contain_text(f"芝罘区导入测试学校{codes[0]}")
    expect(officer.locator('[data-testid="import-unrecognised"]')).to_contain_text("序号、备注")
    officer.screenshot(path=screenshot_dir / f"import-preview-{name}.png", full_page=True)
    assert officer.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert demo_db.value("SELECT COUNT(*) FROM orgs_orgunit WHERE code = ?", (codes[0],)) == 0

    officer.get_by_role("button", name="确认导入").click()
    try:
        expect(officer.locator('[data-testid="import-result"]')).to_contain_text(
            "导入完成：新增 2 所"
        )
        assert demo_db.value("SELECT COUNT(*) FROM orgs_orgunit WHERE code IN (?, ?)", codes) == 2
        assert officer.js_errors == []
    finally:
        # The other browser tests read the demo city's figures (1,587 schools …).
        demo_db.schools_remove(codes)
