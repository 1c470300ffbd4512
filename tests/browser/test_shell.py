"""The web shell in Chromium: dashboards, the school list and its htmx filter, scoping, lockout,
phone layout, language switch and the audit page, on the demo city (see conftest.py).

Expected figures come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import BASIC_TYPES, PHONE, login

pytestmark = pytest.mark.browser

CHEFOO = "370602"  # 芝罘区
FUSHAN = "370611"  # 福山区
PAGE_SIZE = 50  # school list rows a page (safecampus.orgs.views.PAGE_SIZE)

# A canvas that ECharts drew on has many opaque pixels; an empty one has none.
OPAQUE_PIXELS_JS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) n++; }
  return n;
}"""


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def sidebar_items(page) -> list[str]:
    return [
        t.strip() for t in page.locator("aside #sidebar-menu .nav-link-title").all_text_contents()
    ]


def school_column(page, index: int) -> list[str]:
    """The texts of one column (1-based) of the school table's current page."""
    return [
        t.strip()
        for t in page.locator(
            f'[data-testid="school-table"] tbody tr td:nth-child({index})'
        ).all_inner_texts()
    ]


def full_page_screenshot(page, path) -> None:
    """A screenshot of the whole page as a window that tall would show it. (Playwright's
    full_page=True keeps the viewport height, so the fixed 100vh sidebar looks cut short.)"""
    viewport = page.viewport_size
    page.set_viewport_size(
        {
            "width": viewport["width"],
            "height": page.evaluate("document.documentElement.scrollHeight"),
        }
    )
    page.wait_for_timeout(700)  # chart animations settle
    page.screenshot(path=path)
    page.set_viewport_size(viewport)


def test_district_officer_sees_their_district_dashboard_and_only_its_schools(
    page, demo_db, screenshot_dir
):
    district = demo_db.unit(CHEFOO)
    basic = demo_db.basic_schools_of_district(CHEFOO)
    all_units = demo_db.school_units_under(district["path"])
    primary = demo_db.school_units_under(district["path"], ["primary"])
    assert (
        district["name"] == "芝罘区" and 0 < primary < basic < all_units
    )  # the demo city is what we think

    pg = page("d370602")
    expect(pg).to_have_title(re.compile("芝罘区"))
    expect(pg.locator("html")).to_have_attribute("lang", "zh-hans")
    assert "中小学幼儿园" in pg.locator("body").inner_text()
    assert figure(pg, "schools") == f"{basic:,}"

    # The ECharts map: a canvas inside #district-map, with something drawn on it.
    canvas = pg.locator("#district-map canvas")
    expect(canvas).to_have_count(1)
    box = canvas.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200, box
    pg.wait_for_function(
        f"() => ({OPAQUE_PIXELS_JS})(document.querySelector('#district-map canvas')) > 1000"
    )
    expect(pg.locator("#type-chart canvas")).to_have_count(1)

    expect(pg.locator("aside #sidebar-menu")).to_be_visible()
    items = sidebar_items(pg)
    assert "首页" in items and "学校" in items, items
    assert "审计日志" not in items, items
    full_page_screenshot(pg, screenshot_dir / "district-dashboard.png")
    assert pg.js_errors == []

    # 学校: exactly this district's school units, universities and training institutions included.
    with pg.expect_navigation():
        pg.locator("aside #sidebar-menu .nav-link", has_text="学校").click()
    assert pg.url.endswith("/schools/")
    expect(pg.locator('[data-testid="school-count"]')).to_have_text(f"共 {all_units:,} 所")
    districts_column = school_column(pg, 3)
    assert len(districts_column) == min(PAGE_SIZE, all_units)
    assert set(districts_column) == {"芝罘区"}
    district_options = pg.locator('select[name="district"] option').all_inner_texts()
    assert [o.strip() for o in district_options[1:]] == ["芝罘区"], district_options

    # Filtering by type swaps the table in place (htmx), without loading a new page.
    pg.evaluate("window.__samePage = true")
    with pg.expect_response(
        lambda r: "school_type=primary" in r.url and r.request.headers.get("hx-request") == "true"
    ) as response:
        pg.select_option('select[name="school_type"]', "primary")
    assert response.value.status == 200
    expect(pg.locator('[data-testid="school-count"]')).to_have_text(f"共 {primary:,} 所")
    assert pg.evaluate("window.__samePage") is True
    assert "school_type=primary" in pg.url  # hx-push-url
    badges = [
        t.strip()
        for t in pg.locator(
            '[data-testid="school-table"] tbody tr td:nth-child(4) .badge'
        ).all_inner_texts()
    ]
    assert len(badges) == min(PAGE_SIZE, primary)
    assert set(badges) == {"小学"}
    assert set(school_column(pg, 3)) == {"芝罘区"}
    assert pg.js_errors == []


