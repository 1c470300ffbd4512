"""The Content Security Policy in Chromium (safecampus/core/csp.py): every menu page of every
demo role, on a desktop and on a 390 px phone, and the interactive parts the other browser
tests do not reach (chart tooltips, menus, confirmations, the alarm button, the QR sheet, the
error pages, the API documentation), break no policy; a violation the page meets reaches the
platform's report endpoint and its log.

Every browser test fails on a violation (tests/browser/conftest.py `_no_csp_violation`); the
tests here make sure that every page was opened at least once, with its scripts at work.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# One login of each demo role (safecampus demo-logins): the city's, a district's, and the
# roles of one school (芝罘张格庄幼儿园).
ROLES = {
    "city_admin": "admin",
    "security_admin": "security_admin",
    "auditor": "auditor",
    "city_officer": "city_officer",
    "inspector": "inspector",
    "district_officer": "d370602",
    "principal": "p3706020001",
    "safety_director": "s3706020001",
    "counsellor": "c3706020001",
    "guard": "g3706020001",
    "staff": "t3706020001",
}
SCHOOL = "3706020001"
REPORT_WAIT_S = 15  # the browser sends a report at once; allow a busy machine


def menu(pg) -> list[str]:
    return pg.eval_on_selector_all(
        "aside #sidebar-menu a.nav-link", "links => links.map(a => a.getAttribute('href'))"
    )


def settle(pg) -> None:
    """Until the page's fetches (the map's GeoJSON, htmx) are done."""
    pg.wait_for_load_state("networkidle")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("username", ROLES.values(), ids=ROLES.keys())
def test_every_menu_page_of_every_role_keeps_the_policy(page, username, viewport):
    pg = page(username, viewport=viewport)
    settle(pg)
    pages = menu(pg)
    assert pages, "no menu"
    if viewport is PHONE:  # the menu opens with Tabler's collapse
        pg.locator(".navbar-toggler").click()
        expect(pg.locator("#sidebar-menu")).to_be_visible()
    for path in pages:
        response = pg.goto(path)
        assert response is not None and response.status == 200, path
        settle(pg)
        if path == "/emergency/board/":  # the WebSocket of the board is allowed
            expect(pg.get_by_test_id("board-connection")).to_have_attribute("data-mode", "live")
    assert not pg.js_errors


def test_chart_tooltips_and_the_map_metric_keep_the_policy(page):
    """ECharts' default tooltips carry style attributes: ours are built with classes."""
    pg = page("city_officer")
    settle(pg)
    chart = pg.locator("#type-chart")
    box = chart.bounding_box()
    pg.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.9)
    expect(chart.locator(".sc-tip-title")).to_be_visible()
    pg.select_option("#map-metric", "students")
    district_map = pg.locator("#district-map")
    box = district_map.bounding_box()
    pg.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    expect(district_map.get_by_text(re.compile("学生数: "))).to_be_visible()
    assert not pg.js_errors


def test_menus_confirmations_and_progress_bars_work_without_inline_code(page, demo_db):
    admin = page("admin")
    # Tabler's dropdown (the user menu).
    admin.locator("[data-bs-toggle=dropdown]").click()
    expect(admin.get_by_role("link", name="API 文档")).to_be_visible()
    # A confirmation (data-confirm): declined, nothing is sent.
    user_id = demo_db.value("SELECT id FROM accounts_user WHERE username = 't3706020001'")
    admin.goto(f"/accounts/users/{user_id}/")
    asked = []
    admin.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    admin.get_by_role("button", name="重置密码").click()
    assert asked == ["确定重置该用户的密码？其所有会话和令牌都将失效。"]
    expect(admin).to_have_url(re.compile(f"/accounts/users/{user_id}/$"))
    expect(admin.locator(".alert")).to_have_count(0)
    # Progress bars (data-width, set through the CSSOM), also after htmx refreshed them.
    admin.goto("/devices/")
    bars = admin.locator(".progress-bar[data-width]")
    expect(bars.first).to_be_attached()
    admin.evaluate(  # the next refresh of the rates (every few seconds)
        "() => new Promise(done => document.body.addEventListener('htmx:afterSettle', done, {once: true}))"
    )
    widths = bars.evaluate_all("bars => bars.map(b => [b.style.width, b.dataset.width + '%'])")
    assert widths and all(shown == wanted for shown, wanted in widths), widths
    assert not admin.js_errors


