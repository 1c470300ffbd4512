"""The hazard rectification list in Chromium: a staff member reports from a phone (once, however
often the form is sent), the school's safety director and the staff member take the hazard
through the workflow to its closing, and a district officer reads a year's ledger figures.

Expected figures and records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = pytest.mark.browser

SCHOOL = "3706020001"  # 芝罘张格庄幼儿园
STAFF = "t3706020001"
DIRECTOR = "s3706020001"  # the school's safety director
DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"
LOCAL = ZoneInfo("Asia/Shanghai")
DETAIL_URL = re.compile(r"/hazards/(\d+)/$")
STEP_FORMS = 'form[data-testid^="step-"]'
TIMELINE_ITEMS = '[data-testid="timeline"] .step-item .h4'


def local_today() -> date:
    return datetime.now(LOCAL).date()


def unique(text: str) -> str:
    """A description no other test (or run on the same database) uses, to count hazards by."""
    return f"{text}（{uuid.uuid4().hex[:8]}）"


def hazards_described(demo_db, description: str) -> list[tuple]:
    return demo_db.rows(
        "SELECT id, status, client_key, deadline FROM hazards_hazard WHERE description = ?",
        (description,),
    )


def hazard_deadline_days(demo_db, school_code: str) -> int:
    """The general-hazard deadline (days) of the rule set in force at the school: the nearest
    hazard_deadline assignment at or above the school, else the platform default."""
    school_path = demo_db.unit(school_code)["path"]
    rows = demo_db.rows(
        "SELECT r.data FROM rules_rulesetassignment a "
        "JOIN rules_ruleset r ON r.id = a.rule_set_id JOIN orgs_orgunit u ON u.id = a.unit_id "
        "WHERE a.kind = 'hazard_deadline' AND substr(?, 1, length(u.path)) = u.path "
        "ORDER BY u.depth DESC LIMIT 1",
        (school_path,),
    ) or demo_db.rows(
        "SELECT data FROM rules_ruleset WHERE kind = 'hazard_deadline' AND is_default = 1"
    )
    return int(re.search(r'"general_days":\s*(\d+)', rows[0][0]).group(1))


def full_name(demo_db, username: str) -> str:
    return demo_db.value("SELECT full_name FROM accounts_user WHERE username = ?", (username,))


def detail_field(pg, label: str):
    """The <dd> of the hazard's <dl> after the <dt> `label`."""
    return pg.locator(f'dl dt:text-is("{label}") + dd')


def step_forms(pg) -> list[str]:
    return pg.locator(STEP_FORMS).evaluate_all("forms => forms.map(f => f.dataset.testid)")


def open_report_form(pg) -> str:
    """Open /hazards/new/ and answer the client key Alpine put in the form."""
    response = pg.goto("/hazards/new/")
    assert response.status == 200
    # The server sends the key field empty: it is the x-init that fills it in the browser.
    assert re.search(r'<input[^>]*name="client_key"[^>]*value=""', response.text())
    key_input = pg.locator('form input[name="client_key"]')
    expect(key_input).to_have_value(re.compile(r"^[0-9a-f-]{16,64}$"))
    return key_input.input_value()


def fill_report(pg, description: str, place: str, aspect: str) -> None:
    pg.fill("#id_description", description)
    pg.fill("#id_place", place)
    pg.select_option("#id_aspect", label=aspect)


def submit_button(pg):
    return pg.get_by_role("button", name="上报", exact=True)


def report(pg, demo_db, description: str) -> int:
    """Report a hazard through the form (the school is preselected); answer its id."""
    open_report_form(pg)
    fill_report(pg, description, "教学楼二层东侧楼梯", "02 校舍与场地设施")
    with pg.expect_navigation(url=DETAIL_URL):
        submit_button(pg).click()
    expect(pg.locator('[data-testid="hazard-status"]')).to_have_text("已上报")
    ((pk, *_rest),) = hazards_described(demo_db, description)
    return pk


