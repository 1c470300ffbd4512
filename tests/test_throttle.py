"""Rate limits (core/throttle.py): failed logins per client address across usernames (password
spraying), token requests per address, exports, imports and searches per user — 429 with
Retry-After and a Chinese message, on pages and in the API, documented in the OpenAPI document.

The test settings raise every limit far above what the other tests send; here the production
values (settings/base.py) are put back, and the clock stands one second into a window."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from safecampus.accounts.selectors import locked_usernames
from safecampus.audit.models import AuditEntry
from safecampus.config.api import api
from safecampus.config.settings import base
from safecampus.core import throttle
from safecampus.core.env import env_rate
from safecampus.orgs.models import School

from .clock import clock_fixture  # noqa: F401 — the `clock` fixture
from .factories import PASSWORD, RoleAssignmentFactory, UserFactory, api_token
from .imports import api_import, upload_url, xlsx

SPRAYER, NEIGHBOUR = "203.0.113.7", "198.51.100.20"
# One second into a window of every limit (their periods divide an hour).
START = datetime(2026, 3, 2, 1, 0, 1, tzinfo=UTC)


@pytest.fixture
def limits(settings, clock):
    settings.SAFECAMPUS_THROTTLES = base.SAFECAMPUS_THROTTLES
    clock.now = START
    return clock


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _token(client, username, password=PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_the_production_limits_are_those_documented():
    assert base.SAFECAMPUS_THROTTLES == {
        "login_failures": (20, 15 * 60),
        "token": (10, 60),
        "export": (30, 10 * 60),
        "import": (30, 10 * 60),
        "search": (60, 60),
    }


def test_a_limit_comes_from_the_environment_and_a_malformed_one_stops_start_up(monkeypatch):
    monkeypatch.setenv("SAFECAMPUS_THROTTLE_LOGIN_FAILURES", "50/1h")
    assert env_rate("SAFECAMPUS_THROTTLE_LOGIN_FAILURES", "20/15m") == (50, 3600)
    for wrong in ("50", "50/1d", "0/15m", "many/15m"):
        monkeypatch.setenv("SAFECAMPUS_THROTTLE_LOGIN_FAILURES", wrong)
        with pytest.raises(ValueError, match="SAFECAMPUS_THROTTLE_LOGIN_FAILURES"):
            env_rate("SAFECAMPUS_THROTTLE_LOGIN_FAILURES", "20/15m")


# --- Failed logins per address, across usernames ---------------------------------------------


def test_password_spraying_from_one_address_is_stopped_and_its_neighbours_are_not(world, limits):
    names = list(world.users)
    sprayed, eleventh = names[:10], names[10]
    sprayer = Client(REMOTE_ADDR=SPRAYER)
    # Four wrong passwords on each of ten accounts: below each account's lockout (5), so only
    # the address limit can notice; it lets 20 through and refuses the rest unhashed.
    statuses = [
        _login(sprayer, name, f"Guess-{i}-Password").status_code
        for name in sprayed
        for i in range(4)
    ]
    assert statuses == [200] * 20 + [429] * 20
    assert not locked_usernames(names)
    # The eleventh account's right password from that address is refused as well …
    refused = _login(Client(REMOTE_ADDR=SPRAYER), eleventh, PASSWORD)
    assert refused.status_code == 429 and refused["Retry-After"] == str(15 * 60 - 1)
    html = refused.content.decode()
    assert "该网络地址的登录失败次数过多，请在 15 分钟后重试。" in html
    assert 'data-testid="throttled-message"' in html and "返回登录" in html
    token = _token(Client(REMOTE_ADDR=SPRAYER), eleventh)
    assert token.status_code == 429 and token["Retry-After"] == str(15 * 60 - 1)
    assert token.json()["error"]["code"] == "throttled"
    assert "登录失败次数过多" in token.json()["error"]["message"]
    # … while another address logs in, and so do the sprayed accounts from there.
    assert _login(Client(REMOTE_ADDR=NEIGHBOUR), eleventh, PASSWORD).status_code == 302
    assert _login(Client(REMOTE_ADDR=NEIGHBOUR), sprayed[0], PASSWORD).status_code == 302
    # The trail has the 20 failures and one entry when the address was stopped.
    assert AuditEntry.objects.filter(action="login_failed", ip=SPRAYER).count() == 20
    stopped = AuditEntry.objects.get(action="lockout", ip=SPRAYER)
    assert stopped.outcome == "denied" and "20 次" in stopped.message
    # The window over, the address may log in again.
    limits.advance(minutes=15)
    assert _login(Client(REMOTE_ADDR=SPRAYER), eleventh, PASSWORD).status_code == 302


def test_a_school_behind_one_address_is_not_locked_out_by_its_typos(world, limits):
    school = Client(REMOTE_ADDR=SPRAYER)
    staff = ["principal_a1", "director_a1", "staff_a1", "guard_a1", "counsellor_a1"]
    for name in staff:  # everyone mistypes, some several times: 19 failures
        for _ in range(4 if name != "counsellor_a1" else 3):
            assert _login(school, name, "Typo-Typo-1").status_code == 200
    for name in staff:
        assert _login(Client(REMOTE_ADDR=SPRAYER), name, PASSWORD).status_code == 302
    assert not AuditEntry.objects.filter(action="lockout").exists()


def test_the_address_is_remote_addr_and_a_forwarded_for_header_is_not_believed(world, limits):
    for i in range(20):  # each failure claims another origin
        forged = Client(REMOTE_ADDR=SPRAYER, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        _login(forged, "district_a" if i % 2 else "district_b", "Wrong-Password-1")
    assert _login(Client(REMOTE_ADDR=SPRAYER), "city_admin", PASSWORD).status_code == 429
    # Nor can another client borrow the sprayer's address to block it, or escape with it.
    neighbour = Client(REMOTE_ADDR=NEIGHBOUR, HTTP_X_FORWARDED_FOR=SPRAYER)
    assert _login(neighbour, "city_admin", PASSWORD).status_code == 302


def test_an_ipv6_client_is_counted_by_its_slash_64(world, limits):
    for i in range(20):
        _login(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}"), "district_a", "Wrong-Pass-1")
    assert _login(Client(REMOTE_ADDR="2001:db8:1:2::99"), "city_admin", PASSWORD).status_code == 429
    assert _login(Client(REMOTE_ADDR="2001:db8:1:3::1"), "city_admin", PASSWORD).status_code == 302


# --- Requests per address on the token endpoint ------------------------------------------------


def test_the_token_endpoint_takes_ten_requests_a_minute_from_one_address(world, limits):
    # A principal: no second factor, so the password alone makes a token.
    client = Client(REMOTE_ADDR=SPRAYER)
    assert [_token(client, "principal_a1").status_code for _ in range(10)] == [201] * 10
    refused = _token(client, "principal_a1")
    assert refused.status_code == 429 and refused["Retry-After"] == "59"
    assert refused.json()["error"] == {
        "code": "throttled",
        "message": "申请 API 令牌过于频繁，请在 59 秒后重试。",
        "details": [],
    }
    assert _token(Client(REMOTE_ADDR=NEIGHBOUR), "principal_a1").status_code == 201
    limits.advance(minutes=1)
    assert _token(client, "principal_a1").status_code == 201


# --- Exports, imports and searches per user -----------------------------------------------------


def test_exports_are_limited_per_user_on_pages_and_api_alike(world, as_user, limits):
    officer = as_user("district_a")
    for _ in range(30):
        assert officer.get("/schools/export.xlsx").status_code == 200
    page = officer.get("/schools/export.xlsx")
    assert page.status_code == 429 and page["Retry-After"] == str(10 * 60 - 1)
    html = page.content.decode()
    assert "导出和下载过于频繁，请在 10 分钟后重试。" in html
    assert "navbar-vertical" in html  # the site's layout, with the menu
    # One allowance for every export of the user, through the API too …
    api_answer = officer.get("/api/v1/hazards/export")
    assert api_answer.status_code == 429 and api_answer.json()["error"]["code"] == "throttled"
    assert api_answer["Retry-After"] == str(10 * 60 - 1)
    # … and not another user's.
    assert as_user("district_b").get("/schools/export.xlsx").status_code == 200
    limits.advance(minutes=10)
    assert officer.get("/api/v1/schools/export").status_code == 200


LEDGER = xlsx(
    [["学校名称", "学校代码", "学段", "办学性质", "在校生数", "教职工数", "是否寄宿"]]
    + [["甲区限流小学", "TA77", "小学", "公办", 300, 20, "否"]]
)


def test_imports_are_limited_per_user_and_a_refused_one_writes_nothing(world, as_user, limits):
    officer = as_user("district_a")
    for _ in range(30):
        assert api_import(officer, "schools", LEDGER, dry_run=True).status_code == 200
    refused = api_import(officer, "schools", LEDGER)
    assert refused.status_code == 429 and refused["Retry-After"] == str(10 * 60 - 1)
    assert refused.json()["error"]["message"] == "导入过于频繁，请在 10 分钟后重试。"
    assert not School.objects.filter(unit__code="TA77").exists()
    assert not AuditEntry.objects.filter(action="import").exists()
    # The page's upload runs the import too; only showing its form does not count.
    assert officer.get(upload_url("schools")).status_code == 200
    page = officer.post(upload_url("schools"), {"file": SimpleUploadedFile("f.xlsx", LEDGER)})
    assert page.status_code == 429 and "导入过于频繁" in page.content.decode()
    # Another officer of the district is not held up; the window over, neither is this one.
    colleague = UserFactory(username="district_a2")
    RoleAssignmentFactory(user=colleague, unit=world.district_a, role="district_officer")
    other = Client()
    other.force_login(colleague)
    assert api_import(other, "schools", LEDGER, dry_run=True).status_code == 200
    limits.advance(minutes=10)
    assert api_import(officer, "schools", LEDGER).status_code == 200
    assert School.objects.filter(unit__code="TA77").exists()


def test_searches_are_limited_per_user_and_plain_lists_are_not(world, as_user, limits):
    officer = as_user("district_a")
    for _ in range(60):
        assert officer.get("/api/v1/hazards", {"q": "消防"}).status_code == 200
    refused = officer.get("/api/v1/schools", {"q": "小学"})
    assert refused.status_code == 429 and refused["Retry-After"] == "59"
    assert refused.json()["error"]["message"] == "搜索过于频繁，请在 59 秒后重试。"
    page = officer.get("/hazards/", {"q": "消防"})
    assert page.status_code == 429 and "搜索过于频繁" in page.content.decode()
    # A list without a text search is not a search.
    assert officer.get("/hazards/", {"q": " "}).status_code == 200
    assert officer.get("/api/v1/hazards").status_code == 200
    assert as_user("district_b").get("/api/v1/hazards", {"q": "消防"}).status_code == 200
    limits.advance(minutes=1)
    assert officer.get("/api/v1/hazards", {"q": "消防"}).status_code == 200


def test_a_bearer_token_is_counted_for_its_user(world, limits):
    token = api_token(world.users["district_a"])
    caller = Client(REMOTE_ADDR=SPRAYER, HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(30):
        assert caller.get("/api/v1/schools/export").status_code == 200
    assert caller.get("/api/v1/schools/export").status_code == 429
    other = Client(REMOTE_ADDR=SPRAYER)
    other.force_login(world.users["district_b"])
    assert other.get("/api/v1/schools/export").status_code == 200


# --- Every expensive endpoint is limited, and the API says so --------------------------------

THROTTLED_OPERATIONS = {
    "POST /api/v1/auth/token": "token",
    "GET /api/v1/schools": "search",
    "GET /api/v1/schools/export": "export",
    "GET /api/v1/security/second-factors": "search",
    "GET /api/v1/users": "search",
    "GET /api/v1/audit/entries": "search",
    "GET /api/v1/imports/{key}/template": "export",
    "POST /api/v1/imports/{key}": "import",
    "GET /api/v1/risk-catalogs/{catalog_id}/points": "search",
    "GET /api/v1/risk-catalogs/{catalog_id}/export": "export",
    "GET /api/v1/hazards": "search",
    "GET /api/v1/hazards/stats": "search",
    "GET /api/v1/hazards/export": "export",
    "GET /api/v1/patrols/check-points/{point_id}/qr.svg": "export",
    "GET /api/v1/devices/cameras": "search",
    "GET /api/v1/devices/cameras/export": "export",
    "GET /api/v1/devices/alarms": "search",
    "GET /api/v1/defenses/guards/export": "export",
    "GET /api/v1/buildings": "search",
    "GET /api/v1/buildings/export": "export",
    "GET /api/v1/remediation-projects": "search",
    "GET /api/v1/emergency/incidents": "search",
    "GET /api/v1/emergency/plans": "search",
}
THROTTLED_PAGES = {
    "accounts:user_list": "search",
    "auditlog:entry_list": "search",
    "imports:upload": "import",
    "imports:preview": "import",
    "imports:template": "export",
    "orgs:school_list": "search",
    "orgs:school_export": "export",
    "risks:catalog_detail": "search",
    "risks:catalog_export": "export",
    "hazards:ledger": "search",
    "hazards:stats": "search",
    "hazards:export": "export",
    "threelists:school_lists_export": "export",
    "patrols:point_qr": "export",
    "patrols:sheet": "export",
    "devices:export": "export",
    "defenses:guards_export": "export",
    "buildings:export": "export",
    "buildings:projects": "search",
    "emergency:incident_list": "search",
    "emergency:plan_list": "search",
}


def _operations():
    """METHOD /api/v1/path -> the ninja operation, for every operation of the API."""
    found = {}
    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            parts = (p.strip("/") for p in (router.prefix, path))
            full = "/api/v1/" + "/".join(p for p in parts if p)
            for operation in path_view.operations:
                for method in operation.methods:
                    found[f"{method} {full}"] = operation
    return found


def _pages():
    """URL name -> view function, for every page of the site."""

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace != "api":
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern.callback

    return dict(walk(get_resolver(), ""))


def test_every_export_import_and_search_of_the_api_is_limited_and_documents_its_429():
    document = api.get_openapi_schema()
    limited = {key: getattr(op.view_func, "throttle", None) for key, op in _operations().items()}
    assert {k: v for k, v in limited.items() if v} == THROTTLED_OPERATIONS
    for key in THROTTLED_OPERATIONS:
        method, path = key.split(" ", 1)
        answer = document["paths"][path][method.lower()]["responses"][429]
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    # What the table must hold, read from the document: every text search (a `q` parameter,
    # the trail's username), every file made on request (not a stored photo) and the import.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            searches = {p["name"] for p in operation.get("parameters", [])} & {"q", "username"}
            ok = operation["responses"].get(200, {})
            media = set(ok.get("content", {})) - {"application/json"}
            a_file = (media or ok.get("description") == "xlsx") and "/photos/" not in path
            if searches or a_file or path.endswith("/imports/{key}"):
                assert f"{method.upper()} {path}" in THROTTLED_OPERATIONS, (method, path)


def test_every_export_import_and_search_page_is_limited():
    pages = _pages()
    limited = {name: view.throttle for name, view in pages.items() if hasattr(view, "throttle")}
    assert limited == {k: v for k, v in THROTTLED_PAGES.items() if v}
    for name in pages:
        if "export" in name or name.endswith(("template", "_qr", "sheet")):
            assert name in limited, name


# --- Across processes (Redis) -------------------------------------------------------------------


def test_the_counters_are_shared_by_every_process_through_redis(world, limits, settings):
    """Failures counted by another process (another web worker) stop this one: the counters
    live in Redis, not in a process. Needs REDIS_URL (CI's PostgreSQL pass)."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("needs REDIS_URL: the local-memory cache is one process's own")
    other_worker = (
        "import django\n"
        "django.setup()\n"
        "from datetime import datetime\n"
        "from django.utils import timezone\n"
        f"timezone.now = lambda: datetime.fromisoformat({START.isoformat()!r})\n"
        "from safecampus.core import throttle\n"
        "for _ in range(20):\n"
        f"    throttle.count('login_failures', 'address:{SPRAYER}')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safecampus.config.settings.test"}
    subprocess.run([sys.executable, "-c", other_worker], env=env, check=True, timeout=120)
    assert _login(Client(REMOTE_ADDR=SPRAYER), "district_a", PASSWORD).status_code == 429
    assert _login(Client(REMOTE_ADDR=NEIGHBOUR), "district_a", PASSWORD).status_code == 302


def test_a_counter_counts_up_and_ends_with_its_window(limits):
    assert [throttle.count("search", "user:1") for _ in range(3)] == [1, 2, 3]
    limits.advance(seconds=58)  # the last second of the minute
    assert throttle.count("search", "user:1") == 4
    limits.advance(seconds=1)
    assert throttle.count("search", "user:1") == 1
