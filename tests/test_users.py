"""User management: who may create, change and lock out whom, on pages and through the API."""

import pytest
from django.test import Client

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import User
from safecampus.audit.models import AuditEntry

from .conftest import PERSONAS
from .factories import PASSWORD, api_token

SCHOOL_A1 = {"principal_a1", "director_a1", "staff_a1", "guard_a1", "counsellor_a1"}
LISTED = {
    "city_admin": set(PERSONAS),
    "district_a": {"district_a"} | SCHOOL_A1,
    "district_b": {"district_b", "teacher_b1"},
    "principal_a1": SCHOOL_A1,
    "principal_c1": {"principal_c1"},
}


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_each_manager_lists_exactly_the_users_in_scope(as_user, persona):
    client = as_user(persona)
    api, page = client.get("/api/v1/users?limit=100"), client.get("/accounts/users/")
    if persona not in LISTED:
        assert api.status_code == 403 and page.status_code == 403
        return
    assert {u["username"] for u in api.json()["items"]} == LISTED[persona]
    html = page.content.decode()
    for name in PERSONAS:
        assert (f">{name}</a>" in html) == (name in LISTED[persona]), name


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_user_detail_is_404_outside_scope(world, as_user, persona):
    client = as_user(persona)
    for name, user in world.users.items():
        status = client.get(f"/api/v1/users/{user.pk}").status_code
        page = client.get(f"/accounts/users/{user.pk}/").status_code
        expected = (
            200 if name in LISTED.get(persona, set()) else (403 if persona not in LISTED else 404)
        )
        assert (status, page) == (expected, expected), (persona, name)


def test_a_created_user_gets_a_temporary_password_and_must_change_it(world, as_user):
    response = as_user("district_a").post(
        "/accounts/users/new/",
        {
            "username": "new_principal",
            "full_name": "新校长",
            "role": "principal",
            "unit": f"{world.a2.unit.code} 甲区幼儿园",
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="new_principal")
    assert user.assignments.get().unit == world.a2.unit
    assert AuditEntry.objects.filter(
        action="create", object_type="accounts.user", object_id=str(user.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="create", object_type="access.roleassignment").exists()
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "new_principal", "password": password}
        ).status_code
        == 302
    )
    assert client.get("/schools/")["Location"] == "/accounts/password/"
    client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "Own-Choice-2026",
            "new_password2": "Own-Choice-2026",
        },
    )
    client.post("/accounts/login/", {"username": "new_principal", "password": "Own-Choice-2026"})
    assert client.get("/schools/").status_code == 200


@pytest.mark.parametrize(
    ("manager", "role", "unit", "message"),
    [
        # A role the manager can never give is not even offered.
        ("district_a", "city_officer", "city", "不在可用的选项中"),
        ("district_a", "principal", "b1", "管辖范围内没有代码为"),
        ("principal_a1", "principal", "a1", "不在可用的选项中"),
        ("principal_a1", "guard", "a2", "管辖范围内没有代码为"),
        ("city_admin", "district_officer", "a1", "不能设在"),
    ],
)
def test_nobody_hands_out_a_role_above_their_own_or_outside_their_scope(
    world, as_user, manager, role, unit, message
):
    units = {"city": world.city, "a1": world.a1.unit, "a2": world.a2.unit, "b1": world.b1.unit}
    response = as_user(manager).post(
        "/accounts/users/new/",
        {"username": "someone", "full_name": "某人", "role": role, "unit": units[unit].code},
    )
    assert message in response.content.decode()
    assert not User.objects.filter(username="someone").exists()