def test_staff_reports_a_hazard_on_a_phone_and_a_second_tap_adds_no_second_hazard(
    page, demo_db, screenshot_dir
):
    description = unique("楼梯扶手松动，学生上下楼有跌落风险")
    pg = page(STAFF, viewport=PHONE)
    key = open_report_form(pg)
    school = demo_db.first_school_of(DISTRICT)
    assert school["code"] == SCHOOL
    expect(pg.locator("#id_school option:checked")).to_have_text(
        f"{school['name']}（{SCHOOL}）"
    )  # the staff member's only school is preselected
    found_at = pg.locator("#id_found_at").input_value()  # prefilled with "now", local time
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", found_at), found_at
    scroll_width = pg.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {scroll_width}"
    fill_report(pg, description, "教学楼二层东侧楼梯", "02 校舍与场地设施")
    pg.screenshot(path=screenshot_dir / "hazard-report-phone.png", full_page=True)

    # A slow network: the first request reaches the server, which records the hazard, but its
    # answer takes a while to come back; meanwhile the impatient user taps 上报 again. Both
    # requests carry the same client key.
    first_answers = []

    def slow_answer(route):
        first_answers.append(route.fetch(max_redirects=0))  # the server has handled it ...
        time.sleep(1)  # ... but the answer is still on its way when the second tap comes
        route.fulfill(response=first_answers[0])

    pg.route("**/hazards/new/", slow_answer, times=1)
    posted_keys, post_answers = [], []

    def on_request(request):
        if request.method == "POST":
            posted_keys.append(re.search(r"client_key=([^&]*)", request.post_data).group(1))

    def on_response(response):
        if response.request.method == "POST":
            post_answers.append((response.status, response.headers.get("location")))

    pg.on("request", on_request)
    pg.on("response", on_response)
    pg.evaluate(
        """() => {
          const button = document.querySelector('form.card button[type="submit"]');
          button.addEventListener('click', () => setTimeout(() => button.click(), 50), {once: true});
        }"""
    )
    submit_button(pg).click(no_wait_after=True)
    expect(pg).to_have_url(DETAIL_URL)
    pk = int(DETAIL_URL.search(pg.url).group(1))

    assert posted_keys == [key, key], posted_keys  # two requests, one key
    assert [(a.status, a.headers.get("location")) for a in first_answers] == [
        (302, f"/hazards/{pk}/")
    ]
    assert (302, f"/hazards/{pk}/") in post_answers  # the second request found the first hazard
    hazards = hazards_described(demo_db, description)
    assert len(hazards) == 1, hazards
    ((db_pk, status, db_key, deadline),) = hazards
    assert (db_pk, status, db_key) == (pk, "reported", key)

    # The detail page: 已上报 and the deadline the school's rule set gives a general hazard.
    expected_deadline = date.fromisoformat(found_at[:10]) + timedelta(
        days=hazard_deadline_days(demo_db, SCHOOL)
    )
    assert deadline == expected_deadline.isoformat()
    expect(pg.locator('[data-testid="hazard-status"]')).to_have_text("已上报")
    expect(detail_field(pg, "整改期限")).to_have_text(expected_deadline.isoformat())
    # (Each of the two requests queued this message; the first answer never reached the page.)
    expect(pg.locator(".alert-success").first).to_contain_text(
        f"隐患已上报，整改期限 {expected_deadline.isoformat()}"
    )
    expect(pg.locator("p.fs-3")).to_have_text(description)
    expect(detail_field(pg, "部位")).to_have_text("教学楼二层东侧楼梯")
    expect(detail_field(pg, "方面")).to_have_text("校舍与场地设施")
    expect(pg.locator(TIMELINE_ITEMS)).to_have_text(["上报"])
    assert step_forms(pg) == []  # a staff member neither assigns nor verifies
    pg.screenshot(path=screenshot_dir / "hazard-reported-phone.png", full_page=True)
    scroll_width = pg.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {scroll_width}"
    assert pg.js_errors == []


def test_going_back_and_submitting_the_report_again_adds_no_second_hazard(page, demo_db):
    description = unique("消防通道堆放杂物")
    pg = page(STAFF, viewport=PHONE)
    key = open_report_form(pg)
    fill_report(pg, description, "食堂后门", "03 消防安全")
    with pg.expect_navigation(url=DETAIL_URL):
        submit_button(pg).click()
    first = pg.url

    pg.go_back()  # the phone's back button: the form comes back as the user left it
    expect(pg).to_have_url(re.compile(r"/hazards/new/$"))
    expect(pg.locator("#id_description")).to_have_value(description)
    with pg.expect_navigation(url=DETAIL_URL):
        submit_button(pg).click()

    hazards = hazards_described(demo_db, description)
    assert len(hazards) == 1, f"the form sent key {key} first, then {hazards}"
    assert pg.url == first


