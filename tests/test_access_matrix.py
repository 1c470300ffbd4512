"""What the scope matrix (tests/test_scope_matrix.py) does not check about the schools, the org
tree, the home page and `/me`: the matrix runs every page and endpoint for every persona with
its exact status, and finds nothing outside the caller's tree in an answer; here, that the
lists, counts and workbooks hold *every* school in scope, that a change the matrix lets
through is made, and that grants follow a change of roles at once."""

import io

import pytest
from openpyxl import load_workbook

from .conftest import PERSONAS

ALL = {"TA01", "TA02", "TB01", "TC01"}
VISIBLE = {
    "city_admin": ALL,
    "city_officer": ALL,
    "inspector": ALL,
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
EXPORT_ROLES = [
    "city_admin",
    "city_officer",
    "district_a",
    "district_b",
    "principal_a1",
    "director_a1",
    "principal_c1",
]
# The personas who see schools (the auditor has no org.view: 403, in the matrix).
READERS = list(VISIBLE)


def _schools(world):
    return {"TA01": world.a1, "TA02": world.a2, "TB01": world.b1, "TC01": world.c1}


@pytest.mark.parametrize("persona", READERS)
def test_the_school_lists_hold_every_school_in_scope(world, as_user, persona):
    client = as_user(persona)
    body = client.get("/api/v1/schools?limit=100").json()
    assert {s["code"] for s in body["items"]} == VISIBLE[persona]
    assert body["count"] == len(VISIBLE[persona])
    html = client.get("/schools/").content.decode()
    for code, school in _schools(world).items():
        assert (school.unit.name in html) == (code in VISIBLE[persona]), (persona, code)


@pytest.mark.parametrize("persona", READERS)
def test_the_org_tree_holds_every_unit_in_scope(as_user, persona):
    codes = {u["code"] for u in as_user(persona).get("/api/v1/orgs?limit=100").json()["items"]}
    # The city and its two districts with the schools, a district with its schools, a school.
    units = {"city_admin": 7, "city_officer": 7, "inspector": 7, "district_a": 3, "district_b": 2}
    assert len(codes) == units.get(persona, 1)
    assert VISIBLE[persona] <= codes


@pytest.mark.parametrize("persona", READERS)
def test_dashboard_counts_come_from_the_records_in_scope(as_user, persona):
    client = as_user(persona)
    assert client.get("/api/v1/dashboard/summary").json()["schools"] == len(VISIBLE[persona])
    html = client.get("/").content.decode()
    if PERSONAS[persona][1] in ("a1", "b1", "c1"):
        # A school's own dashboard shows its profile, not a count of one.
        assert "学校档案" in html and 'data-figure="schools"' not in html
    else:
        assert f'data-figure="schools">{len(VISIBLE[persona])}<' in html


def test_the_auditors_home_is_the_trail(as_user):
    assert as_user("auditor").get("/")["Location"] == "/audit/"


@pytest.mark.parametrize("persona", list(CHANGE))
def test_school_profile_changes_are_made_where_allowed(world, as_user, persona):
    """The matrix has every refusal (and that it changes nothing); here the changes made."""
    client = as_user(persona)
    for code, school in _schools(world).items():
        if code not in CHANGE[persona]:
            continue
        response = client.patch(
            f"/api/v1/schools/{school.pk}", {"staff": 77}, content_type="application/json"
        )
        assert response.status_code == 200, (persona, code)
        school.refresh_from_db()
        assert school.staff == 77
        page = client.get(f"/schools/{school.pk}/edit/")
        assert page.status_code == 200
        form = page.context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None} | {"staff": 78}
        assert client.post(f"/schools/{school.pk}/edit/", data).status_code == 302
        school.refresh_from_db()
        assert school.staff == 78


@pytest.mark.parametrize("persona", EXPORT_ROLES)
def test_exports_carry_exactly_the_schools_in_scope(as_user, persona):
    client = as_user(persona)
    for response in (client.get("/schools/export.xlsx"), client.get("/api/v1/schools/export")):
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert codes == VISIBLE[persona]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_me_describes_the_caller(world, as_user, persona):
    body = as_user(persona).get("/api/v1/me").json()
    role, unit = PERSONAS[persona]
    assert body["username"] == persona
    assert body["roles"][0]["role"] == role
    assert ("audit.view" in body["permissions"]) == (persona == "auditor")


def test_anonymous_callers_are_told_to_log_in(world, client):
    """The matrix has the statuses (401, 302); here what the answers say."""
    response = client.get("/api/v1/schools")
    assert response.json()["error"]["code"] == "unauthorized"
    response = client.get(f"/schools/{world.a1.pk}/")
    assert response["Location"] == f"/accounts/login/?next=/schools/{world.a1.pk}/"


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