def test_a_principal_adds_a_guard_to_the_school(world, as_user):
    response = as_user("principal_a1").post(
        "/api/v1/users",
        {"username": "guard2", "full_name": "新保安", "role": "guard", "unit_id": world.a1.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["assignments"][0]["role"] == "guard" and body["temporary_password"]


def test_managers_cannot_manage_themselves_or_their_peers(world, as_user):
    client = as_user("district_a")
    own = client.patch(
        f"/api/v1/users/{world.users['district_a'].pk}",
        {"full_name": "x"},
        content_type="application/json",
    )
    assert own.status_code == 400 and "自己" in own.json()["error"]["message"]
    peer = client.patch(
        f"/api/v1/users/{world.users['district_b'].pk}",
        {"full_name": "x"},
        content_type="application/json",
    )
    assert peer.status_code == 404
    # The principal is listed for the district officer and can be changed by it.
    ok = client.patch(
        f"/api/v1/users/{world.users['principal_a1'].pk}",
        {"full_name": "王校长"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["full_name"] == "王校长"


def test_deactivation_ends_sessions_and_tokens(world, as_user):
    target = world.users["staff_a1"]
    session = Client()
    session.force_login(target)
    raw = api_token(target)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    response = as_user("principal_a1").patch(
        f"/api/v1/users/{target.pk}", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert session.get("/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert (
        Client()
        .post("/accounts/login/", {"username": "staff_a1", "password": PASSWORD})
        .status_code
        == 200
    )
    entry = AuditEntry.objects.get(
        action="update", object_type="accounts.user", object_id=str(target.pk)
    )
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}


def test_a_password_reset_replaces_the_password_and_forces_a_change(world, as_user):
    response = as_user("principal_a1").post(
        f"/accounts/users/{world.users['guard_a1'].pk}/password-reset/"
    )
    temporary = response.context["password"]
    assert (
        Client()
        .post("/accounts/login/", {"username": "guard_a1", "password": PASSWORD})
        .status_code
        == 200
    )
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "guard_a1", "password": temporary}).status_code
        == 302
    )
    assert client.get("/")["Location"] == "/accounts/password/"


def test_a_manager_sees_a_lockout_and_the_security_administrator_lifts_it(world, as_user):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "staff_a1", "password": "wrong"})
    assert (
        Client()
        .post("/accounts/login/", {"username": "staff_a1", "password": PASSWORD})
        .status_code
        == 403
    )
    manager = as_user("principal_a1")
    assert manager.get(f"/api/v1/users/{world.users['staff_a1'].pk}").json()["locked"] is True
    # Lifting it is the security administrator's work (三员分立), not the manager's.
    assert (
        "解除锁定"
        not in manager.get(f"/accounts/users/{world.users['staff_a1'].pk}/").content.decode()
    )
    security = as_user("security_admin")
    assert security.post("/security/lockouts/", {"username": "staff_a1"}).status_code == 302
    assert (
        Client()
        .post("/accounts/login/", {"username": "staff_a1", "password": PASSWORD})
        .status_code
        == 302
    )
    assert AuditEntry.objects.filter(action="unlock", username="security_admin").exists()


