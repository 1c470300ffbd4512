"""The second factor and the security administrator in Chromium, on a desktop and a 390 px
phone: the city administrator logs in with password and code; the security administrator's
four pages; a district officer whose second factor was reset enrols again by typing the secret
the page shows, gets ten recovery codes, and logs in with one of them.

Codes come from the secrets in the server's SQLite file (`demo_db`) or from the page, never
from the ORM."""

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from .conftest import PHONE, login

pytestmark = pytest.mark.browser

PAGES = {
    "policy": "/security/",
    "lockouts": "/security/lockouts/",
    "otp": "/security/second-factor/?q=d3706",
    "networks": "/security/networks/",
}


def no_overflow(pg) -> None:
    scroll_width = pg.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"] + 1, f"horizontal overflow: scrollWidth {scroll_width}"


def test_the_city_admin_logs_in_with_password_and_code(page, demo_db, screenshot_dir):
    pg = page()
    pg.goto("/accounts/login/")
    pg.fill("#id_username", "admin")
    pg.fill("#id_password", "Safe@Campus2026")
    with pg.expect_navigation():
        pg.click("button[type=submit]")
    assert pg.url.endswith("/accounts/login/code/")
    pg.screenshot(path=screenshot_dir / "login-code.png", full_page=True)
    pg.goto("/accounts/users/")  # nothing else is reachable before the code
    assert "/accounts/login/" in pg.url
    login(pg, "admin", codes=demo_db.otp_code)
    expect(pg.locator("h2.page-title")).to_be_visible()
    assert "/accounts/login/" not in pg.url
    assert not pg.js_errors


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_security_administrators_pages(page, screenshot_dir, viewport):
    pg = page("security_admin", viewport=viewport)
    assert pg.url.endswith("/security/")  # the home page sends it to its work
    for name, url in PAGES.items():
        pg.goto(url)
        expect(pg.locator('[data-testid="security-nav"]')).to_be_visible()
        kind = "phone" if viewport else "desktop"
        pg.screenshot(path=screenshot_dir / f"security-{name}-{kind}.png", full_page=True)
        if viewport:
            no_overflow(pg)
    pg.goto("/security/networks/")
    pg.fill("#id_network", "10.77.0.0/16")
    pg.fill("#id_note", "浏览器测试")
    with pg.expect_navigation():
        pg.click('[data-testid="network-form"] button[type=submit]')
    expect(pg.locator('[data-testid="network-table"]')).to_contain_text("10.77.0.0/16")
    pg.locator('[data-testid="network-table"] tr', has_text="10.77.0.0/16").get_by_role(
        "button"
    ).click()
    expect(pg.locator('[data-testid="network-table"]')).not_to_contain_text("10.77.0.0/16")
    assert not pg.js_errors


def test_a_reset_second_factor_is_enrolled_again_on_a_phone(page, demo_db, screenshot_dir):
    officer = demo_db.rows(
        "SELECT u.username FROM accounts_user u JOIN access_roleassignment r ON r.user_id = u.id "
        "WHERE r.role = 'district_officer' ORDER BY u.username DESC LIMIT 1"
    )[0][0]
    security = page("security_admin")
    security.goto(f"/security/second-factor/?q={officer}")
    row = security.locator('[data-testid="otp-table"] tbody tr', has_text=officer)
    expect(row).to_contain_text("已绑定")
    with security.expect_navigation():
        row.get_by_role("button", name="重置").click()
    expect(row).to_contain_text("未绑定")

    pg = page(viewport=PHONE)
    pg.goto("/accounts/login/")
    pg.fill("#id_username", officer)
    pg.fill("#id_password", "Safe@Campus2026")
    with pg.expect_navigation():
        pg.click("button[type=submit]")
    assert pg.url.endswith("/accounts/login/enrol/")
    expect(pg.locator('[data-testid="enrol-qr"] svg')).to_be_visible()
    no_overflow(pg)
    pg.screenshot(path=screenshot_dir / "enrol-phone.png", full_page=True)
    secret = pg.locator('[data-testid="enrol-secret"]').inner_text().replace(" ", "")
    from base64 import b32decode

    key = b32decode(secret + "=" * (-len(secret) % 8))
    pg.fill("#id_code", f"{TOTP(key).token():06d}")
    with pg.expect_navigation():
        pg.click("button[type=submit]")
    codes = pg.locator('[data-testid="recovery-codes"] code').all_inner_texts()
    assert len(codes) == 10
    no_overflow(pg)
    pg.screenshot(path=screenshot_dir / "recovery-codes-phone.png", full_page=True)
    with pg.expect_navigation():
        pg.get_by_role("link", name="我已保存，继续").click()
    assert "/accounts/login/" not in pg.url

    again = page()
    again.goto("/accounts/login/")
    again.fill("#id_username", officer)
    again.fill("#id_password", "Safe@Campus2026")
    with again.expect_navigation():
        again.click("button[type=submit]")
    again.fill("#id_code", codes[0])
    with again.expect_navigation():
        again.click("button[type=submit]")
    assert "/accounts/login/" not in again.url
    assert not pg.js_errors and not again.js_errors
