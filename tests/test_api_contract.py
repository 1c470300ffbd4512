"""/api/v1/openapi.json is a true contract: each component describes one class, a client that
builds a request body from the document alone is not refused by the schema (422), and every
answer has a documented status and the documented body."""

import json
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import path
from ninja import NinjaAPI, Router, Schema
from ninja.pagination import paginate

from safecampus.audit.models import AuditEntry
from safecampus.buildings.services import building_create, project_create
from safecampus.config.api import api
from safecampus.core.pagination import LimitOffset
from safecampus.defenses.models import GatePost, Guard
from safecampus.defenses.services import entry_register, record_save
from safecampus.devices.services import device_create, device_token_issue
from safecampus.emergency.plan_services import plan_create
from safecampus.emergency.services import alarm_press
from safecampus.hazards.services import hazard_photo_add, hazard_report
from safecampus.inspections.services import (
    campaign_create,
    checklist_from_catalog,
    inspection_photo_add,
    inspection_plan,
    inspection_start,
)
from safecampus.notifications.services import endpoint_create
from safecampus.patrols.services import checkpoint_create
from safecampus.risks.services import catalog_publish_starter
from safecampus.rules.models import RuleSet
from safecampus.threelists.models import ResponsibilityItem, SchoolRiskPoint
from safecampus.threelists.services import lists_fill_from_catalog

from .factories import PASSWORD, api_token, photo_upload
from .openapi_contract import (
    component_collisions,
    example,
    overwritten_components,
    path_parameters,
    resolve,
    validator,
)

# --- every component name belongs to one class --------------------------------------------------


def test_no_two_classes_of_the_api_share_a_component_name():
    assert component_collisions(api) == {}


def test_no_component_is_written_twice_with_different_content():
    assert overwritten_components(api) == set()


class Hazards:
    class AssignIn(Schema):
        owner_id: int

    class ItemOut(Schema):
        id: int
        level: str


class Incidents:
    class AssignIn(Schema):
        assignee_id: int
        note: str = ""

    class ItemOut(Schema):
        id: int


class IncidentOut(Schema):
    items: list[Incidents.ItemOut]


def _throwaway_api() -> NinjaAPI:
    """Two apps that each name a body class AssignIn, and a nested response class ItemOut; and
    two lists paged over one class, whose page classes ninja makes twice."""
    hazards, incidents = Router(), Router()

    @hazards.post("/{pk}/assign", response=list[Hazards.ItemOut])
    def hazard_assign(request, pk: int, payload: Hazards.AssignIn):
        return []

    @incidents.post("/{pk}/assign", response=IncidentOut)
    def incident_assign(request, pk: int, payload: Incidents.AssignIn):
        return {"items": []}

    @incidents.get("", response=list[IncidentOut])
    @paginate(LimitOffset)
    def incident_list(request):
        return []

    @incidents.get("/open", response=list[IncidentOut])
    @paginate(LimitOffset)
    def incident_open(request):
        return []

    throwaway = NinjaAPI(urls_namespace="throwaway")
    throwaway.add_router("/hazards", hazards)
    throwaway.add_router("/incidents", incidents)
    return throwaway


# Mounted by the tests of the checks themselves (pytest.mark.urls).
THROWAWAY = _throwaway_api()
urlpatterns = [path("throwaway/", THROWAWAY.urls)]


