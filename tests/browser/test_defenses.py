"""The three defenses in Chromium: a district officer drills from the four-100% rates to a
school that misses one and reads why; the city administrator switches a district to the
公治〔2015〕168号 staffing rule in the rules UI and sees verdicts change; a guard signs in at a
gate post on a phone, once however often the button is sent.

Expected figures come from the server's SQLite file (`demo_db`), never from the ORM."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"
GUARD = "g3706020001"
SCHOOL = "3706020001"
LOCAL = ZoneInfo("Asia/Shanghai")
SCHOOL_URL = re.compile(r"/defenses/schools/(\d+)/$")


def qualified_guards(demo_db, school_id: int) -> int:
    """Active full-time guards under 60 this year with a licence number not past its expiry:
    the GB/T 29315-2022 (default) reading of a qualified guard, counted independently."""
    today = datetime.now(LOCAL).date()
    return demo_db.value(
        "SELECT COUNT(*) FROM defenses_guard WHERE school_id = ? AND active = 1 "
        "AND employment = 'full_time' AND ? - birth_year < 60 AND licence_no != '' "
        "AND (licence_expiry IS NULL OR licence_expiry >= ?)",
        (school_id, today.year, today.isoformat()),
    )


def gbt_required(students: int) -> int:
    """GB/T 29315-2022: < 100 students → 1, < 1000 → 2, ≥ 1000 → 3 and one per further 500."""
    if students < 100:
        return 1
    if students < 1000:
        return 2
    return 3 + (students - 1000) // 500


def test_a_district_officer_drills_from_the_rates_to_a_school_and_sees_why(
    page, demo_db, screenshot_dir
):
    district = demo_db.unit(DISTRICT)
    pg = page(OFFICER)
    pg.goto("/")
    pg.get_by_role("link", name="三防建设").click()
    expect(pg.locator('[data-testid="rates"]')).to_be_visible()
    schools = demo_db.basic_schools_of_district(DISTRICT)
    expect(pg.locator('[data-figure="schools"]')).to_have_text(f"{schools:,}")
    guards = demo_db.value(
        "SELECT COUNT(*) FROM defenses_guard g JOIN orgs_school s ON s.unit_id = g.school_id "
        "WHERE s.district_id = ? AND g.active = 1",
        (district["id"],),
    )
    expect(pg.locator('[data-figure="guards"]')).to_have_text(f"{guards:,}")
    # Only the officer's own district is listed.
    expect(pg.locator('[data-testid="district-rates"] tbody tr')).to_have_count(1)
    pg.screenshot(path=screenshot_dir / "defenses-district.png", full_page=True)

    pg.locator('[data-testid="district-rates"] [data-testid="miss-guards"]').click()
    expect(pg.locator("h2.page-title")).to_have_text("专职保安员配备未达标的学校")
    rows = pg.locator('[data-testid="verdict-table"] tbody tr')
    assert rows.count() >= 1
    first = rows.first
    reason = first.locator('[data-testid="reason-guards"]').inner_text()
    name = first.locator('[data-testid="school-link"]').inner_text()
    with pg.expect_navigation(url=SCHOOL_URL):
        first.locator('[data-testid="school-link"]').click()
    school_id = int(SCHOOL_URL.search(pg.url).group(1))
    expect(pg.locator("h2.page-title")).to_contain_text(name)
    card = pg.locator('[data-testid="verdict-guards"]')
    expect(card).to_have_attribute("data-meets", "false")
    expect(card.locator('[data-testid="reason"]')).to_have_text(reason)

    # The reason states the figures the records give, under the default rule.
    students = demo_db.value("SELECT students FROM orgs_school WHERE unit_id = ?", (school_id,))
    qualified, required = qualified_guards(demo_db, school_id), gbt_required(students)
    assert qualified < required
    assert reason.startswith(f"学生 {students:,} 人，按GB/T 29315-2022")
    assert f"应配专职保安员 ≥ {required} 名，现有合格 {qualified} 名" in reason
    pg.screenshot(path=screenshot_dir / "defenses-school.png", full_page=True)
    assert not pg.js_errors


def _district_guard_rate(pg) -> str:
    pg.goto("/defenses/")
    row = pg.locator('[data-testid="district-rates"] tr[data-district="芝罘区"]')
    return row.locator("td").nth(2).inner_text()


def test_the_city_admin_switches_a_district_to_the_168_rule_and_verdicts_change(
    page, demo_db, screenshot_dir
):
    pg = page("admin")
    before = _district_guard_rate(pg)
    pg.goto("/rules/")
    pg.locator('[data-testid="kind-guard_staffing"]').get_by_role(
        "link", name="公治〔2015〕168号 保安员配备"
    ).click()
    expect(pg.locator('[data-field="basis"]')).to_have_text("students_and_staff")
    expect(pg.locator('[data-field="tiers"] tbody tr')).to_have_count(3)
    pg.fill("#id_unit", DISTRICT)
    with pg.expect_navigation():
        pg.get_by_role("button", name="为该单位及下级选用").click()
    expect(pg.locator(".alert-success")).to_contain_text("已为 芝罘区 及其下级选用该规则集")
    try:
        after = _district_guard_rate(pg)
        assert float(after.rstrip("%")) < float(before.rstrip("%")), (before, after)
        pg.screenshot(path=screenshot_dir / "defenses-after-168.png", full_page=True)
        pg.locator('tr[data-district="芝罘区"] [data-testid="miss-guards"]').click()
        reasons = pg.locator('[data-testid="reason-guards"]').all_inner_texts()
        flipped = [r for r in reasons if "公治〔2015〕168号" in r]
        assert flipped, reasons
        # 168 counts students and staff, and says who chose it.
        assert all(r.startswith("师生 ") and "（芝罘区选用）" in r for r in flipped)
        expect(pg.locator(".page-title")).to_contain_text("专职保安员配备未达标的学校")
    finally:
        # Put the district back on the default (through the UI), for the other tests.
        pg.goto("/rules/")
        card = pg.locator('[data-testid="kind-guard_staffing"]')
        with pg.expect_navigation():
            card.get_by_role("button", name="取消选用").click()
    assert _district_guard_rate(pg) == before
    assert not pg.js_errors


def test_a_guard_signs_in_at_a_gate_post_on_a_phone_once(page, demo_db, screenshot_dir):
    school = demo_db.unit(SCHOOL)
    pg = page(GUARD, viewport=PHONE)
    pg.goto(f"/defenses/schools/{school['id']}/#gate-posts")
    post = pg.locator('[data-testid="gate-post"]').first
    button = post.locator('[data-testid="sign-in"]')
    expect(button).to_be_visible()
    key = post.locator('input[name="client_key"]')
    expect(key).to_have_value(re.compile(r"^[0-9a-f-]{16,64}$"))
    # A double tap: the second submission carries the same key and changes nothing.
    pg.evaluate(
        """() => {
          const b = document.querySelector('[data-testid="sign-in"]');
          b.addEventListener('click', () => setTimeout(() => b.form.requestSubmit(), 20), {once: true});
        }"""
    )
    button.click()
    # Depending on which response the browser shows last, the page carries the first
    # confirmation, or both it and "已签到过" (the repeat was recognised): never two sign-ins.
    expect(pg.locator(".alert-success").first).to_contain_text("已签到")
    expect(
        pg.locator('[data-testid="gate-post"]').first.locator('[data-testid="signed"]')
    ).not_to_contain_text("暂无")
    scroll_width = pg.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, scroll_width
    pg.screenshot(path=screenshot_dir / "defenses-sign-in-phone.png", full_page=True)
    today = datetime.now(LOCAL).date().isoformat()
    signed = demo_db.value(
        "SELECT COUNT(*) FROM defenses_gatepostsignin i JOIN accounts_user u ON u.id = i.user_id "
        "WHERE u.username = ? AND i.on_date = ?",
        (GUARD, today),
    )
    assert signed == 1
    assert not pg.js_errors
