"""School buildings and fire/seismic remediation in Chromium: a district officer reads the
remediation roll-up of their district and drills down to a school's buildings; a principal
registers a building, opens a project for it, starts it and records dated progress up to
completion; the district officer accepts it, and the building counts as remediated.

Expected figures and records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"
SCHOOL = "3706020001"
PRINCIPAL = "p3706020001"
LOCAL = ZoneInfo("Asia/Shanghai")
PROJECT_URL = re.compile(r"/buildings/projects/(\d+)/$")


def remediated(demo_db, path: str) -> tuple[int, int, float]:
    """Schools, buildings and m² under `path` covered by an accepted project (any date)."""
    ((schools, buildings, area),) = demo_db.rows(
        "SELECT COUNT(DISTINCT b.school_id), COUNT(*), COALESCE(SUM(b.floor_area_m2), 0) "
        "FROM buildings_building b JOIN orgs_orgunit u ON u.id = b.school_id "
        "WHERE substr(u.path, 1, length(?)) = ? AND b.id IN ("
        " SELECT pb.building_id FROM buildings_projectbuilding pb"
        " JOIN buildings_remediationproject p ON p.id = pb.project_id WHERE p.status = 'accepted')",
        (path, path),
    )
    return schools, buildings, float(area)


def test_a_district_reads_the_rollup_and_a_school_project_is_accepted(
    page, demo_db, screenshot_dir
):
    district = demo_db.unit(DISTRICT)
    schools, buildings, area = remediated(demo_db, district["path"])
    assert schools > 50 and buildings > schools

    # The district officer: the roll-up of the district, one row per school.
    officer = page(OFFICER)
    officer.goto("/")
    officer.get_by_role("link", name="校舍安全").click()
    expect(officer).to_have_url(re.compile(r"/buildings/$"))
    expect(officer.locator('[data-figure="schools"]')).to_have_text(f"{schools:,}")
    expect(officer.locator('[data-figure="buildings"]')).to_have_text(f"{buildings:,}")
    expect(officer.locator('[data-figure="floor_area_m2"]')).to_have_text(f"{area:,.0f} m²")
    officer.screenshot(path=screenshot_dir / "buildings-rollup.png", full_page=True)
    # Drill down to the first school of the table: its buildings, as recorded.
    first = officer.locator('[data-testid="rollup-table"] tbody tr td:first-child a').first
    name = first.inner_text().strip()
    first.click()
    expect(officer.locator(".page-title")).to_contain_text(name)
    ((school_id,),) = demo_db.rows(
        "SELECT id FROM orgs_orgunit WHERE name = ? AND substr(path, 1, length(?)) = ?",
        (name, district["path"], district["path"]),
    )
    recorded = demo_db.rows(
        "SELECT name FROM buildings_building WHERE school_id = ? ORDER BY name", (school_id,)
    )
    rows = officer.locator('[data-testid="building-table"] tbody tr[data-building]')
    expect(rows).to_have_count(len(recorded))
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.building)")) == sorted(
        n for (n,) in recorded
    )

    # The principal registers an old building that needs seismic retrofitting …
    principal = page(PRINCIPAL)
    school = demo_db.unit(SCHOOL)
    principal.goto(f"/buildings/schools/{school['id']}/")
    principal.get_by_role("link", name="新增楼栋").click()
    building = f"西配楼-{uuid.uuid4().hex[:6]}"
    principal.fill("#id_name", building)
    principal.select_option("#id_use", label="教学楼")
    principal.select_option("#id_structure", label="砖混")
    principal.fill("#id_storeys", "3")
    principal.fill("#id_floor_area_m2", "1234.50")
    principal.fill("#id_year_built", "1979")
    principal.select_option("#id_seismic_status", label="需加固")
    with principal.expect_navigation():
        principal.get_by_role("button", name="保存").click()
    row = principal.locator(f'tr[data-building="{building}"]')
    expect(row.locator('[data-testid="seismic"]')).to_have_text("需加固")

    # … opens a seismic project for it, starts it and records progress.
    principal.get_by_role("link", name="新建整改项目").click()
    principal.fill("#id_name", f"{building}抗震加固")
    principal.select_option("#id_kind", label="抗震")
    principal.get_by_label(re.compile(f"^{building}")).check()
    principal.fill("#id_plan", "增设构造柱与圈梁，外墙钢筋网砂浆面层加固")
    principal.fill("#id_budget_yuan", "860000")
    today = datetime.now(LOCAL).date()
    principal.fill("#id_planned_start", (today - timedelta(days=60)).isoformat())
    principal.fill("#id_planned_end", (today + timedelta(days=60)).isoformat())
    with principal.expect_navigation(url=PROJECT_URL):
        principal.get_by_role("button", name="保存").click()
    project_id = int(PROJECT_URL.search(principal.url).group(1))
    status = principal.locator('[data-testid="project-status"]')
    expect(status).to_have_text("规划中")
    start = principal.locator('[data-testid="step-start"]')
    start.locator("input[name=on]").fill((today - timedelta(days=30)).isoformat())
    with principal.expect_navigation():
        start.get_by_role("button", name="提交").click()
    expect(status).to_have_text("施工中")
    progress = principal.locator('[data-testid="step-progress"]')
    progress.locator("input[name=percent]").fill("60")
    progress.locator("input[name=on]").fill((today - timedelta(days=10)).isoformat())
    progress.locator("textarea[name=note]").fill("构造柱浇筑完成")
    with principal.expect_navigation():
        progress.get_by_role("button", name="提交").click()
    expect(principal.locator('[data-testid="project-progress"]')).to_have_text("60%")
    # Progress never goes back: refused in words, nothing recorded.
    progress = principal.locator('[data-testid="step-progress"]')
    progress.locator("input[name=percent]").fill("20")
    with principal.expect_navigation():
        progress.get_by_role("button", name="提交").click()
    expect(principal.locator('[data-testid="step-progress"] .alert-danger')).to_have_text(
        "进度不能低于上次填报的 60%"
    )
    submit = principal.locator('[data-testid="step-submit"]')
    submit.locator("input[name=on]").fill(today.isoformat())
    with principal.expect_navigation():
        submit.get_by_role("button", name="提交").click()
    expect(status).to_have_text("待验收")
    assert principal.locator('[data-testid="step-accept"]').count() == 0  # not the school's
    principal.screenshot(path=screenshot_dir / "buildings-project-submitted.png", full_page=True)

    # The district accepts; the building counts as remediated.
    officer.goto(f"/buildings/projects/{project_id}/")
    accept = officer.locator('[data-testid="step-accept"]')
    accept.locator("textarea[name=note]").fill("加固质量合格")
    with officer.expect_navigation():
        accept.get_by_role("button", name="验收通过").click()
    expect(officer.locator('[data-testid="project-status"]')).to_have_text("已验收")
    expect(officer.locator('[data-testid="acceptance"]')).to_contain_text("芝罘区")
    expect(officer.locator('[data-testid="timeline"] .step-item .h4')).to_have_text(
        ["立项", "开工", "进度更新 60%", "竣工，申请验收", "验收通过"]
    )
    officer.screenshot(path=screenshot_dir / "buildings-project-accepted.png", full_page=True)
    events = demo_db.rows(
        "SELECT e.action, u.username FROM buildings_projectevent e "
        "JOIN accounts_user u ON u.id = e.by_id WHERE e.project_id = ? ORDER BY e.at, e.id",
        (project_id,),
    )
    assert events == [
        ("create", PRINCIPAL),
        ("start", PRINCIPAL),
        ("progress", PRINCIPAL),
        ("submit", PRINCIPAL),
        ("accept", OFFICER),
    ]
    assert demo_db.rows(
        "SELECT seismic_status, fire_status FROM buildings_building WHERE name = ?", (building,)
    ) == [("retrofitted", "compliant")]
    officer.goto("/buildings/")
    after = remediated(demo_db, district["path"])
    assert after[1] == buildings + 1 and after[2] == area + 1234.5
    expect(officer.locator('[data-figure="buildings"]')).to_have_text(f"{after[1]:,}")
    for pg in (officer, principal):
        assert pg.js_errors == []
