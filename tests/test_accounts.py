"""Accounts under 等保 level 3: lockout, idle timeout, password rules, tokens."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from safecampus.accounts.middleware import LAST_SEEN
from safecampus.accounts.models import ApiToken, User
from safecampus.audit.models import AuditEntry

from .clock import clock_fixture  # noqa: F401 — the `clock` fixture
from .factories import PASSWORD, otp_code


def _login(client, username, password):
    """The login page; for an account with a second factor, then its code."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    if response.status_code == 302 and response["Location"] == "/accounts/login/code/":
        user = User.objects.get(username=username)
        response = client.post("/accounts/login/code/", {"code": otp_code(user)})
    return response


def test_it_logs_in_and_out_and_audits_both(world, client):
    response = _login(client, "district_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
    actions = list(
        AuditEntry.objects.filter(username="district_a").values_list("action", flat=True)
    )
    assert "login" in actions and "logout" in actions


def test_a_wrong_password_gets_a_chinese_message(world, client):
    response = _login(client, "district_a", "wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", username="district_a").exists()


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(world, client):
    for _ in range(4):
        assert _login(client, "district_a", "wrong").status_code == 200
    locked = _login(client, "district_a", "wrong")
    assert locked.status_code == 403
    assert "账号已被锁定" in locked.content.decode()
    # Even the right password is refused now, and the API token exchange too.
    assert _login(Client(), "district_a", PASSWORD).status_code == 403
    api = Client().post(
        "/api/v1/auth/token",
        {"username": "district_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "locked_out"
    assert AuditEntry.objects.filter(action="lockout", username="district_a").exists()
    # Other accounts are not affected.
    assert _login(Client(), "district_b", PASSWORD).status_code == 302


def test_an_idle_session_ends_after_30_minutes(world, client, settings):
    assert settings.IDLE_TIMEOUT_SECONDS == 1800
    _login(client, "district_a", PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/schools/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "30 分钟未操作" in client.get(response["Location"]).content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Sh0rt!", "密码长度太短"),
        ("alllowercaseletters", "至少 3 类"),
        ("onlylower123456", "至少 3 类"),
        (PASSWORD, "最近 5 次"),
    ],
)
def test_password_rules_reject_weak_or_reused_passwords(world, client, new, message):
    client.force_login(world.users["district_a"])
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    world.users["district_a"].refresh_from_db()
    assert world.users["district_a"].check_password(PASSWORD)


def test_none_of_the_last_five_passwords_can_be_reused(world):
    from django.core.exceptions import ValidationError

    from safecampus.accounts.services import user_password_change

    user = world.users["district_a"]
    history = [f"Rotation-{i}-Pass!" for i in range(5)]
    for password in history:
        user_password_change(user=user, new_password=password)
    for old in [PASSWORD, *history[:-1]][-4:] + [history[-1]]:
        with pytest.raises(ValidationError):
            user_password_change(user=user, new_password=old)
    # Six changes ago is allowed again.
    user_password_change(user=user, new_password=PASSWORD)


def test_changing_the_password_ends_every_session_and_token(world):
    user = world.users["district_a"]
    other = Client()
    _login(other, "district_a", PASSWORD)
    token = _api_login("district_a", PASSWORD).json()["token"]
    me = Client()
    me.force_login(user)  # a third session (the device accepts two codes in 30 seconds)
    response = me.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-New-Pass-7",
            "new_password2": "Brand-New-Pass-7",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert me.get("/").status_code == 302
    assert other.get("/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    user.refresh_from_db()
    assert user.check_password("Brand-New-Pass-7")
    assert AuditEntry.objects.filter(action="password_change", username="district_a").exists()


def test_an_expired_password_must_be_changed_first(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = world.users["district_a"]
    user.password_changed_at = timezone.now() - timedelta(days=91)
    user.save()
    client.force_login(user)
    response = client.get("/schools/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get("/schools/").status_code == 200


def test_api_tokens_are_issued_listed_used_and_revoked_by_their_owner(world):
    anonymous = Client()
    bad = anonymous.post(
        "/api/v1/auth/token",
        {"username": "district_a", "password": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 401
    created = anonymous.post(
        "/api/v1/auth/token",
        {
            "username": "district_a",
            "password": PASSWORD,
            "name": "手机",
            "days": 30,
            "otp": otp_code(world.users["district_a"]),
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    raw = body["token"]
    assert ApiToken.objects.get(pk=body["id"]).key_hash != raw  # only the hash is stored
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    me = anonymous.get("/api/v1/me", **auth).json()
    assert me["username"] == "district_a"
    schools = anonymous.get("/api/v1/schools", **auth).json()
    assert {s["code"] for s in schools["items"]} == {"TA01", "TA02"}
    tokens = anonymous.get("/api/v1/auth/tokens", **auth).json()
    assert [t["name"] for t in tokens] == ["手机"]
    # Somebody else cannot revoke it.
    other = Client()
    other.force_login(world.users["district_b"])
    assert other.delete(f"/api/v1/auth/tokens/{body['id']}").status_code == 404
    revoked = anonymous.delete(f"/api/v1/auth/tokens/{body['id']}", **auth)
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert anonymous.get("/api/v1/me", **auth).status_code == 401


def test_an_expired_token_is_refused(world):
    raw = ApiToken.new_key()
    ApiToken.objects.create(
        user=world.users["district_a"],
        name="old",
        key_hash=ApiToken.hash(raw),
        hint=raw[-4:],
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_the_token_page_creates_a_token_after_reauthentication(world, client):
    client.force_login(world.users["district_a"])
    wrong = client.post("/accounts/tokens/", {"name": "脚本", "days": 7, "password": "nope"})
    assert "当前密码不正确" in wrong.content.decode()
    assert not ApiToken.objects.exists()
    no_code = client.post("/accounts/tokens/", {"name": "脚本", "days": 7, "password": PASSWORD})
    assert "请在 otp 字段中提供动态口令" in no_code.content.decode()
    assert not ApiToken.objects.exists()
    code = otp_code(world.users["district_a"])
    ok = client.post(
        "/accounts/tokens/", {"name": "脚本", "days": 7, "password": PASSWORD, "otp": code}
    )
    assert ok.status_code == 200
    token = ApiToken.objects.get()
    assert token.name == "脚本"
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_real_password_hashing_round_trips(world):
    # The test settings use a fast hasher; production uses PBKDF2. Check the default works.
    encoded = make_password("X-Strong-Pass-1", hasher="pbkdf2_sha256")
    user = world.users["district_a"]
    user.password = encoded
    user.save()
    assert _login(Client(), "district_a", "X-Strong-Pass-1").status_code == 302


# --- Time rules, on a settable clock (tests/clock.py) ----------------------------------------


def _locked(world, username) -> bool:
    """Read by a manager (a read, not a login attempt, so it does not restart the lock)."""
    manager = Client()
    manager.force_login(world.users["city_admin"])
    return manager.get(f"/api/v1/users/{world.users[username].pk}").json()["locked"]


def _api_login(username, password):
    """POST /api/v1/auth/token, with the account's code when it has a second factor."""
    user = User.objects.get(username=username)
    body = {"username": username, "password": password}
    if password == PASSWORD and user.totpdevice_set.exists():
        body["otp"] = otp_code(user)
    return Client().post("/api/v1/auth/token", body, content_type="application/json")


def test_a_lockout_lasts_the_configured_time_then_the_right_password_works(
    world, client, clock, settings
):
    from safecampus.accounts.policy import lockout_rule

    assert lockout_rule()["minutes"] == 30 and lockout_rule()["failures"] == 5
    for _ in range(5):
        _login(Client(), "district_a", "wrong")
    assert _login(Client(), "district_a", PASSWORD).status_code == 403
    clock.advance(minutes=29, seconds=58)  # the refused attempt above was the last one
    assert _locked(world, "district_a")
    clock.advance(seconds=3)
    assert not _locked(world, "district_a")
    assert _login(client, "district_a", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert _api_login("district_a", PASSWORD).status_code == 201


def test_a_successful_login_resets_the_failure_count(world, clock):
    for _ in range(4):
        assert _login(Client(), "district_a", "wrong").status_code == 200
    assert _login(Client(), "district_a", PASSWORD).status_code == 302
    # Four more failures: without the reset these would be the 5th to 8th, and lock.
    for _ in range(4):
        assert _login(Client(), "district_a", "wrong").status_code == 200
    assert not _locked(world, "district_a")
    assert _login(Client(), "district_a", PASSWORD).status_code == 302
    # The fifth failure in a row locks, as ever.
    for _ in range(4):
        _login(Client(), "district_a", "wrong")
    assert _login(Client(), "district_a", "wrong").status_code == 403
    assert _locked(world, "district_a")


def test_the_api_token_exchange_and_the_token_page_count_toward_the_same_lockout(world, clock):
    """Failures on the login page (a browser), at POST /api/v1/auth/token (a script) and when
    re-entering the password on the token page are one count per username: two + two + one
    lock the account, and the managers see it locked."""
    tokens_page = Client(HTTP_USER_AGENT="Mozilla/5.0 (phone)")
    tokens_page.force_login(world.users["district_a"])  # a login resets the count: before
    for _ in range(2):
        response = Client(HTTP_USER_AGENT="Mozilla/5.0").post(
            "/accounts/login/", {"username": "district_a", "password": "wrong"}
        )
        assert response.status_code == 200
    for _ in range(2):
        assert _api_login("district_a", "wrong").status_code == 401
    assert not _locked(world, "district_a")
    tokens_page.post("/accounts/tokens/", {"name": "脚本", "days": 7, "password": "wrong"})
    assert _locked(world, "district_a")
    assert not ApiToken.objects.exists()
    refused = _api_login("district_a", PASSWORD)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "locked_out"
    assert _login(Client(), "district_a", PASSWORD).status_code == 403
    assert not ApiToken.objects.exists()
    # The other way round: API failures first, the page's fifth locks; then both are refused.
    for _ in range(4):
        _api_login("district_b", "wrong")
    assert _login(Client(), "district_b", "wrong").status_code == 403
    assert _api_login("district_b", PASSWORD).status_code == 403
    assert _locked(world, "district_b")


def test_an_idle_session_answers_401_on_the_api(world, client, clock, settings):
    assert settings.IDLE_TIMEOUT_SECONDS == 1800
    assert _login(client, "district_a", PASSWORD).status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # the last-seen stamp: now
    clock.advance(seconds=1800)  # exactly the idle time: still on
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(seconds=1801)
    idle = client.get("/api/v1/me")
    assert idle.status_code == 401 and idle.json()["error"]["code"] == "unauthorized"
    # The session has ended: the pages want a login too, even right after.
    assert client.get("/").status_code == 302


def test_a_busy_session_still_ends_twelve_hours_after_the_login(world, client, clock, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert _login(client, "district_a", PASSWORD).status_code == 302
    for _ in range(35):  # a request every 20 minutes: never idle, up to 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200
    clock.advance(minutes=19, seconds=59)
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(seconds=2)  # 12 h and a second after the login
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