def test_the_detector_names_two_classes_of_one_name_in_two_routers():
    here = __name__
    assert component_collisions(THROWAWAY) == {
        "AssignIn": [f"{here}.Hazards.AssignIn", f"{here}.Incidents.AssignIn"],
        "ItemOut": [f"{here}.Hazards.ItemOut", f"{here}.Incidents.ItemOut"],
    }
    assert overwritten_components(THROWAWAY) == {"AssignIn", "ItemOut"}
    # What the collision does to the document: the hazards' body is documented with the
    # incidents' fields, and a client following it gets a 422.
    document = THROWAWAY.get_openapi_schema(path_prefix="")
    body = document["paths"]["/hazards/{pk}/assign"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/AssignIn"}
    assert set(document["components"]["schemas"]["AssignIn"]["properties"]) == {
        "assignee_id",
        "note",
    }


# --- every write accepts a body built from its documented schema ---------------------------------

WRITES = ("post", "put", "patch")
# Tried in this order until one is neither refused (403) nor kept out of sight (404): together
# they hold every action at school A1, where the records are.
PERSONAS = (
    "principal_a1",
    "district_a",
    "city_officer",
    "city_admin",
    "director_a1",
    "inspector",
    "guard_a1",
    "staff_a1",
    "auditor",
    "security_admin",
)


@pytest.fixture
def records(world):
    """One record of each kind the API's paths name, at school A1, made with the services as
    the pages make them: `ids`, {the path before the id: the id}; `hints`, values that exist
    for the body and query fields that name a record; and a device token of A1."""
    principal, officer = world.users["principal_a1"], world.users["district_a"]
    inspector = world.users["inspector"]
    a1, today = world.a1, date.today()
    hazard, _ = hazard_report(
        user=principal, school=a1, description="楼梯扶手松动", source="report"
    )
    alarm, _ = alarm_press(user=principal, school=a1, client_key="contract-alarm-1")
    plan = plan_create(
        user=world.users["city_officer"],
        unit=world.city,
        incident_type="fire",
        title="火灾应急预案",
        steps=[{"text": "组织疏散", "role": "班主任"}],
    )
    building = building_create(
        user=principal,
        school=a1,
        name="1号教学楼",
        use="teaching",
        structure="frame",
        storeys=3,
        floor_area_m2=Decimal("1200.00"),
        year_built=2001,
    )
    project, _ = project_create(
        user=principal,
        school=a1,
        name="教学楼加固工程",
        kind="both",
        buildings=[building],
        plan="抗震加固",
        budget_yuan=Decimal("100000.00"),
        planned_start=today,
        planned_end=today + timedelta(days=90),
    )
    camera = device_create(
        user=officer,
        kind="camera",
        school=a1,
        name="校门口枪机",
        device_id="37060200051328000001",
        place="main_entrance",
    )
    button = device_create(
        user=officer,
        kind="alarm",
        school=a1,
        name="门卫室报警按钮",
        device_id="37060200051348000002",
        place="gate_house",
    )
    device_token, raw_device_token = device_token_issue(user=officer, school=a1, name="网关")
    catalog = catalog_publish_starter(unit=world.city, group="k12")
    lists_fill_from_catalog(a1)
    risk_point = SchoolRiskPoint.objects.filter(school=a1).first()
    item = ResponsibilityItem.objects.filter(risk_point__school=a1).first()
    template = checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=catalog, name="表"
    )
    campaign = campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区自查",
        kind="self",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=template,
    )
    inspection = inspection_plan(user=officer, campaign=campaign, school=a1, team=[inspector])
    point = checkpoint_create(user=principal, school=a1, name="东门", is_key_area=True)
    endpoint = endpoint_create(
        user=officer,
        unit=world.district_a,
        channel="webhook",
        name="区值班平台",
        url="https://hooks.example.org/safecampus",
    )
    guard = record_save(
        user=principal, record=Guard(school=a1, name="王保安", birth_year=1980, licence_no="L1")
    )
    post = record_save(
        user=principal,
        record=GatePost(
            school=a1, name="东门护学岗", period="arrival", starts_at="07:00", ends_at="08:00"
        ),
    )
    entry, _ = entry_register(
        user=principal,
        school=a1,
        visitor_name="李四",
        id_last4="123X",
        reason="送货",
        host="总务处",
    )
    rule_set = RuleSet.objects.order_by("pk").first()
    hazard_photo = hazard_photo_add(user=principal, hazard=hazard, upload=photo_upload())
    inspection_start(user=inspector, inspection=inspection)
    first_item = template.items.order_by("order").first()
    inspection_photo, _ = inspection_photo_add(
        user=inspector, inspection=inspection, item_id=first_item.pk, upload=photo_upload()
    )
    return {
        "ids": {
            "/schools/": a1.pk,
            "/users/": world.users["staff_a1"].pk,
            "/notifications/endpoints/": endpoint.pk,
            "/rule-sets/": rule_set.pk,
            "/hazards/": hazard.pk,
            "/risk-points/": risk_point.pk,
            "/responsibilities/": item.pk,
            "/campaigns/": campaign.pk,
            "/inspections/": inspection.pk,
            "/patrols/check-points/": point.pk,
            "/devices/cameras/": camera.pk,
            "/devices/alarms/": button.pk,
            "/devices/schools/": a1.pk,
            "/devices/tokens/": device_token.pk,
            "/defenses/guards/": guard.pk,
            "/defenses/gate-posts/": post.pk,
            "/defenses/entries/": entry.pk,
            "/defenses/schools/": a1.pk,
            "/buildings/": building.pk,
            "/remediation-projects/": project.pk,
            "/emergency/alarms/": alarm.pk,
            "/emergency/incidents/": alarm.incident_id,
            "/steps/": 0,
            "/emergency/plans/": plan.pk,
            "/imports/": "buildings",
            # read only
            "/orgs/": a1.unit_id,
            "/audit/entries/": AuditEntry.objects.exclude(unit_path="").order_by("pk").first().pk,
            "/risk-catalogs/": catalog.pk,
            "/hazards/photos/": hazard_photo.pk,
            "/inspections/photos/": inspection_photo.pk,
            "/patrols/scan/": point.token,
            "/patrols/schools/": a1.pk,
        },
        "hints": {
            "school_id": a1.pk,
            "school": a1.pk,
            "unit_id": a1.unit_id,
            "owner_id": world.users["director_a1"].pk,
            "assignee_id": world.users["director_a1"].pk,
            "person_id": world.users["director_a1"].pk,
            "team": [inspector.pk],
            "post_id": post.pk,
            "item_id": first_item.pk,
            "building_ids": [building.pk],
            "template_id": template.pk,
            "catalog_id": catalog.pk,
            "rule_set_id": rule_set.pk,
            "token": point.token,
            "device_id": button.device_id,
            "aspect": "01",
            "kind": "hazard_deadline",
            "username": "principal_a1",
            "password": PASSWORD,
        },
        "device_token": raw_device_token,
    }


