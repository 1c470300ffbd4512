"""Every endpoint, for every role, inside and outside its scope."""

import io

import pytest
from openpyxl import load_workbook

from .conftest import PERSONAS

ALL = {"TA01", "TA02", "TB01", "TC01"}
VISIBLE = {
    "city_admin": ALL,
    "city_officer": ALL,
    "inspector": ALL,
    "auditor": set(),
    "district_a": {"TA01", "TA02"},
    "district_b": {"TB01"},
    "principal_a1": {"TA01"},
    "director_a1": {"TA01"},
    "staff_a1": {"TA01"},
    "guard_a1": {"TA01"},
    "counsellor_a1": {"TA01"},
    "teacher_b1": {"TB01"},
    "principal_c1": {"TC01"},
}
# Who may change a school's profile, where.
CHANGE = {
    "city_admin": ALL,
    "district_a": {"TA01", "TA02"},
    "district_b": {"TB01"},
    "principal_a1": {"TA01"},
    "director_a1": {"TA01"},
    "principal_c1": {"TC01"},
}
EXPORT_ROLES = {
    "city_admin",
    "city_officer",
    "district_a",
    "district_b",
    "principal_a1",
    "director_a1",
    "principal_c1",
}
IMPORT_ROLES = {"city_admin", "district_a", "district_b"}
PERSONA_NAMES = list(PERSONAS)


