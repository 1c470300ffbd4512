"""The three separated administrators (三员分立): the system administrator (city_admin), the
security administrator (security_admin: the policy, lockouts, second-factor resets, the
outbound allow-list) and the auditor; none does another's work, nobody holds two of them, and
each one's actions are in the trail the auditor reads."""

import ipaddress
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import OutboundNetwork, SecurityPolicy, User
from safecampus.accounts.policy import lockout_rule, security_policy
from safecampus.accounts.services import role_assignment_grant, user_password_change
from safecampus.audit.models import AuditEntry
from safecampus.core.errors import BusinessRuleError
from safecampus.core.outbound import address_refusal, allowed_networks

from .factories import PASSWORD

POLICY = {
    "min_length": 12,
    "min_classes": 4,
    "history": 6,
    "max_age_days": 60,
    "lockout_failures": 3,
    "lockout_minutes": 45,
}


def _put_policy(client, **changes):
    return client.put(
        "/api/v1/security/policy", {**POLICY, **changes}, content_type="application/json"
    )


def test_the_auditor_cannot_create_users(world, as_user):
    auditor = as_user("auditor")
    created = auditor.post(
        "/api/v1/users",
        {"username": "x1", "full_name": "某", "role": "staff", "unit_id": world.a1.unit_id},
        content_type="application/json",
    )
    assert created.status_code == 403
    assert auditor.get("/accounts/users/new/").status_code == 403
    assert auditor.post("/accounts/users/new/", {"username": "x1"}).status_code == 403
    assert _put_policy(auditor).status_code == 403
    assert auditor.post("/security/lockouts/", {"username": "x"}).status_code == 403
    assert not User.objects.filter(username="x1").exists()


def test_the_system_administrator_cannot_read_the_audit_trail(world, as_user):
    admin = as_user("city_admin")
    assert admin.get("/api/v1/audit/entries").status_code == 403
    assert admin.get("/audit/").status_code == 403
    entry = AuditEntry.objects.order_by("pk").first()
    assert admin.get(f"/api/v1/audit/entries/{entry.pk}").status_code == 403


def test_the_system_administrator_does_no_security_work(world, as_user):
    admin = as_user("city_admin")
    for url in (
        "/security/",
        "/security/lockouts/",
        "/security/second-factor/",
        "/security/networks/",
    ):
        assert admin.get(url).status_code == 403
    assert _put_policy(admin).status_code == 403
    assert admin.post("/security/networks/", {"network": "10.1.0.0/16"}).status_code == 403
    unlock = admin.post(
        "/api/v1/security/lockouts/unlock", {"username": "x"}, content_type="application/json"
    )
    assert unlock.status_code == 403
    assert not SecurityPolicy.objects.exists() and not OutboundNetwork.objects.exists()
    # Nor may it manage the security administrator's account or give the role.
    target = world.users["security_admin"]
    reset = admin.post(f"/api/v1/users/{target.pk}/password-reset")
    assert reset.status_code == 403
    grant = admin.post(
        f"/api/v1/users/{world.users['city_officer'].pk}/roles",
        {"role": "security_admin", "unit_id": world.city.pk},
        content_type="application/json",
    )
    assert grant.status_code == 403
    assert "security_admin" not in admin.get("/accounts/users/new/").content.decode()


def test_the_security_administrator_manages_no_accounts_nor_the_trail(world, as_user):
    security = as_user("security_admin")
    created = security.post(
        "/api/v1/users",
        {"username": "x2", "full_name": "某", "role": "staff", "unit_id": world.a1.unit_id},
        content_type="application/json",
    )
    assert created.status_code == 403
    target = world.users["staff_a1"]
    grant = security.post(
        f"/api/v1/users/{target.pk}/roles",
        {"role": "guard", "unit_id": world.a1.unit_id},
        content_type="application/json",
    )
    assert grant.status_code == 403
    assert security.get("/accounts/users/").status_code == 403
    assert security.get("/api/v1/audit/entries").status_code == 403
    assert security.get("/audit/").status_code == 403
    assert security.get("/schools/").status_code == 403
    home = security.get("/")
    assert home.status_code == 302 and home["Location"] == "/security/"
    assert "安全管理" in security.get("/security/").content.decode()  # its menu entry