def _url(route: str, ids: dict[str, object], query: dict) -> str:
    """The route with a record's id for each `{parameter}`: the record named by the longest
    path before it that the fixture knows ("/emergency/alarms/", not "/alarms/")."""
    url = route
    for before, name in path_parameters(route):
        known = [key for key in ids if before.endswith(key)]
        assert known, f"{route}: no record for {{{name}}}; add one to the records fixture"
        url = url.replace(f"{{{name}}}", str(ids[max(known, key=len)]), 1)
    return f"{url}?{urlencode(query)}" if query else url


def _query(operation: dict, document: dict, hints: dict) -> dict:
    """The operation's required query parameters, from their documented schemas."""
    return {
        p["name"]: example(p["schema"], document, full=False, hints=hints, name=p["name"])
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["required"]
    }


def _form(body: dict, schema: dict) -> bytes:
    """A multipart body: the documented binary fields as a small JPEG file."""
    fields: dict[str, object] = {}
    for key, value in body.items():
        if schema["properties"][key].get("format") == "binary":
            fields[key] = photo_upload()
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = str(value)
    return encode_multipart(BOUNDARY, fields)


def _callers(operation: dict, tokens: dict[str, str], records: dict) -> list[str | None]:
    """The bearer tokens to try, as the operation's documented security asks: none, the
    school's device token, or the personas' in turn."""
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if not schemes:
        return [None]
    if "DeviceTokenAuth" in schemes:
        return [records["device_token"]]
    return [tokens[persona] for persona in PERSONAS]


def _answer(method: str, url: str, callers: list[str | None], data=b"", media=None):
    """The first answer that is not a refusal of the caller (403) or of what they may see
    (404); else the last one."""
    for token in callers:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if media is None:
            response = Client().generic(method.upper(), url, **headers)
        else:
            response = Client().generic(method.upper(), url, data, content_type=media, **headers)
        if response.status_code not in (403, 404):
            break
    return response