def test_the_phone_alarm_button_disables_itself_when_pressed(page, demo_db):
    """Alpine's CSP build runs the button's component. The press itself never reaches the
    server (answered 204 on the way: the page stays), so the demo city gets no alarm."""
    pg = page(f"s{SCHOOL}", viewport=PHONE)
    pg.goto("/emergency/alarm/")
    button = pg.get_by_test_id("press-button")
    expect(button).to_be_enabled()
    expect(button).to_have_text(re.compile("立即报警"))
    pg.route(
        "**/emergency/alarm/",
        lambda route: (
            route.fulfill(status=204) if route.request.method == "POST" else route.continue_()
        ),
    )
    button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_text(re.compile("正在报警"))
    assert not pg.js_errors


def test_a_measure_check_shows_the_hazard_level_once_it_may_fail(page):
    pg = page(f"t{SCHOOL}", viewport=PHONE)
    pg.goto("/risks/my-checks/")
    form = pg.locator("form:has(input[name=client_key])").first
    level = form.locator("select[name=level]")
    expect(level).to_be_hidden()
    expect(form.locator("input[name=client_key]")).not_to_have_value("")
    form.locator("input[name=note]").fill("灭火器压力不足")
    expect(level).to_be_visible()
    assert not pg.js_errors


def test_the_qr_sheet_prints_and_the_error_pages_work(page, demo_db):
    school_id = demo_db.unit(SCHOOL)["id"]
    pg = page(f"p{SCHOOL}")
    pg.goto(f"/patrols/schools/{school_id}/sheet/")
    expect(pg.get_by_test_id("sheet").locator("svg").first).to_be_visible()
    pg.evaluate("window.print = () => { window.printed = true; }")
    pg.get_by_role("button", name="打印").click()
    assert pg.evaluate("window.printed") is True
    # Refused input: its page's "back" link goes back.
    pg.goto("/schools/")
    response = pg.goto("/schools/?q=%01")
    assert response is not None and response.status == 400
    pg.get_by_role("link", name="返回上一页").click()
    expect(pg).to_have_url(re.compile("/schools/$"))
    # The page of a failed CSRF check (a form sent without its cookie).
    pg.goto("/hazards/new/")
    pg.context.clear_cookies(name="csrftoken")
    pg.locator("textarea[name=description]").fill("CSRF 检查")
    with pg.expect_navigation():
        pg.locator("form.card button[type=submit]").click()
    expect(pg.locator(".empty-title")).to_contain_text("CSRF")
    # The not-found page and the API documentation (Swagger UI).
    assert pg.goto("/no-such-page/").status == 404
    pg.goto("/api/v1/docs")
    expect(pg.locator("#swagger-ui .opblock").first).to_be_visible()
    assert not pg.js_errors


def test_a_violation_is_reported_to_the_platform_and_logged(page, browser, browser_data_dir):
    """Made on purpose here (the page is given a style attribute): the browser blocks it,
    the test's listener sees it, and the report reaches /csp-report/ and the server's log."""
    log = browser_data_dir / "server.log"
    before = log.read_text(encoding="utf-8").count("CSP violation")
    pg = page()
    pg.goto("/accounts/login/")
    marker = f"--t{time.monotonic_ns() % 10**9}: 1; color: red"  # shorter than a sample
    seen = len(browser.violations)
    pg.evaluate("marker => document.body.setAttribute('style', marker)", marker)
    deadline = time.monotonic() + REPORT_WAIT_S
    while time.monotonic() < deadline and (
        marker not in log.read_text(encoding="utf-8") or len(browser.violations) == seen
    ):
        pg.wait_for_timeout(100)  # the report on its way, the listener's call too
    lines = [
        line for line in log.read_text(encoding="utf-8").splitlines() if "CSP violation" in line
    ]
    assert len(lines) == before + 1, lines
    assert "directive='style-src-attr'" in lines[-1] and "/accounts/login/" in lines[-1]
    met = browser.violations[seen:]
    assert [v["directive"] for v in met] == ["style-src-attr"]
    del browser.violations[seen:]  # expected here: not a failure of this test
