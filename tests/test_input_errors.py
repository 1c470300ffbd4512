"""Input that used to end in a server error, a wrong status or a leak (issue 12 item 3): a broken
multipart body, a write to a measure of a removed risk point, an unauthenticated POST, another
district's roles on a user's detail."""

import pytest
from django.test import Client

from safecampus.access.models import RoleAssignment
from safecampus.audit.models import AuditEntry
from safecampus.notifications.models import WebhookEndpoint
from safecampus.orgs.models import School
from safecampus.risks import excel
from safecampus.risks.services import catalog_import
from safecampus.threelists.models import MeasureCheck, ResponsibilityItem
from safecampus.threelists.services import risk_list_instantiate, risk_point_remove

from .factories import RoleAssignmentFactory, UserFactory
from .test_school_lists import ROWS

# --- A broken multipart body ------------------------------------------------------------------

BOUNDARY = "sc-boundary"
BROKEN_BODIES = {
    "not base64": (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="schools.xlsx"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"!!!!not-base64====\r\n--{BOUNDARY}--\r\n"
    ).encode(),
    "no boundary": b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--x--\r\n',
    "empty boundary": b"--\r\n\r\n",
}
CONTENT_TYPES = {
    "not base64": f"multipart/form-data; boundary={BOUNDARY}",
    "no boundary": "multipart/form-data",
    "empty boundary": "multipart/form-data; boundary=",
}


@pytest.mark.parametrize("case", sorted(BROKEN_BODIES))
@pytest.mark.parametrize("key", ["schools", "buildings"])
def test_a_broken_multipart_import_is_a_400_in_the_error_shape(world, as_user, case, key):
    before = School.objects.count()
    response = as_user("city_admin").generic(
        "POST", f"/api/v1/imports/{key}", BROKEN_BODIES[case], content_type=CONTENT_TYPES[case]
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["details"] == []
    assert "请求体无效" in error["message"]
    assert School.objects.count() == before


def test_a_broken_multipart_form_on_a_page_is_a_400_page_in_words(world, as_user):
    response = as_user("city_admin").generic(
        "POST",
        "/imports/schools/",
        BROKEN_BODIES["not base64"],
        content_type=CONTENT_TYPES["not base64"],
    )
    assert response.status_code == 400
    assert "请求体无效" in response.content.decode()


# --- A measure of a removed risk point ----------------------------------------------------------


@pytest.fixture
def removed_item(world):
    catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=excel.workbook_bytes(ROWS),
    )
    risk_list_instantiate(user=world.users["director_a1"], school=world.a1)
    item = ResponsibilityItem.objects.filter(risk_point__school=world.a1).first()
    risk_point_remove(user=world.users["director_a1"], point=item.risk_point)
    return ResponsibilityItem.objects.get(pk=item.pk)


def _row(item):
    return ResponsibilityItem.objects.filter(pk=item.pk).values().get()