def test_roles_are_added_and_removed_but_never_the_last_one(world, as_user):
    client = as_user("city_admin")
    target = world.users["inspector"]
    added = client.post(
        f"/api/v1/users/{target.pk}/roles",
        {"role": "inspector", "unit_id": world.district_a.pk},
        content_type="application/json",
    )
    assert added.status_code == 201
    again = client.post(
        f"/api/v1/users/{target.pk}/roles",
        {"role": "inspector", "unit_id": world.district_a.pk},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert client.delete(f"/api/v1/users/{target.pk}/roles/{added.json()['id']}").status_code == 204
    only = RoleAssignment.objects.get(user=target)
    last = client.delete(f"/api/v1/users/{target.pk}/roles/{only.pk}")
    assert last.status_code == 400 and "唯一" in last.json()["error"]["message"]
    assert RoleAssignment.objects.filter(user=target).count() == 1


def test_bad_user_input_is_refused_with_a_clear_message(world, as_user):
    client = as_user("city_admin")
    for body in (
        {"username": "bad name", "full_name": "x", "role": "staff", "unit_id": world.a1.pk},
        {"username": "ok", "full_name": "", "role": "staff", "unit_id": world.a1.pk},
        {"username": "ok", "full_name": "x", "role": "king", "unit_id": world.a1.pk},
    ):
        assert (
            client.post("/api/v1/users", body, content_type="application/json").status_code == 422
        )
    taken = client.post(
        "/api/v1/users",
        {"username": "DISTRICT_A", "full_name": "x", "role": "staff", "unit_id": world.a1.pk},
        content_type="application/json",
    )
    assert taken.status_code == 400 and "已被使用" in taken.json()["error"]["message"]
    missing = client.post(
        "/api/v1/users",
        {"username": "ok", "full_name": "x", "role": "staff", "unit_id": 999999},
        content_type="application/json",
    )
    assert missing.status_code == 404
    page = client.post(
        "/accounts/users/new/",
        {"username": "ok", "full_name": "x", "role": "staff", "unit": "NOPE"},
    )
    assert "没有代码为“NOPE”的组织机构" in page.content.decode()
    assert not User.objects.filter(username="ok").exists()


def test_a_bad_email_is_refused_in_words_and_changes_nothing(world, as_user):
    """The API documents the e-mail as a string; the model's check refuses a bad address with
    a 400 naming the field (it was a server error on an update, and stored as given on a
    create)."""
    client = as_user("city_admin")
    target = world.users["staff_a1"]
    before = (target.email, target.full_name)
    patched = client.patch(
        f"/api/v1/users/{target.pk}",
        {"full_name": "新名字", "email": "not-an-address"},
        content_type="application/json",
    )
    assert patched.status_code == 400
    assert patched.json()["error"]["message"].startswith("电子邮件地址：")
    target.refresh_from_db()
    assert (target.email, target.full_name) == before
    created = client.post(
        "/api/v1/users",
        {
            "username": "newcomer",
            "full_name": "新人",
            "email": "not-an-address",
            "role": "staff",
            "unit_id": world.a1.unit_id,
        },
        content_type="application/json",
    )
    assert created.status_code == 400
    assert created.json()["error"]["message"].startswith("电子邮件地址：")
    assert not User.objects.filter(username="newcomer").exists()


def test_the_api_refuses_roles_above_the_managers_own(world, as_user):
    client = as_user("principal_a1")
    body = {"username": "boss", "full_name": "x", "role": "principal", "unit_id": world.a1.pk}
    assert client.post("/api/v1/users", body, content_type="application/json").status_code == 403
    # A unit outside the scope is as unknown as one that does not exist.
    body = {"username": "boss", "full_name": "x", "role": "guard", "unit_id": world.b1.pk}
    assert client.post("/api/v1/users", body, content_type="application/json").status_code == 404
    assert not User.objects.filter(username="boss").exists()


def test_a_temporary_password_gets_no_api_until_changed(world, as_user):
    created = as_user("principal_a1").post(
        "/api/v1/users",
        {"username": "newstaff", "full_name": "新教师", "role": "staff", "unit_id": world.a1.pk},
        content_type="application/json",
    )
    temporary = created.json()["temporary_password"]
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "newstaff", "password": temporary},
        content_type="application/json",
    )
    assert token.status_code == 403 and token.json()["error"]["code"] == "password_expired"
    session = Client()
    session.post("/accounts/login/", {"username": "newstaff", "password": temporary})
    api = session.get("/api/v1/schools")
    assert api.status_code == 403 and api.json()["error"]["code"] == "password_expired"
    assert "临时密码" in session.get("/", follow=True).content.decode()


def test_no_administrator_appoints_an_auditor(world, as_user):
    client = as_user("city_admin")
    page = client.get("/accounts/users/new/").content.decode()
    assert 'value="auditor"' not in page and 'value="city_officer"' in page
    body = {"username": "aud2", "full_name": "x", "role": "auditor", "unit_id": world.city.pk}
    assert client.post("/api/v1/users", body, content_type="application/json").status_code == 403
    # Nor may the administrator reset or deactivate the auditor.
    auditor = world.users["auditor"]
    assert client.post(f"/api/v1/users/{auditor.pk}/password-reset").status_code == 403


def test_the_operator_grants_roles_from_the_command_line(world):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("grant_role", "auditor2", "auditor", "T1", "--full-name", "审计二", stdout=out)
    assert "临时密码" in out.getvalue()
    user = User.objects.get(username="auditor2")
    assert user.password_changed_at is None and user.assignments.get().role == "auditor"
    assert AuditEntry.objects.filter(
        action="create", object_type="access.roleassignment", username="operator"
    ).exists()


def test_changes_to_an_account_are_filed_under_its_unit(world, as_user):
    as_user("city_admin").patch(
        f"/api/v1/users/{world.users['teacher_b1'].pk}",
        {"phone": "13800000000"},
        content_type="application/json",
    )
    entry = AuditEntry.objects.get(action="update", object_type="accounts.user")
    assert entry.unit_path == world.b1.unit.path