def test_director_and_staff_take_a_hazard_through_rejection_to_closing(
    page, demo_db, screenshot_dir
):
    description = unique("实验室灭火器过期未更换")
    staff = page(STAFF, viewport=PHONE)
    pk = report(staff, demo_db, description)
    url = f"/hazards/{pk}/"
    staff_name = full_name(demo_db, STAFF)
    status = {}

    # 派发: the safety director picks the staff member (shown by name) and a deadline.
    director = page(DIRECTOR)
    director.goto(url)
    status["director"] = director.locator('[data-testid="hazard-status"]')
    expect(status["director"]).to_have_text("已上报")
    assert step_forms(director) == ["step-assign"]
    assign = director.locator('[data-testid="step-assign"]')
    options = [o.strip() for o in assign.locator("select[name=owner] option").all_inner_texts()]
    assert options.count(staff_name) == 1, (staff_name, options)
    assign.locator("select[name=owner]").select_option(label=staff_name)
    assign.locator("input[name=deadline]").fill((local_today() - timedelta(days=1)).isoformat())
    with director.expect_navigation():
        assign.get_by_role("button", name="提交").click()
    expect(director.locator('[data-testid="step-assign"] .alert-danger')).to_have_text(
        "整改期限不能早于今天"
    )
    expect(status["director"]).to_have_text("已上报")
    deadline = (local_today() + timedelta(days=14)).isoformat()
    assign = director.locator('[data-testid="step-assign"]')
    assign.locator("select[name=owner]").select_option(label=staff_name)
    assign.locator("input[name=deadline]").fill(deadline)
    assign.locator("input[name=note]").fill("请一周内更换")
    with director.expect_navigation():
        assign.get_by_role("button", name="提交").click()
    expect(status["director"]).to_have_text("已派发")
    expect(detail_field(director, "整改责任人")).to_have_text(staff_name)
    expect(detail_field(director, "整改期限")).to_have_text(deadline)

    # 开始整改 and 提交验收, by the staff member on the phone.
    staff.goto(url)
    status["staff"] = staff.locator('[data-testid="hazard-status"]')
    expect(status["staff"]).to_have_text("已派发")
    assert step_forms(staff) == ["step-start"]
    start = staff.locator('[data-testid="step-start"]')
    start.locator("textarea[name=plan]").fill("采购新灭火器，旧的送检报废")
    start.locator("textarea[name=measures]").fill("更换 4 具干粉灭火器并张贴检查卡")
    start.locator("input[name=money]").fill("1280.50")
    with staff.expect_navigation():
        start.get_by_role("button", name="提交").click()
    expect(status["staff"]).to_have_text("整改中")
    expect(detail_field(staff, "整改方案")).to_have_text("采购新灭火器，旧的送检报废")
    expect(detail_field(staff, "整改资金")).to_have_text("1,280.50 元")
    assert step_forms(staff) == ["step-submit"]
    submit = staff.locator('[data-testid="step-submit"]')
    submit.locator("textarea[name=result]").fill("已更换 4 具灭火器")
    with staff.expect_navigation():
        submit.get_by_role("button", name="提交").click()
    expect(status["staff"]).to_have_text("待验收")
    assert step_forms(staff) == []  # the staff member does not verify their own work

    # 不通过: refused without a reason, then sent back with one.
    director.goto(url)
    expect(status["director"]).to_have_text("待验收")
    assert step_forms(director) == ["step-verify"]
    verify = director.locator('[data-testid="step-verify"]')
    with director.expect_navigation():
        verify.get_by_role("button", name="不通过，退回整改").click()
    expect(director.locator('[data-testid="step-verify"] .alert-danger')).to_have_text(
        "退回整改须说明原因"
    )
    expect(status["director"]).to_have_text("待验收")
    verify = director.locator('[data-testid="step-verify"]')
    verify.locator("textarea[name=note]").fill("灭火器未张贴检查卡")
    with director.expect_navigation():
        verify.get_by_role("button", name="不通过，退回整改").click()
    expect(status["director"]).to_have_text("整改中")

    # The staff member submits again.
    staff.goto(url)
    expect(status["staff"]).to_have_text("整改中")
    submit = staff.locator('[data-testid="step-submit"]')
    submit.locator("textarea[name=result]").fill("已更换 4 具灭火器，检查卡已张贴")
    with staff.expect_navigation():
        submit.get_by_role("button", name="提交").click()
    expect(status["staff"]).to_have_text("待验收")

    # 通过，销号. A second tab of the director's, opened before, keeps the stale verify form.
    director.goto(url)
    stale = director.context.new_page()
    stale.goto(url)
    expect(stale.locator('[data-testid="step-verify"]')).to_be_visible()
    verify = director.locator('[data-testid="step-verify"]')
    verify.locator("textarea[name=note]").fill("复查合格")
    with director.expect_navigation():
        verify.get_by_role("button", name="通过，销号").click()
    expect(status["director"]).to_have_text("已销号")
    expect(detail_field(director, "销号时间")).to_be_visible()
    expected_timeline = [
        "上报",
        "派发整改",
        "开始整改",
        "提交验收",
        "验收不通过，退回整改",
        "提交验收",
        "验收通过，销号",
    ]
    expect(director.locator(TIMELINE_ITEMS)).to_have_text(expected_timeline)
    expect(director.locator('[data-testid="timeline"] .step-item').nth(4)).to_contain_text(
        "灭火器未张贴检查卡"
    )
    events = demo_db.rows(
        "SELECT e.action, u.username FROM hazards_hazardevent e "
        "JOIN accounts_user u ON u.id = e.by_id WHERE e.hazard_id = ? ORDER BY e.at, e.id",
        (pk,),
    )
    assert events == [
        ("report", STAFF),
        ("assign", DIRECTOR),
        ("start", STAFF),
        ("submit", STAFF),
        ("reject", DIRECTOR),
        ("submit", STAFF),
        ("accept", DIRECTOR),
    ]
    ((_pk, db_status, _key, db_deadline),) = hazards_described(demo_db, description)
    assert (db_status, db_deadline) == ("closed", deadline)
    director.screenshot(path=screenshot_dir / "hazard-closed.png", full_page=True)

    # Closed: nobody is offered a step any more ...
    assert step_forms(director) == []
    staff.goto(url)
    expect(status["staff"]).to_have_text("已销号")
    assert step_forms(staff) == []
    officer = page(OFFICER)
    officer.goto(url)
    expect(officer.locator('[data-testid="hazard-status"]')).to_have_text("已销号")
    assert step_forms(officer) == []
    # ... and a step sent from the stale tab is refused without touching the hazard.
    with stale.expect_navigation() as navigation:
        stale.get_by_role("button", name="通过，销号").click()
    assert navigation.value.status == 403
    assert demo_db.value("SELECT COUNT(*) FROM hazards_hazardevent WHERE hazard_id = ?", (pk,)) == 7
    for pg in (director, staff, officer):
        assert pg.js_errors == []


