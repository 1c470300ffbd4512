"""The second factor (accounts/second_factor.py): required of the city administrator, the
auditor, the security administrator and the district officers; the login's code step and
enrolment, recovery codes, the token endpoint's `otp`, the security administrator's reset, and
re-authentication before sensitive actions (accounts/reauth.py)."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import ApiToken
from safecampus.audit.models import AuditEntry

from .clock import clock_fixture  # noqa: F401 — the `clock` fixture
from .factories import PASSWORD, api_token, otp_code, otp_device


def _password(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _token(username, password=PASSWORD, **extra):
    return Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def _code_of(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def _error(response) -> str:
    return response.json()["error"]["code"]


def test_the_city_admin_cannot_log_in_without_a_second_factor(world):
    """Web and token: without a device there is no login, only enrolment; the password alone
    reaches nothing."""
    TOTPDevice.objects.filter(user=world.users["city_admin"]).delete()
    client = Client()
    response = _password(client, "city_admin")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/enrol/"
    assert client.get("/").status_code == 302  # not logged in
    assert client.get("/accounts/users/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert not AuditEntry.objects.filter(action="login", username="city_admin").exists()
    refused = _token("city_admin")
    assert refused.status_code == 403
    assert _error(refused) == "second_factor_enrolment_required"
    assert "绑定动态口令" in refused.json()["error"]["message"]
    assert not ApiToken.objects.exists()
    # A token made before the requirement is refused too.
    raw = api_token(world.users["city_admin"])
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_with_a_device_the_password_alone_reaches_only_the_code_step(world):
    client = Client()
    response = _password(client, "auditor")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert client.get("/audit/").status_code == 302
    assert client.get("/api/v1/audit/entries").status_code == 401
    page = client.get("/accounts/login/code/")
    assert page.status_code == 200 and "输入动态口令" in page.content.decode()
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert wrong.status_code == 200 and "动态口令或恢复码不正确" in wrong.content.decode()
    failed = AuditEntry.objects.get(action="login_failed", username="auditor")
    assert failed.message == "动态口令或恢复码错误"
    right = client.post("/accounts/login/code/", {"code": otp_code(world.users["auditor"])})
    assert right.status_code == 302 and right["Location"] == "/"
    assert client.get("/audit/").status_code == 200
    assert AuditEntry.objects.filter(action="login", username="auditor").exists()


def test_a_used_code_is_not_accepted_twice(world):
    code = otp_code(world.users["district_a"])
    first, second = Client(), Client()
    _password(first, "district_a")
    assert first.post("/accounts/login/code/", {"code": code}).status_code == 302
    _password(second, "district_a")
    assert second.post("/accounts/login/code/", {"code": code}).status_code == 200


def test_wrong_codes_count_toward_the_lockout(world):
    client = Client()
    _password(client, "district_b")
    for _ in range(4):
        assert client.post("/accounts/login/code/", {"code": "123456"}).status_code == 200
    locked = client.post("/accounts/login/code/", {"code": "123456"})
    assert locked.status_code == 403 and "账号已被锁定" in locked.content.decode()
    assert AuditEntry.objects.filter(action="lockout", username="district_b").exists()
    # Even the right code is refused now, and so is the password on a new login.
    again = Client()
    assert _password(again, "district_b").status_code == 403
    code = otp_code(world.users["district_b"])
    assert client.post("/accounts/login/code/", {"code": code}).status_code in (302, 403)
    assert Client().get("/api/v1/me").status_code == 401


def test_enrolment_at_the_first_login_then_recovery_codes_once(world):
    user = world.users["security_admin"]
    TOTPDevice.objects.filter(user=user).delete()
    client = Client()
    _password(client, "security_admin")
    page = client.get("/accounts/login/enrol/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and 'class="segno"' in text
    assert "style=" not in text.split('class="segno"')[1].split("</svg>")[0]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")
    assert client.get("/accounts/login/enrol/").status_code == 200  # the same secret again
    assert TOTPDevice.objects.filter(user=user).count() == 1
    wrong = client.post("/accounts/login/enrol/", {"code": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    done = client.post("/accounts/login/enrol/", {"code": _code_of(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/security/").status_code == 200  # logged in now
    assert AuditEntry.objects.filter(action="second_factor", username="security_admin").exists()
    # A recovery code logs in once.
    other = Client()
    _password(other, "security_admin")
    assert other.post("/accounts/login/code/", {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9
    third = Client()
    _password(third, "security_admin")
    assert third.post("/accounts/login/code/", {"code": codes[0]}).status_code == 200


def test_an_account_may_enrol_from_its_page_and_then_logs_in_with_a_code(world):
    user = world.users["principal_a1"]
    client = Client()
    assert _password(client, "principal_a1")["Location"] == "/"  # no second factor yet
    assert "未绑定" in client.get("/accounts/second-factor/").content.decode()
    client.get("/accounts/second-factor/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/second-factor/enrol/", {"code": _code_of(device)})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert client.get("/accounts/second-factor/").status_code == 200  # this session goes on
    assert "已绑定" in client.get("/accounts/second-factor/").content.decode()
    login = Client()
    assert _password(login, "principal_a1")["Location"] == "/accounts/login/code/"
    assert _token("principal_a1").json()["error"]["code"] == "otp_required"


def test_a_role_that_needs_a_second_factor_ends_a_session_that_passed_none(world):
    client = Client()
    assert _password(client, "staff_a1")["Location"] == "/"
    assert client.get("/").status_code == 200
    RoleAssignment.objects.create(user=world.users["staff_a1"], unit=world.city, role="city_admin")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


def test_the_district_officers_need_a_second_factor_unless_the_setting_is_off(world, settings):
    TOTPDevice.objects.filter(user=world.users["district_a"]).delete()
    assert _password(Client(), "district_a")["Location"] == "/accounts/login/enrol/"
    settings.SAFECAMPUS_OTP_DISTRICT_OFFICERS = False
    assert _password(Client(), "district_a")["Location"] == "/"
    assert _token("district_a").status_code == 201


def test_the_token_endpoint_takes_the_code(world):
    """Exact status and code for each case; whoever does not know the password learns nothing
    about the account (the same 401 `unauthorized` as for an unknown user)."""
    missing = _token("city_admin")
    assert missing.status_code == 401 and _error(missing) == "otp_required"
    assert "otp" in missing.json()["error"]["message"]
    wrong = _token("city_admin", otp="000000")
    assert wrong.status_code == 401 and _error(wrong) == "otp_invalid"
    assert AuditEntry.objects.filter(
        action="login_failed", username="city_admin", message="动态口令或恢复码错误"
    ).exists()
    for anybody in (_token("city_admin", "wrong-password", otp="000000"), _token("nobody")):
        assert anybody.status_code == 401 and _error(anybody) == "unauthorized"
    created = _token("city_admin", otp=otp_code(world.users["city_admin"]))
    assert created.status_code == 201
    raw = created.json()["token"]
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.json()["username"] == "city_admin"
    # An account without a second factor needs no code, and a given one is not checked.
    assert _token("staff_a1").status_code == 201


def test_the_security_administrator_resets_a_lost_second_factor(world, as_user):
    target = world.users["city_admin"]
    session = Client()
    session.force_login(target)
    raw = api_token(target)
    security = as_user("security_admin")
    listed = security.get("/api/v1/security/second-factors?q=city_admin").json()
    assert listed["items"][0]["second_factor"] is True
    reset = security.post(f"/api/v1/security/second-factors/{target.pk}/reset")
    assert reset.status_code == 200 and reset.json()["second_factor"] is False
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert ApiToken.objects.get(user=target).revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert session.get("/").status_code == 302  # its sessions ended
    assert _password(Client(), "city_admin")["Location"] == "/accounts/login/enrol/"
    entry = AuditEntry.objects.get(action="second_factor", object_id=str(target.pk))
    assert entry.username == "security_admin" and "重置动态口令" in entry.message
    # The page does the same; oneself is refused, and nobody else may.
    otp_device(target)
    page = security.post(f"/security/second-factor/{target.pk}/reset/")
    assert page.status_code == 302 and not TOTPDevice.objects.filter(user=target).exists()
    me = world.users["security_admin"]
    own = security.post(f"/api/v1/security/second-factors/{me.pk}/reset")
    assert own.status_code == 400 and TOTPDevice.objects.filter(user=me).exists()
    otp_device(target)
    target.refresh_from_db()  # its sessions' hash: the reset moved the stamp
    for name in ("city_admin", "auditor", "district_a"):
        assert (
            as_user(name).post(f"/api/v1/security/second-factors/{target.pk}/reset").status_code
            == 403
        )
        assert as_user(name).post(f"/security/second-factor/{target.pk}/reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


# --- re-authentication before sensitive actions --------------------------------------------


def test_granting_a_role_on_the_page_needs_a_recent_password_and_code(world, as_user, clock):
    client = as_user("city_admin")
    target = world.users["inspector"]
    role = {"form": "role", "role": "inspector", "unit": world.district_a.code}
    clock.advance(minutes=11)
    stale = client.post(f"/accounts/users/{target.pk}/", role)
    assert stale.status_code == 302
    assert stale["Location"] == f"/accounts/reauth/?next=%2Faccounts%2Fusers%2F{target.pk}%2F"
    assert RoleAssignment.objects.filter(user=target).count() == 1
    form = client.get(stale["Location"])
    assert 'name="code"' in form.content.decode()  # the city admin has a device
    no_code = client.post(stale["Location"], {"password": PASSWORD, "code": "000000"})
    assert no_code.status_code == 200
    back = client.post(
        stale["Location"], {"password": PASSWORD, "code": otp_code(world.users["city_admin"])}
    )
    assert back.status_code == 302 and back["Location"] == f"/accounts/users/{target.pk}/"
    assert client.post(f"/accounts/users/{target.pk}/", role).status_code == 302
    assert RoleAssignment.objects.filter(user=target, unit=world.district_a).exists()
    assert AuditEntry.objects.filter(action="reauth", username="city_admin").exists()
    # Removing it later needs it again.
    clock.advance(minutes=11)
    added = RoleAssignment.objects.get(user=target, unit=world.district_a)
    removed = client.post(f"/accounts/users/{target.pk}/roles/{added.pk}/remove/")
    assert removed["Location"].startswith("/accounts/reauth/")
    assert RoleAssignment.objects.filter(pk=added.pk).exists()


def test_a_personal_data_export_needs_a_recent_password(world, as_user, clock):
    client = as_user("principal_a1")
    url = f"/defenses/schools/{world.a1.pk}/guards.xlsx"
    assert client.get(url).status_code == 200
    clock.advance(minutes=11)
    stale = client.get(url)
    assert stale.status_code == 302 and stale["Location"].startswith("/accounts/reauth/")
    assert 'name="code"' not in client.get(stale["Location"]).content.decode()  # no device
    back = client.post(stale["Location"], {"password": PASSWORD})
    assert back["Location"] == url
    assert client.get(url).status_code == 200


def test_the_api_asks_a_stale_token_to_reauthenticate(world, clock):
    admin = world.users["city_admin"]
    raw = _token("city_admin", otp=otp_code(admin)).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {"role": "inspector", "unit_id": world.district_a.pk}
    target = world.users["inspector"]
    client = Client()
    assert (
        client.post(
            f"/api/v1/users/{target.pk}/roles", body, content_type="application/json", **auth
        ).status_code
        == 201  # a new token counts as checked just now
    )
    clock.advance(minutes=11)
    body = {"role": "inspector", "unit_id": world.district_b.pk}
    stale = client.post(
        f"/api/v1/users/{target.pk}/roles", body, content_type="application/json", **auth
    )
    assert stale.status_code == 403 and _error(stale) == "reauth_required"
    assert not RoleAssignment.objects.filter(user=target, unit=world.district_b).exists()
    assert client.get("/api/v1/me", **auth).status_code == 200  # the token still works
    missing = client.post(
        "/api/v1/auth/reauth", {"password": PASSWORD}, content_type="application/json", **auth
    )
    assert missing.status_code == 401 and _error(missing) == "otp_required"
    wrong = client.post(
        "/api/v1/auth/reauth", {"password": "nope"}, content_type="application/json", **auth
    )
    assert wrong.status_code == 403 and _error(wrong) == "reauth_failed"
    ok = client.post(
        "/api/v1/auth/reauth",
        {"password": PASSWORD, "otp": otp_code(admin)},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and "verified_until" in ok.json()
    done = client.post(
        f"/api/v1/users/{target.pk}/roles", body, content_type="application/json", **auth
    )
    assert done.status_code == 201


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/v1/defenses/guards/export?school={a1}"),
        ("get", "/api/v1/hazards/export"),
        ("post", "/api/v1/rule-set-assignments"),
    ],
)
def test_every_gated_operation_refuses_a_stale_session(world, as_user, clock, method, url):
    from safecampus.rules.models import RuleSet, RuleSetAssignment

    client = as_user("principal_a1" if "defenses" in url else "city_admin")
    clock.advance(minutes=11)
    if method == "get":
        response = client.get(url.format(a1=world.a1.pk))
    else:
        rule_set = RuleSet.objects.filter(unit__isnull=True).order_by("pk").first()
        body = {"unit_id": world.district_a.pk, "rule_set_id": rule_set.pk}
        response = client.post(url, body, content_type="application/json")
        assert not RuleSetAssignment.objects.exists()
    assert response.status_code == 403, response.content
    assert _error(response) == "reauth_required"
