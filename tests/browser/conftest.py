"""Browser tests: Chromium (Playwright) against a real `safecampus serve` process.

Not Django's live_server: its flush DELETEs the audit trail, which the audit triggers refuse.
Instead one server per test session runs on SQLite in a temporary data directory holding the
demo city (`safecampus demo --no-serve`, scale 1). The unit-test personas of tests/conftest.py
are not used here, and nothing here touches the ORM or asks for a db fixture: expected figures
are read from the server's SQLite file with the sqlite3 module (see `DemoDB`).

The data directory is one of pytest's temporary directories, so the database, the server log
(server.log, demo.log) and the screenshots (screenshots/*.png) can be looked at after a run; the
path is printed with `-s` or `-rA` and shown in any failure about the server. pytest keeps only
the last three runs' directories (of any pytest run by the same user); to keep them for sure,
run with `--basetemp=/some/dir`.
"""

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..servers import chromium_path, free_port, healthy, server_env, skip_or_fail, tail

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # The command board sounds its siren without a click first (a duty officer's screen is
    # set up the same way; otherwise the board asks for one click to enable sound).
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = (
    "Safe@Campus2026"  # the demo users' password (safecampus.demo.generator.DEFAULT_PASSWORD)
)
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_TIMEOUT = 30  # seconds until /healthz must answer 200
DEMO_TIMEOUT = 180  # seconds for migrate + demo city generation

# Basic school types: the "中小学幼儿园" figure (safecampus.orgs.choices.BASIC_SCHOOL_TYPES).
BASIC_TYPES = (
    "kindergarten",
    "primary",
    "junior",
    "senior",
    "nine_year",
    "twelve_year",
    "vocational",
    "special",
)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Every browser test's Chromium (tests/servers.py `chromium_path`). Without it, or without
    playwright, the browser tests skip, except on CI (CI=true), where they fail."""
    chromium = chromium_path()
    if chromium is None:
        skip_or_fail(
            "Chromium not found: not $SAFECAMPUS_CHROMIUM, /usr/bin/chromium, nor chromium or "
            "chromium-browser on PATH (install Debian's chromium package)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]')")
    return chromium


class DemoDB:
    """Read-only queries on the demo city in the server's SQLite file: the expected figures are
    computed here, independently of the application code under test. (One write:
    `schools_remove`, for a test to leave the shared city's figures as it found them.)"""

    def __init__(self, path: Path):
        self.path = path

    def rows(self, sql: str, params=()) -> list[tuple]:
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=20)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def value(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]

    def schools_remove(self, codes: list[str]) -> None:
        """Take schools a test added (and that nothing refers to) out of the shared city again,
        so that the figures other tests read are the demo city's."""
        marks = ",".join("?" * len(codes))
        con = sqlite3.connect(self.path, timeout=20)
        try:
            units = f"SELECT id FROM orgs_orgunit WHERE code IN ({marks})"  # noqa: S608
            con.execute(f"DELETE FROM orgs_school WHERE unit_id IN ({units})", codes)  # noqa: S608
            con.execute(f"DELETE FROM orgs_orgunit WHERE code IN ({marks})", codes)  # noqa: S608
            con.commit()
        finally:
            con.close()

    def unit(self, code: str) -> dict:
        ((pk, path, name, kind),) = self.rows(
            "SELECT id, path, name, kind FROM orgs_orgunit WHERE code = ?", (code,)
        )
        return {"id": pk, "path": path, "name": name, "kind": kind}

    def school_units_under(self, path: str, types=None) -> int:
        """School units (every type, or `types`) whose org unit lies under `path`."""
        sql = (
            "SELECT COUNT(*) FROM orgs_school s JOIN orgs_orgunit u ON u.id = s.unit_id "
            "WHERE u.kind = 'school' AND substr(u.path, 1, length(?)) = ?"
        )
        params = [path, path]
        if types is not None:
            sql += f" AND s.school_type IN ({','.join('?' * len(types))})"
            params += list(types)
        return self.value(sql, params)

    def basic_schools_of_district(self, code: str) -> int:
        """The "中小学幼儿园" figure of a district: basic types whose district is `code`."""
        return self.value(
            "SELECT COUNT(*) FROM orgs_school s JOIN orgs_orgunit d ON d.id = s.district_id "
            f"WHERE d.code = ? AND s.school_type IN ({','.join('?' * len(BASIC_TYPES))})",
            [code, *BASIC_TYPES],
        )

    def otp_code(self, username: str) -> str | None:
        """A code the account's TOTP device accepts now (None without a device): the current
        or the next 30-second step not used yet — a code is accepted once —, else, after
        waiting for the next step, its code."""
        from django_otp.oath import hotp

        rows = self.rows(
            "SELECT d.key, d.last_t FROM otp_totp_totpdevice d JOIN accounts_user u "
            "ON u.id = d.user_id WHERE u.username = ? AND d.confirmed",
            (username,),
        )
        if not rows:
            return None
        key, last_t = bytes.fromhex(rows[0][0]), rows[0][1]
        while True:
            now = int(time.time()) // 30
            usable = [t for t in (now, now + 1) if t > last_t]
            if usable:
                return f"{hotp(key, usable[0]):06d}"
            time.sleep((now + 1) * 30 - time.time() + 0.2)

    def first_school_of(self, district_code: str) -> dict:
        ((pk, code, name),) = self.rows(
            "SELECT u.id, u.code, u.name FROM orgs_school s JOIN orgs_orgunit u ON u.id = s.unit_id "
            "JOIN orgs_orgunit d ON d.id = s.district_id WHERE d.code = ? ORDER BY u.code LIMIT 1",
            (district_code,),
        )
        return {"id": pk, "code": code, "name": name}


