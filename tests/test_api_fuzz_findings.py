"""What the schema fuzzing (test_api_schema_fuzz.py) found, pinned by plain tests: each is a
request the fuzzing met, sent on purpose, so that the fix stays whether or not a later run of
the fuzzing draws it again."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safecampus.defenses.models import GatePost
from safecampus.emergency.models import EmergencyPlan
from safecampus.emergency.plan_services import plan_create

from .factories import api_token


def _call(method: str, url: str, user, body: dict):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"}
    return Client().generic(
        method, url, json.dumps(body), content_type="application/json", **headers
    )


def test_a_gate_post_time_with_an_offset_is_refused_not_a_server_error(world):
    """A time of day with a UTC offset ("07:00:00Z") made SQLite refuse the row: a 500. The
    hours of a gate post are the school's local time: refused (422), nothing stored."""
    body = {
        "school_id": world.a1.pk,
        "name": "东门护学岗",
        "period": "arrival",
        "starts_at": "07:00:00Z",
        "ends_at": "08:00:00+08:00",
    }
    response = _call("POST", "/api/v1/defenses/gate-posts", world.users["director_a1"], body)
    assert response.status_code == 422
    locs = [d["loc"] for d in response.json()["error"]["details"]]
    assert locs == [["body", "payload", "starts_at"], ["body", "payload", "ends_at"]]
    assert not GatePost.objects.exists()
    # The same hours without an offset are taken, and answered as the document says.
    body |= {"starts_at": "07:00", "ends_at": "08:00:00"}
    response = _call("POST", "/api/v1/defenses/gate-posts", world.users["director_a1"], body)
    assert response.status_code == 201
    assert (response.json()["starts_at"], response.json()["ends_at"]) == ("07:00:00", "08:00:00")


def test_a_plan_patch_refuses_who_may_not_write_before_reading_the_fields(world):
    """A staff member who reads the city's plan (inherited) but may not write it was told
    which field was empty (400) instead of being refused (403); the plan is unchanged."""
    plan = plan_create(
        user=world.users["city_officer"],
        unit=world.city,
        incident_type="fire",
        title="火灾应急预案",
        steps=[{"text": "组织疏散", "role": "班主任"}],
    )
    url = f"/api/v1/emergency/plans/{plan.pk}"
    response = _call("PATCH", url, world.users["teacher_b1"], {"steps": None})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    response = _call("PATCH", url, world.users["teacher_b1"], {"title": "改"})
    assert response.status_code == 403
    plan = EmergencyPlan.objects.get(pk=plan.pk)
    assert (plan.title, plan.version) == ("火灾应急预案", 1)
    # Who may write it still gets the field's rule.
    response = _call("PATCH", url, world.users["city_officer"], {"steps": None})
    assert response.status_code == 400
    assert "steps" in response.json()["error"]["message"]


def test_the_document_names_the_answers_of_the_platform_on_every_operation(db):
    """401 on every authenticated operation, 400 (control characters) and 422 (refused
    parameters) on every operation that takes input: the fuzzing met each undocumented."""
    document = Client().get("/api/v1/openapi.json").json()
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            answers = set(operation["responses"])
            expected = {"401"} if operation.get("security") else set()
            if operation.get("parameters") or operation.get("requestBody"):
                expected |= {"400", "422"}
            if not expected <= answers:
                missing.append(f"{method.upper()} {path}: {sorted(expected - answers)}")
    assert missing == []
    hazard = document["paths"]["/api/v1/hazards/{hazard_id}"]["get"]["responses"]["422"]
    assert hazard["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_a_control_character_in_an_import_form_is_refused_in_the_documented_shape(world):
    """The import's 400 is its own refusal shape, or the platform's error shape when a form
    field holds a control character (refused before the file is read): both documented."""
    token = api_token(world.users["director_a1"])
    response = Client().post(
        "/api/v1/imports/buildings",
        {"mapping": "\x01", "file": SimpleUploadedFile("x.xlsx", b"PK")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["type"] == "control_character"
    document = Client().get("/api/v1/openapi.json").json()
    schema = document["paths"]["/api/v1/imports/{key}"]["post"]["responses"]["400"]
    refs = [s["$ref"] for s in schema["content"]["application/json"]["schema"]["anyOf"]]
    assert refs == ["#/components/schemas/ImportRefusalOut", "#/components/schemas/Error"]


def test_a_moment_with_an_offset_that_does_not_exist_is_refused_not_a_server_error(world):
    """ "+16:54" is read by Python and refused by PostgreSQL (a 500 there): no offset beyond
    ±14:00 exists, so each moment a client gives is refused with 422, and nothing stored."""
    from safecampus.hazards.models import Hazard

    body = {
        "school_id": world.a1.pk,
        "description": "楼梯扶手松动",
        "found_at": "2024-05-01T08:00:00+16:54",
    }
    response = _call("POST", "/api/v1/hazards", world.users["principal_a1"], body)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", "payload", "found_at"]
    assert not Hazard.objects.exists()
    body["found_at"] = "2024-05-01T08:00:00+14:00"
    response = _call("POST", "/api/v1/hazards", world.users["principal_a1"], body)
    assert response.status_code == 201