def _problems(operation: dict, response, document: dict) -> list[str]:
    """How an answer departs from the document: a refused request (422), a caller not let in
    (401: the request was never read), a server error, an undocumented status, or a body
    other than the documented one."""
    status = response.status_code
    if status in (401, 422) or status >= 500:
        return [f"{status} {response.content.decode()[:500]}"]
    documented = operation["responses"].get(str(status))
    if documented is None:
        return [f"answered {status}, which is not documented"]
    content = documented.get("content", {})
    if "application/json" in content:
        body = response.json()
        errors = validator(content["application/json"]["schema"], document).iter_errors(body)
        messages = [e.message for e in errors]
        return [f"{status} is not the documented body: {messages[:3]}"] if messages else []
    if content and response["Content-Type"].split(";")[0] not in content:
        return [f"{status} is {response['Content-Type']}, documented {list(content)}"]
    return []


def _share(answers: dict[str, list[int]]) -> str:
    lines = [f"  {statuses} {name}" for name, statuses in answers.items()]
    return "\n".join([f"{len(answers)} operations:", *lines])


def test_every_write_accepts_a_body_built_from_its_documented_schema(records, world):
    document = Client().get("/api/v1/openapi.json").json()
    tokens = {persona: api_token(world.users[persona]) for persona in PERSONAS}
    hints = records["hints"]
    answers: dict[str, list[int]] = {}
    problems: list[str] = []
    for route, item in document["paths"].items():
        for method, operation in item.items():
            if method not in WRITES or "requestBody" not in operation:
                continue
            ((media, content),) = operation["requestBody"]["content"].items()
            schema = resolve(content["schema"], document)
            url = _url(route, records["ids"], _query(operation, document, hints))
            name = f"{method.upper()} {route}"
            answers[name] = []
            # The required fields only, then every documented field.
            for full in (False, True):
                body = example(schema, document, full=full, hints=hints)
                assert validator(content["schema"], document).is_valid(body), (name, body)
                if media == "application/json":
                    data, media_type = json.dumps(body), media
                else:
                    data, media_type = _form(body, schema), MULTIPART_CONTENT
                callers = _callers(operation, tokens, records)
                response = _answer(method, url, callers, data, media_type)
                answers[name].append(response.status_code)
                problems += [
                    f"{name} ({'every field' if full else 'required fields'}): {p}"
                    for p in _problems(operation, response, document)
                ]
    print(_share(answers))
    assert not problems, "\n".join(problems)
    assert len(answers) >= 60  # every write of the API (69 today), not a few


def test_every_read_answers_what_its_schema_documents(records, world):
    document = Client().get("/api/v1/openapi.json").json()
    tokens = {persona: api_token(world.users[persona]) for persona in PERSONAS}
    answers: dict[str, list[int]] = {}
    problems: list[str] = []
    for route, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        url = _url(route, records["ids"], _query(operation, document, records["hints"]))
        response = _answer("get", url, _callers(operation, tokens, records))
        answers[f"GET {route}"] = [response.status_code]
        problems += [f"GET {route}: {p}" for p in _problems(operation, response, document)]
    print(_share(answers))
    assert not problems, "\n".join(problems)
    assert all(statuses == [200] for statuses in answers.values()), _share(answers)


@pytest.mark.urls(__name__)
def test_a_body_built_from_a_wrong_document_is_caught(db):
    """The check of the writes, on the throwaway API whose document is wrong: the body built
    from it is refused, and the check names the field the document left out."""
    document = THROWAWAY.get_openapi_schema()
    operation = document["paths"]["/throwaway/hazards/{pk}/assign"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    body = example(schema, document, full=True, hints={})
    assert body == {"assignee_id": 1, "note": "测试"}
    response = Client().post(
        "/throwaway/hazards/1/assign", json.dumps(body), content_type="application/json"
    )
    (problem,) = _problems(operation, response, document)
    assert problem.startswith("422 ") and '"owner_id"' in problem