def test_district_officer_reads_the_figures_of_their_district_for_a_year(page, demo_db):
    """The year of two months ago: this year's, except in its first weeks (whose hazards are not
    overdue yet), with hazards still open and some of them overdue."""
    year = str((local_today() - timedelta(days=60)).year)
    # found_at is stored in UTC and the ledger's year is Shanghai's.
    in_year = (
        "FROM hazards_hazard h JOIN orgs_orgunit d ON d.id = h.district_id WHERE d.code = ? "
        "AND strftime('%Y', h.found_at, '+8 hours') = ?"
    )
    found = demo_db.value(f"SELECT COUNT(*) {in_year}", (DISTRICT, year))
    assert found > 500
    rectified = demo_db.value(
        f"SELECT COUNT(*) {in_year} AND h.status = 'closed'", (DISTRICT, year)
    )
    overdue = demo_db.value(
        f"SELECT COUNT(*) {in_year} AND h.status != 'closed' AND h.deadline < ?",
        (DISTRICT, year, local_today().isoformat()),
    )
    rate = (Decimal(rectified) * 100 / Decimal(found)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN
    )  # cut, not rounded (the bureau's way)
    assert 0 < rectified < found and 0 < overdue <= found - rectified

    pg = page(OFFICER)
    response = pg.goto(f"/hazards/?year={year}")
    assert response.status == 200
    expect(pg.locator('input[name="year"]')).to_have_value(year)
    figures = {
        name: pg.locator(f'[data-figure="{name}"]')
        for name in ("found", "rectified", "rate", "overdue")
    }
    for locator in figures.values():
        expect(locator).to_be_visible()
    expect(figures["found"]).to_have_text(f"{found:,}")
    expect(figures["rectified"]).to_have_text(f"{rectified:,}")
    expect(figures["rate"]).to_have_text(f"{rate}%")
    expect(figures["overdue"]).to_have_text(f"{overdue:,}")
    expect(pg.locator(".card-footer p").first).to_have_text(f"共 {found:,} 处")
    dates = pg.locator('[data-testid="hazard-table"] tbody tr td:nth-child(1)').all_inner_texts()
    assert dates and all(d.strip().startswith(f"{year}-") for d in dates), dates
    districts = pg.locator(
        '[data-testid="hazard-table"] tbody tr td:nth-child(2) .small'
    ).all_inner_texts()
    assert {d.strip() for d in districts} == {"芝罘区"}
    assert pg.js_errors == []
