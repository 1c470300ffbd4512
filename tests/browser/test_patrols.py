"""Online patrols in Chromium: the guard of 芝罘张格庄幼儿园 opens a check point's scan URL on a
phone (as the QR code would), logs a visit with one button — once, even when the form is sent
again after going back — reports a hazard with a photo, and the principal's completeness page
shows the visits, the guard and the hazard.

Expected figures and records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import io
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

SCHOOL = "3706020001"  # 芝罘张格庄幼儿园, the demo school with a guard
GUARD = "g3706020001"
PRINCIPAL = "p3706020001"
POINT = "配电间"  # a key area of the demo round (the kindergarten's switch room)
LOCAL = ZoneInfo("Asia/Shanghai")


def today() -> str:
    return datetime.now(LOCAL).date().isoformat()


def check_point(demo_db) -> tuple[int, str]:
    ((pk, token),) = demo_db.rows(
        "SELECT c.id, c.token FROM patrols_checkpoint c JOIN orgs_orgunit u ON u.id = c.school_id "
        "WHERE u.code = ? AND c.name = ?",
        (SCHOOL, POINT),
    )
    return pk, token


def visits_today(demo_db, point_id: int) -> int:
    return demo_db.value(
        "SELECT COUNT(*) FROM patrols_patrolvisit WHERE check_point_id = ? AND day = ?",
        (point_id, today()),
    )


def required(demo_db) -> int:
    """key_area_visits_per_day of the patrol rule set in force at the school."""
    path = demo_db.unit(SCHOOL)["path"]
    rows = demo_db.rows(
        "SELECT r.data FROM rules_rulesetassignment a "
        "JOIN rules_ruleset r ON r.id = a.rule_set_id JOIN orgs_orgunit u ON u.id = a.unit_id "
        "WHERE a.kind = 'patrol' AND substr(?, 1, length(u.path)) = u.path "
        "ORDER BY u.depth DESC LIMIT 1",
        (path,),
    ) or demo_db.rows("SELECT data FROM rules_ruleset WHERE kind = 'patrol' AND is_default = 1")
    return int(re.search(r'"key_area_visits_per_day":\s*(\d+)', rows[0][0]).group(1))


def photo_file() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 30, 30)).save(buffer, format="JPEG")
    return {"name": "found.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def no_overflow(pg) -> None:
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {width}"


def test_a_guard_scans_records_once_and_reports_a_hazard_then_the_school_sees_it(
    page, demo_db, screenshot_dir
):
    point_id, token = check_point(demo_db)
    need = required(demo_db)
    before = visits_today(demo_db, point_id)
    guard_name = demo_db.value("SELECT full_name FROM accounts_user WHERE username = ?", (GUARD,))

    pg = page(GUARD, viewport=PHONE)
    response = pg.goto(f"/patrols/scan/{token}/")
    assert response.status == 200
    expect(pg.locator('[data-testid="check-point"] h2')).to_contain_text(POINT)
    expect(pg.locator('[data-testid="today-count"]')).to_contain_text(
        f"今日已巡查 {before}/{need} 次"
    )
    expect(pg.locator('[data-testid="hazard-fields"]')).to_be_hidden()
    key = pg.locator('input[name="client_key"]')
    expect(key).to_have_value(re.compile(r"^[0-9a-f-]{16,64}$"))
    no_overflow(pg)
    pg.screenshot(path=screenshot_dir / "patrol-scan-phone.png", full_page=True)

    # One tap on the big button logs the visit.
    pg.fill("#id_note", "门锁完好，无异味")
    with pg.expect_navigation(url=re.compile(r"\?recorded=\d+$")):
        pg.get_by_role("button", name="记录巡查").click()
    expect(pg.locator('[data-testid="recorded"]')).to_contain_text("已记录巡查")
    expect(pg.locator('[data-testid="today-count"]')).to_contain_text(
        f"今日已巡查 {before + 1}/{need} 次"
    )
    assert visits_today(demo_db, point_id) == before + 1
    pg.screenshot(path=screenshot_dir / "patrol-recorded-phone.png", full_page=True)

    # Back to the form and send it again: the same key, so no second visit.
    pg.go_back()
    expect(pg.get_by_role("button", name="记录巡查")).to_be_visible()
    with pg.expect_navigation(url=re.compile(r"\?recorded=\d+$")):
        pg.get_by_role("button", name="记录巡查").click()
    assert visits_today(demo_db, point_id) == before + 1

    # A new round: 再记录一次 opens a fresh form; this time a hazard was found.
    pg.get_by_test_id("record-again").click()
    expect(pg.get_by_role("button", name="记录巡查")).to_be_visible()
    description = f"配电箱柜门无法上锁（{uuid.uuid4().hex[:8]}）"
    pg.get_by_test_id("hazard-toggle").check()
    expect(pg.locator('[data-testid="hazard-fields"]')).to_be_visible()
    pg.fill("#id_hazard_description", description)
    pg.select_option("#id_hazard_level", "major")
    pg.set_input_files("#id_photos", photo_file())
    no_overflow(pg)
    pg.screenshot(path=screenshot_dir / "patrol-hazard-phone.png", full_page=True)
    with pg.expect_navigation(url=re.compile(r"\?recorded=\d+$")):
        pg.get_by_role("button", name="记录巡查").click()
    ((hazard_id, source, level, found_by),) = demo_db.rows(
        "SELECT h.id, h.source, h.level, u.username FROM hazards_hazard h "
        "JOIN accounts_user u ON u.id = h.found_by_id WHERE h.description = ?",
        (description,),
    )
    assert (source, level, found_by) == ("patrol", "major", GUARD)
    assert (
        demo_db.value("SELECT COUNT(*) FROM hazards_hazardphoto WHERE hazard_id = ?", (hazard_id,))
        == 1
    )
    visit_id = int(pg.url.rsplit("=", 1)[1])
    assert (
        demo_db.value("SELECT hazard_id FROM patrols_patrolvisit WHERE id = ?", (visit_id,))
        == hazard_id
    )
    expect(pg.get_by_test_id("recorded-hazard")).to_contain_text(f"隐患已上报（编号 {hazard_id}）")
    assert visits_today(demo_db, point_id) == before + 2
    assert pg.js_errors == []

    # The principal's completeness page: the check point's visits today, by whom, the hazard.
    school_id = demo_db.unit(SCHOOL)["id"]
    desk = page(PRINCIPAL)
    desk.goto(f"/patrols/schools/{school_id}/")
    row = desk.locator(f'[data-testid="points-day"] tr[data-point="{POINT}"]')
    expect(row.get_by_test_id("count")).to_have_text(f"{before + 2}/{need}")
    expect(row).to_contain_text(guard_name)
    expect(row).to_contain_text("门锁完好")
    expect(row.locator(f'a[href="/hazards/{hazard_id}/"]')).to_be_visible()
    expect(desk.get_by_test_id("rule")).to_contain_text(f"重点部位每日 ≥ {need} 次")
    desk.screenshot(path=screenshot_dir / "patrol-school-day.png", full_page=True)
    assert desk.js_errors == []