def test_city_officer_sees_the_whole_city(page, demo_db):
    districts = demo_db.value("SELECT COUNT(*) FROM orgs_orgunit WHERE kind = 'district'")
    city_path = demo_db.unit("3706")["path"]
    basic = demo_db.school_units_under(city_path, BASIC_TYPES)
    assert (districts, basic) == (14, 1587)  # the Yantai figures of PRODUCT.md

    pg = page("city_officer")
    expect(pg).to_have_title(re.compile("烟台市"))
    assert figure(pg, "districts") == "14"
    assert figure(pg, "schools") == "1,587"
    rows = pg.locator("#district-table tbody tr")
    expect(rows).to_have_count(14)
    names = {n for (n,) in demo_db.rows("SELECT name FROM orgs_orgunit WHERE kind = 'district'")}
    assert {
        t.strip() for t in pg.locator("#district-table tbody tr td:first-child").all_inner_texts()
    } == names
    expect(pg.locator("#district-map canvas")).to_have_count(1)
    assert pg.js_errors == []


def test_district_officer_cannot_open_another_districts_school(page, demo_db):
    own = demo_db.first_school_of(CHEFOO)
    other = demo_db.first_school_of(FUSHAN)
    pg = page("d370602")
    response = pg.goto(f"/schools/{own['id']}/")
    assert response.status == 200  # the URL pattern is right ...
    expect(pg.locator(".page-title")).to_have_text(own["name"])
    response = pg.goto(f"/schools/{other['id']}/")
    assert response.status == 404  # ... and the other district's school does not exist for them
    assert other["name"] not in pg.content()


def test_five_wrong_passwords_lock_the_account(page):
    username = "d370687"  # 海阳市's officer: no other test logs in with it
    pg = page()
    for attempt in range(1, 5):
        pg.goto("/accounts/login/")
        pg.fill("#id_username", username)
        pg.fill("#id_password", f"Wrong-password-{attempt}")
        with pg.expect_navigation() as navigation:
            pg.click("button[type=submit]")
        assert navigation.value.status == 200, attempt
        expect(pg.locator(".alert-danger")).to_contain_text("用户名或密码错误")
    pg.goto("/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", "Wrong-password-5")
    with pg.expect_navigation() as navigation:
        pg.click("button[type=submit]")
    assert navigation.value.status == 403
    # Not the login page's permanent hint ("连续 5 次密码错误将锁定账号 30 分钟"): the lockout page.
    expect(pg.locator('[data-testid="lockout-message"]')).to_contain_text("锁定")
    expect(pg.locator("h2")).to_have_text("账号已锁定")

    # Locked means locked: the right password does not get in either.
    pg.goto("/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", "Safe@Campus2026")
    with pg.expect_navigation() as navigation:
        pg.click("button[type=submit]")
    assert navigation.value.status == 403
    expect(pg.locator('[data-testid="lockout-message"]')).to_contain_text("锁定")


def test_principal_on_a_phone(page, demo_db, screenshot_dir):
    school = demo_db.first_school_of(CHEFOO)
    assert school["code"] == "3706020001"
    pg = page("p3706020001", viewport=PHONE)
    expect(pg).to_have_title(re.compile(school["name"]))
    expect(pg.locator('[data-figure="students"]')).to_be_visible()
    pg.wait_for_load_state("networkidle")
    scroll_width = pg.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {scroll_width}"
    full_page_screenshot(pg, screenshot_dir / "phone-dashboard.png")

    toggler = pg.locator("aside .navbar-toggler")
    expect(toggler).to_be_visible()
    schools_link = pg.locator("aside #sidebar-menu .nav-link", has_text="学校")
    expect(schools_link).to_be_hidden()
    toggler.click()
    # Wait for the end of Bootstrap's collapse transition: while it runs ("collapsing", height
    # growing from 0) the link already counts as visible although it is clipped.
    menu = pg.locator("aside #sidebar-menu")
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(schools_link).to_be_visible()
    link_box, menu_box = schools_link.bounding_box(), menu.bounding_box()
    assert (
        menu_box["y"] <= link_box["y"]
        and link_box["y"] + link_box["height"] <= menu_box["y"] + menu_box["height"] + 1
    )
    assert link_box["x"] >= 0 and link_box["x"] + link_box["width"] <= PHONE["width"] + 1
    pg.screenshot(path=screenshot_dir / "phone-menu-open.png")
    assert pg.js_errors == []


def test_language_switch(page):
    pg = page("d370611")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-hans")
    language = pg.locator('header select[name="language"]')
    before = pg.url
    with pg.expect_navigation():
        language.select_option("en")
    expect(pg.locator("html")).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")
    assert "首页" not in sidebar_items(pg)  # the shell is translated, not just relabelled
    assert pg.url == before  # set_language returns to the page it was chosen on
    with pg.expect_navigation():
        language.select_option(label="简体中文")
    expect(pg.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(language).to_have_value("zh-hans")
    assert "首页" in sidebar_items(pg)


def test_auditor_lands_on_the_audit_log_and_sees_the_logins(page):
    other = page()
    login(other, "inspector")  # a login this test can count on, whichever tests ran before
    pg = page("auditor")
    assert pg.url.endswith("/audit/")
    expect(pg).to_have_title(re.compile("审计日志"))
    rows = pg.locator('[data-testid="audit-table"] tbody tr')
    assert "没有符合条件的日志" not in rows.first.inner_text(), "the audit table is empty"
    entries = [
        tuple(t.strip() for t in row.locator("td").all_inner_texts()[1:3]) for row in rows.all()
    ]
    assert ("inspector", "登录") in entries, entries
    assert ("auditor", "登录") in entries, entries