def _schools(world):
    return {"TA01": world.a1, "TA02": world.a2, "TB01": world.b1, "TC01": world.c1}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_it_lists_exactly_the_schools_in_scope_through_the_api(as_user, persona):
    response = as_user(persona).get("/api/v1/schools?limit=100")
    if persona == "auditor":
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        return
    assert response.status_code == 200
    body = response.json()
    assert {s["code"] for s in body["items"]} == VISIBLE[persona]
    assert body["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_it_answers_school_detail_only_inside_scope(world, as_user, persona):
    client = as_user(persona)
    for code, school in _schools(world).items():
        api = client.get(f"/api/v1/schools/{school.pk}")
        page = client.get(f"/schools/{school.pk}/")
        if code in VISIBLE[persona]:
            assert api.status_code == 200, (persona, code)
            assert api.json()["code"] == code
            assert page.status_code == 200
            assert school.unit.name in page.content.decode()
        else:
            assert api.status_code == 404, (persona, code)
            assert api.json()["error"]["code"] == "not_found"
            assert page.status_code == 404


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_the_school_list_page_shows_exactly_the_schools_in_scope(world, as_user, persona):
    response = as_user(persona).get("/schools/")
    if persona == "auditor":
        assert response.status_code == 403
        return
    html = response.content.decode()
    assert response.status_code == 200
    for code, school in _schools(world).items():
        assert (school.unit.name in html) == (code in VISIBLE[persona]), (persona, code)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_org_endpoints_are_scoped(world, as_user, persona):
    client = as_user(persona)
    response = client.get("/api/v1/orgs?limit=100")
    if persona == "auditor":
        assert response.status_code == 403
        return
    codes = {u["code"] for u in response.json()["items"]}
    expected_units = {
        "city_admin": 7,
        "city_officer": 7,
        "inspector": 7,
        "district_a": 3,
        "district_b": 2,
    }
    assert len(codes) == expected_units.get(persona, 1)
    assert VISIBLE[persona] <= codes
    for unit in (world.city, world.district_a, world.district_b):
        status = client.get(f"/api/v1/orgs/{unit.pk}").status_code
        assert status == (200 if unit.code in codes else 404), (persona, unit.code)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_dashboard_counts_come_from_the_records_in_scope(as_user, persona):
    client = as_user(persona)
    api = client.get("/api/v1/dashboard/summary")
    page = client.get("/")
    if persona == "auditor":
        assert api.status_code == 403
        assert page.status_code == 302 and page["Location"] == "/audit/"
        return
    assert api.status_code == 200
    assert api.json()["schools"] == len(VISIBLE[persona])
    assert page.status_code == 200
    html = page.content.decode()
    if PERSONAS[persona][1] in ("a1", "b1", "c1"):
        # A school's own dashboard shows its profile, not a count of one.
        assert "学校档案" in html and 'data-figure="schools"' not in html
    else:
        assert f'data-figure="schools">{len(VISIBLE[persona])}<' in html


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_dashboard_drill_down_stays_in_scope(world, as_user, persona):
    client = as_user(persona)
    for unit in (world.district_a, world.district_b):
        inside = any(
            code in VISIBLE[persona] for code in ALL if code.startswith(unit.code)
        ) and persona not in {
            "principal_a1",
            "director_a1",
            "staff_a1",
            "guard_a1",
            "counsellor_a1",
            "teacher_b1",
            "principal_c1",
        }
        status = client.get(f"/?unit={unit.pk}").status_code
        api_status = client.get(f"/api/v1/dashboard/summary?unit={unit.pk}").status_code
        if persona == "auditor":
            assert status == 302 and api_status == 403
        else:
            assert status == (200 if inside else 404), (persona, unit.code)
            assert api_status == (200 if inside else 404), (persona, unit.code)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_only_the_auditor_reads_the_audit_trail(as_user, persona):
    client = as_user(persona)
    page, api = client.get("/audit/"), client.get("/api/v1/audit/entries")
    if persona == "auditor":
        assert page.status_code == 200 and api.status_code == 200
    else:
        assert page.status_code == 403 and api.status_code == 403


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_school_profile_changes_follow_role_and_scope(world, as_user, persona):
    client = as_user(persona)
    for code, school in _schools(world).items():
        response = client.patch(
            f"/api/v1/schools/{school.pk}", {"staff": 77}, content_type="application/json"
        )
        page = client.get(f"/schools/{school.pk}/edit/")
        school.refresh_from_db()
        if code in CHANGE.get(persona, set()):
            assert response.status_code == 200, (persona, code)
            assert page.status_code == 200
            assert school.staff == 77
        else:
            expected = 403 if code in VISIBLE[persona] else 404
            assert response.status_code == expected, (persona, code)
            assert page.status_code == expected
            assert school.staff != 77


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_exports_carry_exactly_the_schools_in_scope(as_user, persona):
    client = as_user(persona)
    page, api = client.get("/schools/export.xlsx"), client.get("/api/v1/schools/export")
    if persona not in EXPORT_ROLES:
        assert page.status_code == 403 and api.status_code == 403
        return
    for response in (page, api):
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert codes == VISIBLE[persona]


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_import_is_open_only_to_importing_roles(as_user, persona):
    client = as_user(persona)
    page = client.get("/imports/schools/")
    template = client.get("/imports/schools/template.xlsx")
    if persona in IMPORT_ROLES:
        assert page.status_code == 200 and template.status_code == 200
    else:
        assert page.status_code == 403 and template.status_code == 403


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_me_describes_the_caller(world, as_user, persona):
    body = as_user(persona).get("/api/v1/me").json()
    role, unit = PERSONAS[persona]
    assert body["username"] == persona
    assert body["roles"][0]["role"] == role
    assert ("audit.view" in body["permissions"]) == (persona == "auditor")


def test_anonymous_callers_get_401_and_the_login_page(world, client):
    for url in (
        "/api/v1/schools",
        "/api/v1/me",
        "/api/v1/audit/entries",
        f"/api/v1/schools/{world.a1.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    for url in ("/", "/schools/", "/audit/", f"/schools/{world.a1.pk}/", "/schools/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_change_of_roles_applies_from_the_next_request(world, as_user):
    """Grants are cached under a counter that database triggers bump on every write to the
    role assignments or the org tree: a role given, moved or taken away — by a service, a bulk
    update or raw SQL — shows on the very next request of a session already signed in."""
    from django.db import connection

    from safecampus.access.models import RoleAssignment

    from .factories import RoleAssignmentFactory

    client = as_user("teacher_b1")

    def codes():
        return {s["code"] for s in client.get("/api/v1/schools?limit=100").json()["items"]}

    assert codes() == {"TB01"}
    given = RoleAssignmentFactory(user=world.users["teacher_b1"], unit=world.a1.unit)
    assert codes() == {"TA01", "TB01"}
    RoleAssignment.objects.filter(pk=given.pk).update(unit=world.a2.unit)
    assert codes() == {"TA02", "TB01"}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM access_roleassignment WHERE id = %s", [given.pk])
    assert codes() == {"TB01"}
    # The sidebar follows too: an auditor's role adds the audit trail to it.
    assert 'href="/audit/"' not in client.get("/").content.decode()
    RoleAssignmentFactory(user=world.users["teacher_b1"], unit=world.city, role="auditor")
    assert 'href="/audit/"' in client.get("/").content.decode()