def test_assigning_a_measure_of_a_removed_risk_point_is_refused_and_writes_nothing(
    world, as_user, removed_item
):
    director = as_user("director_a1")  # logging in is audited: before counting
    before, audit_before = _row(removed_item), AuditEntry.objects.count()
    response = director.patch(
        f"/api/v1/responsibilities/{removed_item.pk}",
        {
            "department": "总务处",
            "post": "宿管",
            "person_id": world.users["staff_a1"].pk,
            "frequency": "daily",
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert "已移出本校风险清单" in response.json()["error"]["message"]
    assert _row(removed_item) == before
    assert AuditEntry.objects.count() == audit_before
    # The page says the same on its form, and saves nothing either.
    page = director.post(
        f"/risks/items/{removed_item.pk}/assign/",
        {"department": "总务处", "post": "宿管", "person": "", "frequency": "daily"},
    )
    assert page.status_code == 200 and "已移出本校风险清单" in page.content.decode()
    assert _row(removed_item) == before
    assert AuditEntry.objects.count() == audit_before


def test_a_check_of_a_measure_of_a_removed_risk_point_is_refused(world, as_user, removed_item):
    director = as_user("director_a1")
    audit_before = AuditEntry.objects.count()
    response = director.post(
        f"/api/v1/responsibilities/{removed_item.pk}/checks",
        {"passed": False, "note": "灭火器过期"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "已移出本校风险清单" in response.json()["error"]["message"]
    assert MeasureCheck.objects.filter(item=removed_item).count() == 0
    assert AuditEntry.objects.count() == audit_before


# --- Unauthenticated and cross-site POSTs -------------------------------------------------------


def _endpoint_payload(world):
    return {
        "unit_id": world.district_a.pk,
        "channel": "webhook",
        "name": "区值班平台",
        "url": "https://hooks.example.org/x",
    }


def test_an_unauthenticated_api_post_is_401_in_the_error_shape(world):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/api/v1/notifications/endpoints", _endpoint_payload(world), content_type="application/json"
    )
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthorized"
    # A bad token is no different.
    response = browser.post(
        "/api/v1/notifications/endpoints",
        _endpoint_payload(world),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sc_nosuchtoken",
    )
    assert response.status_code == 401
    assert WebhookEndpoint.objects.count() == 0


def test_a_logged_in_browser_post_without_the_csrf_token_stays_refused(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["district_a"])
    response = browser.post(
        "/api/v1/notifications/endpoints", _endpoint_payload(world), content_type="application/json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "csrf_failed"
    page = browser.post(
        "/notifications/endpoints/",
        {**_endpoint_payload(world), "unit": world.district_a.pk, "kinds": "incident.*"},
    )
    assert page.status_code == 403
    assert WebhookEndpoint.objects.count() == 0
    # With the token the same session may write.
    browser.get("/notifications/endpoints/")
    token = browser.cookies["csrftoken"].value
    created = browser.post(
        "/api/v1/notifications/endpoints",
        _endpoint_payload(world),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert created.status_code == 201, created.content
    assert WebhookEndpoint.objects.count() == 1


# --- Roles outside the caller's scope -----------------------------------------------------------


@pytest.fixture
def two_district_teacher(world):
    """A teacher at A1 who also holds a role at B1 (another district)."""
    user = UserFactory(username="shared_teacher", full_name="两校教师")
    RoleAssignmentFactory(user=user, unit=world.a1.unit, role="staff")
    RoleAssignmentFactory(user=user, unit=world.b1.unit, role="safety_director")
    return user


def test_a_users_detail_shows_only_the_roles_in_the_callers_scope(
    world, as_user, two_district_teacher
):
    user = two_district_teacher
    district_a = as_user("district_a")
    shown = district_a.get(f"/api/v1/users/{user.pk}").json()
    assert [(a["unit_id"], a["role"]) for a in shown["assignments"]] == [
        (world.a1.unit.pk, "staff")
    ]
    listed = district_a.get("/api/v1/users", {"q": "shared_teacher"}).json()["items"]
    assert [a["unit_id"] for a in listed[0]["assignments"]] == [world.a1.unit.pk]
    page = district_a.get(f"/accounts/users/{user.pk}/").content.decode()
    assert world.a1.unit.name in page and world.b1.unit.name not in page
    page = district_a.get("/accounts/users/", {"q": "shared_teacher"}).content.decode()
    assert world.a1.unit.name in page and world.b1.unit.name not in page
    # The city sees both.
    city = as_user("city_admin").get(f"/api/v1/users/{user.pk}").json()
    assert {a["unit_id"] for a in city["assignments"]} == {world.a1.unit.pk, world.b1.unit.pk}
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_a_nul_in_a_cookie_is_a_documented_400_on_an_operation_without_parameters(world, as_user):
    """Found by the schemathesis CLI (`--checks all`): the cookie of the session scheme reaches
    every operation, also one without parameters, whose schema did not list the 400."""
    client = as_user("principal_a1")
    client.cookies["sessionid"] = "\x00"
    response = client.get("/api/v1/me")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    schema = Client().get("/api/v1/openapi.json").json()
    for item in schema["paths"].values():
        for operation in item.values():
            assert "400" in operation["responses"], operation["operationId"]