@pytest.fixture(scope="session")
def browser_data_dir(tmp_path_factory) -> Path:
    """The server's SAFECAMPUS_DATA_DIR; screenshots go to its `screenshots` folder."""
    path = tmp_path_factory.mktemp("safecampus-browser")
    (path / "screenshots").mkdir()
    return path


@pytest.fixture(scope="session")
def server(chromium_executable, browser_data_dir):
    """Base URL of a `safecampus serve` process with the demo city (scale 1)."""
    data_dir = browser_data_dir
    env = server_env(data_dir)
    demo_log = data_dir / "demo.log"
    with demo_log.open("w", encoding="utf-8") as log:
        try:
            demo = subprocess.run(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "safecampus", "demo", "--no-serve"],
                env=env,
                cwd=data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=DEMO_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"`safecampus demo --no-serve` took over {DEMO_TIMEOUT} s:\n{tail(demo_log)}",
                pytrace=False,
            )
    if demo.returncode != 0:
        pytest.fail(
            f"`safecampus demo --no-serve` failed ({demo.returncode}):\n{tail(demo_log)}",
            pytrace=False,
        )

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_log = data_dir / "server.log"
    log = server_log.open("w", encoding="utf-8")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "safecampus", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=data_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not healthy(f"{base_url}/healthz"):
            if process.poll() is not None:
                pytest.fail(
                    f"the server exited ({process.returncode}) before /healthz answered:\n{tail(server_log)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"/healthz did not answer 200 within {SERVER_START_TIMEOUT} s:\n{tail(server_log)}",
                    pytrace=False,
                )
            time.sleep(0.2)
        print(f"\nSafeCampus browser-test server {base_url}, data dir {data_dir}")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def demo_db(server, browser_data_dir) -> DemoDB:
    """The demo city's database file (read-only), once the server has it ready."""
    return DemoDB(browser_data_dir / "safecampus.sqlite3")


@pytest.fixture(scope="session")
def screenshot_dir(browser_data_dir) -> Path:
    return browser_data_dir / "screenshots"


# Every page of every browser context reports the Content Security Policy violations it meets
# (safecampus/core/csp.py) to the test, with where they happened.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__safecampusCspViolation({
    page: location.pathname + location.search, directive: e.effectiveDirective,
    blocked: e.blockedURI, source: e.sourceFile + ":" + e.lineNumber, sample: e.sample
  });
});
"""


class WatchedBrowser:
    """The session's Chromium, whose every new context listens for CSP violations: they are
    collected in `violations`, and `_no_csp_violation` fails the test that met one. Anything
    else is the Playwright browser's."""

    def __init__(self, chromium):
        self._chromium = chromium
        self.violations: list[dict] = []

    def new_context(self, **kwargs):
        context = self._chromium.new_context(**kwargs)
        context.expose_binding(
            "__safecampusCspViolation", lambda _source, found: self.violations.append(found)
        )
        context.add_init_script(CSP_LISTENER)
        return context

    def __getattr__(self, name):
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def browser(chromium_executable):
    """One headless Chromium for the session (a WatchedBrowser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
        try:
            yield WatchedBrowser(chromium)
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def _no_csp_violation(request):
    """Every browser test fails when a page it opened broke the Content Security Policy:
    inline code or style, evaluated text, a source from elsewhere (the browser blocked it, so
    something no longer works)."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    start = len(browser.violations)
    yield
    met = browser.violations[start:]
    if met:
        lines = "\n".join(
            f"  {v['page']}: {v['directive']} blocked {v['blocked'] or '?'} "
            f"at {v['source']} {v['sample']!r}"
            for v in met
        )
        pytest.fail(f"Content Security Policy violations:\n{lines}", pytrace=False)


def login(page, username: str, password: str = PASSWORD, codes=None) -> None:
    """Log in through the login form — and, for an account with a second factor, the code
    step, with a code from `codes(username)` — and wait until the browser has left the login
    pages."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/login/code/" in page.url and codes is not None:
        page.fill("#id_code", codes(username))
        with page.expect_navigation():
            page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        errors = page.locator(".alert, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"login of {username!r} failed: {errors or page.title()}")


@pytest.fixture
def page(browser, server, demo_db):
    """Factory: page(username=None, viewport=DESKTOP) -> a Playwright page in a fresh browser
    context (own cookies) on the test server, logged in as `username` unless it is None.

    Each page records uncaught JavaScript errors in `page.js_errors`."""
    contexts = []

    def _open(
        username: str | None = None, *, viewport: dict | None = None, password: str = PASSWORD
    ):
        context = browser.new_context(
            base_url=server,
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        new_page = context.new_page()
        new_page.js_errors = []
        new_page.on("pageerror", lambda error: new_page.js_errors.append(str(error)))
        if username is not None:
            login(new_page, username, password, codes=demo_db.otp_code)
        return new_page

    yield _open
    for context in contexts:
        context.close()