def test_nobody_holds_two_of_the_three_administrators_roles(world):
    admin, auditor, security = (world.users[n] for n in ("city_admin", "auditor", "security_admin"))
    for user, role in (
        (admin, "auditor"),
        (admin, "security_admin"),
        (auditor, "city_admin"),
        (security, "auditor"),
    ):
        with pytest.raises(BusinessRuleError, match="三员分立"):
            role_assignment_grant(user=user, role=role, unit=world.city)
        with pytest.raises(CommandError, match="三员分立"):
            call_command("grant_role", user.username, role, world.city.code, stdout=StringIO())
    assert RoleAssignment.objects.filter(user__in=[admin, auditor, security]).count() == 3
    # Any other role may join one of them, and the operator appoints a new security admin.
    role_assignment_grant(user=admin, role="inspector", unit=world.city)
    out = StringIO()
    call_command("grant_role", "sec2", "security_admin", world.city.code, stdout=out)
    assert "临时密码" in out.getvalue()
    assert RoleAssignment.objects.filter(user__username="sec2", role="security_admin").exists()
    with pytest.raises(CommandError, match="一级"):
        call_command("grant_role", "sec3", "security_admin", world.district_a.code, stdout=out)


def test_the_security_administrator_sets_the_policy_within_its_floors(world, as_user):
    security = as_user("security_admin")
    defaults = security.get("/api/v1/security/policy").json()
    assert defaults["min_length"] == 10 and defaults["updated_at"] is None
    too_weak = _put_policy(security, min_length=6)
    assert too_weak.status_code == 422 and not SecurityPolicy.objects.exists()
    page = security.post("/security/", {**POLICY, "lockout_failures": 20})
    assert page.status_code == 200 and "20" in page.content.decode()
    assert "lockout_failures" in page.context["form"].errors
    assert not SecurityPolicy.objects.exists()
    saved = _put_policy(security)
    assert saved.status_code == 200 and saved.json()["min_length"] == 12
    assert security.post("/security/", {**POLICY, "history": 8}).status_code == 302
    assert security_policy().history == 8
    # The validators, the lockout messages and axes read it.
    user = world.users["staff_a1"]
    with pytest.raises(ValidationError, match="至少需要 12 个字符"):
        user_password_change(user=user, new_password="Short-Pa1!")
    with pytest.raises(ValidationError, match="至少 4 类"):
        user_password_change(user=user, new_password="longenoughpassword12")
    assert lockout_rule()["failures"] == 3 and lockout_rule()["minutes"] == 45
    for _ in range(2):
        assert (
            Client().post("/accounts/login/", {"username": "staff_a1", "password": "x"}).status_code
            == 200
        )
    third = Client().post("/accounts/login/", {"username": "staff_a1", "password": "x"})
    assert third.status_code == 403 and "45 分钟" in third.content.decode()
    changes = AuditEntry.objects.filter(object_type="accounts.securitypolicy").order_by("pk")
    assert [e.action for e in changes] == ["create", "update"]
    assert changes[1].before == {"history": 6} and changes[1].after == {"history": 8}


