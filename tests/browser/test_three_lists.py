"""The three lists in Chromium: the school's safety director puts a measure of the responsibility
list in a staff member's hands; the staff member, on a phone, finds it under 「我的检查」, records
a failed check, and the hazard it opens is on the school's rectification list.

Expected records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

SCHOOL = "3706020001"  # 芝罘张格庄幼儿园: its lists are filled in the demo
DIRECTOR = "s3706020001"
STAFF = "t3706020001"


def test_director_assigns_a_measure_and_a_failed_check_puts_a_hazard_on_the_list(
    page, demo_db, screenshot_dir
):
    school = demo_db.unit(SCHOOL)
    staff_id, staff_name = demo_db.rows(
        "SELECT id, full_name FROM accounts_user WHERE username = ?", (STAFF,)
    )[0]
    # A measure nobody holds yet (each run of the tests takes the next one).
    item_id, measure = demo_db.rows(
        "SELECT r.id, r.text FROM threelists_responsibilityitem r "
        "JOIN threelists_schoolriskpoint p ON p.id = r.risk_point_id "
        "WHERE p.school_id = ? AND r.person_id IS NULL AND r.active = 1 AND p.active = 1 "
        "ORDER BY p.code, r.id LIMIT 1",
        (school["id"],),
    )[0]

    # 责任清单: the director opens the measure's row and gives it to the staff member.
    director = page(DIRECTOR)
    director.goto(f"/risks/schools/{school['id']}/lists/?tab=responsibility")
    row = director.locator(f"#i{item_id}")
    expect(row).to_contain_text(measure)
    expect(row).to_contain_text("未落实到人")
    with director.expect_navigation():
        row.get_by_role("link", name="分配").click()
    expect(director.locator("form.card")).to_contain_text(measure)
    director.fill("#id_department", "保教处")
    director.fill("#id_post", "班级教师")
    director.select_option("#id_person", value=str(staff_id))
    director.select_option("#id_frequency", value="weekly")
    with director.expect_navigation(url=re.compile(r"tab=responsibility")):
        director.get_by_role("button", name="保存").click()
    expect(director.locator(".alert-success")).to_contain_text("责任已落实到人")
    row = director.locator(f"#i{item_id}")
    expect(row).to_contain_text(staff_name)
    expect(row).to_contain_text("保教处 · 班级教师")
    assert demo_db.rows(
        "SELECT person_id, department, post, frequency FROM threelists_responsibilityitem WHERE id = ?",
        (item_id,),
    ) == [(staff_id, "保教处", "班级教师", "weekly")]

    # 我的检查, from the phone's menu: the new measure is there, due.
    staff = page(STAFF, viewport=PHONE)
    staff.locator(".navbar-toggler").click()
    with staff.expect_navigation():
        staff.get_by_role("link", name="我的检查").click()
    card = staff.locator(f'[data-testid="check-{item_id}"]')
    expect(card).to_contain_text(measure)
    expect(card).to_contain_text("待检查")
    note = f"记录表缺少近两周的签字（{uuid.uuid4().hex[:8]}）"
    card.locator("input[name=note]").fill(note)
    level = card.locator("select[name=level]")
    expect(level).to_be_visible()  # shown once a problem is described: no hover on a phone
    level.select_option(label="一般隐患")
    card.screenshot(path=screenshot_dir / "my-check-failed-phone.png")
    with staff.expect_navigation():
        card.get_by_role("button", name="不合格，上报隐患").click()
    warning = staff.locator(".alert-warning")
    expect(warning).to_contain_text("已记录不合格，并上报隐患")
    hazard_id = int(re.search(r"#(\d+)", warning.inner_text()).group(1))
    checks = demo_db.rows(
        "SELECT c.passed, c.hazard_id, u.username FROM threelists_measurecheck c "
        "JOIN accounts_user u ON u.id = c.by_id WHERE c.item_id = ?",
        (item_id,),
    )
    assert checks == [(0, hazard_id, STAFF)]
    ((source, status, level_db, description, school_id),) = demo_db.rows(
        "SELECT h.source, h.status, h.level, h.description, u.id FROM hazards_hazard h "
        "JOIN orgs_orgunit u ON u.id = h.school_id WHERE h.id = ?",
        (hazard_id,),
    )
    assert (source, status, level_db, school_id) == (
        "measure_check",
        "reported",
        "general",
        school["id"],
    )
    assert note in description and measure[:20] in description
    expect(staff.locator(f'[data-testid="check-{item_id}"]')).to_contain_text("本期已检查")
    width = staff.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {width}"

    # 整改清单: the hazard is on the school's rectification list.
    director.goto(f"/risks/schools/{school['id']}/lists/?tab=rectification")
    link = director.locator(f'[data-testid="rectification-list"] a[href="/hazards/{hazard_id}/"]')
    expect(link).to_contain_text(note[:10])
    expect(link.locator("xpath=ancestor::tr")).to_contain_text("已上报")
    director.screenshot(path=screenshot_dir / "rectification-list.png", full_page=False)
    for pg in (director, staff):
        assert pg.js_errors == []