def test_the_security_administrator_lists_and_lifts_lockouts(world, as_user):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "principal_a1", "password": "wrong"})
        Client().post("/accounts/login/", {"username": "ghost", "password": "wrong"})
    security = as_user("security_admin")
    listed = security.get("/api/v1/security/lockouts").json()
    assert {row["username"]: row["user_id"] for row in listed} == {
        "principal_a1": world.users["principal_a1"].pk,
        "ghost": None,
    }
    assert "ghost" in security.get("/security/lockouts/").content.decode()
    lifted = security.post(
        "/api/v1/security/lockouts/unlock", {"username": "ghost"}, content_type="application/json"
    )
    assert lifted.status_code == 200 and [r["username"] for r in lifted.json()] == ["principal_a1"]
    again = security.post(
        "/api/v1/security/lockouts/unlock", {"username": "ghost"}, content_type="application/json"
    )
    assert again.status_code == 400 and "没有被锁定" in again.json()["error"]["message"]
    assert security.post("/security/lockouts/", {"username": "principal_a1"}).status_code == 302
    assert security.get("/api/v1/security/lockouts").json() == []
    login = Client().post("/accounts/login/", {"username": "principal_a1", "password": PASSWORD})
    assert login.status_code == 302
    assert AuditEntry.objects.filter(action="unlock", username="security_admin").count() == 2


def test_the_outbound_allow_list_is_the_operators_floor_plus_the_security_admins(
    world, as_user, settings
):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = ["10.20.0.0/16"]
    security = as_user("security_admin")
    inside = ipaddress.ip_address("10.30.4.5")
    assert address_refusal(inside) is not None
    added = security.post(
        "/api/v1/security/networks",
        {"network": "10.30.1.2/16", "note": "区局值班系统"},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["network"] == "10.30.0.0/16"
    assert address_refusal(inside) is None
    assert {str(n) for n in allowed_networks()} == {"10.20.0.0/16", "10.30.0.0/16"}
    for bad in ("127.0.0.0/8", "169.254.169.254/32", "0.0.0.0/0", "10.0.0.0/4", "ff00::/8", "x"):
        refused = security.post(
            "/api/v1/security/networks", {"network": bad}, content_type="application/json"
        )
        assert refused.status_code == 400, bad
    duplicate = security.post(
        "/api/v1/security/networks", {"network": "10.30.0.0/16"}, content_type="application/json"
    )
    assert duplicate.status_code == 400
    assert OutboundNetwork.objects.count() == 1
    page = security.get("/security/networks/").content.decode()
    assert "10.20.0.0/16" in page and "10.30.0.0/16" in page  # the operator's shown, fixed
    network = OutboundNetwork.objects.get()
    assert security.delete(f"/api/v1/security/networks/{network.pk}").status_code == 204
    assert address_refusal(inside) is not None
    entries = AuditEntry.objects.filter(object_type="accounts.outboundnetwork").order_by("pk")
    assert [e.action for e in entries] == [
        "create",
        "delete",
    ]


def test_each_administrators_actions_are_in_the_trail_the_auditor_reads(world, as_user):
    admin, security = as_user("city_admin"), as_user("security_admin")
    created = admin.post(
        "/api/v1/users",
        {
            "username": "new_teacher",
            "full_name": "新教师",
            "role": "staff",
            "unit_id": world.a1.unit_id,
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert _put_policy(security).status_code == 200
    Client().post("/accounts/login/", {"username": "auditor", "password": "wrong"})
    auditor = as_user("auditor")
    seen = {
        (e["username"], e["action"], e["object_type"])
        for e in auditor.get("/api/v1/audit/entries?limit=500").json()["items"]
    }
    assert ("city_admin", "create", "accounts.user") in seen
    assert ("security_admin", "create", "accounts.securitypolicy") in seen
    page = auditor.get("/audit/?username=security_admin").content.decode()
    assert "安全策略" in page
    own = auditor.get("/api/v1/audit/entries?username=auditor").json()["items"]
    assert any(e["action"] == "login_failed" for e in own)


def test_the_security_pages_work_for_the_security_administrator(world, as_user):
    security = as_user("security_admin")
    for url in (
        "/security/",
        "/security/lockouts/",
        "/security/second-factor/",
        "/security/networks/",
    ):
        page = security.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "<style" not in text.split("</head>")[1] and ' style="' not in text
    listed = security.get("/security/second-factor/?q=district").content.decode()
    assert "district_a" in listed and "已绑定" in listed
