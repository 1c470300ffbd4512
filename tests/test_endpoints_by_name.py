"""The API endpoints no other test called by name: each once as a persona the rules allow
(asserting what it really did) and once as one they refuse (the exact status of
permissions.md, and nothing changed)."""

import io
import json

from django.test import Client
from openpyxl import load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.defenses.models import Equipment
from safecampus.emergency.choices import EventKind
from safecampus.emergency.models import Incident, IncidentEvent
from safecampus.inspections import services as inspections
from safecampus.inspections.models import Campaign, ChecklistTemplate, Inspection
from safecampus.notifications.models import Notification
from safecampus.patrols.models import CheckPoint
from safecampus.risks.models import Aspect

from .factories import RoleAssignmentFactory, UserFactory
from .test_devices import _camera
from .test_emergency import _press, plans  # noqa: F401 — `plans`: the fixture
from .test_inspections import TODAY, _catalog
from .test_patrols import _point


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _error(response) -> str:
    return response.json()["error"]["code"]


# --- emergency: classify and notes -----------------------------------------------------------


def test_classify_grades_the_incident_for_responders_only(world, as_user, plans):  # noqa: F811
    alarm, _ = _press(world)
    url = f"/api/v1/emergency/incidents/{alarm.incident_id}/classify"
    body = {"incident_type": "fire", "severity": 2}
    lines = IncidentEvent.objects.filter(incident_id=alarm.incident_id).count()
    before = Incident.objects.values_list("incident_type", "severity").get()
    refused = _post(as_user("staff_a1"), url, body)  # sees it, does not respond
    assert refused.status_code == 403 and _error(refused) == "forbidden"
    hidden = _post(as_user("district_b"), url, body)
    assert hidden.status_code == 404 and _error(hidden) == "not_found"
    assert Incident.objects.values_list("incident_type", "severity").get() == before
    assert IncidentEvent.objects.filter(incident_id=alarm.incident_id).count() == lines
    graded = _post(as_user("district_a"), url, body)
    assert graded.status_code == 200
    assert (graded.json()["incident_type"], graded.json()["severity"]) == ("fire", 2)
    assert Incident.objects.values_list("incident_type", "severity").get() == ("fire", 2)
    line = IncidentEvent.objects.filter(incident_id=alarm.incident_id).latest("pk")
    assert line.kind == EventKind.NOTE and line.note.startswith("定性为 火灾")


def test_notes_add_a_timeline_line_for_responders_only(world, as_user, plans):  # noqa: F811
    alarm, _ = _press(world)
    url = f"/api/v1/emergency/incidents/{alarm.incident_id}/notes"
    lines = IncidentEvent.objects.filter(incident_id=alarm.incident_id).count()
    assert _post(as_user("guard_a1"), url, {"note": "x"}).status_code == 403
    assert _post(as_user("teacher_b1"), url, {"note": "x"}).status_code == 404
    empty = _post(as_user("principal_a1"), url, {"note": "  "})
    assert empty.status_code == 400 and "请填写处置记录" in empty.json()["error"]["message"]
    assert IncidentEvent.objects.filter(incident_id=alarm.incident_id).count() == lines
    noted = _post(as_user("principal_a1"), url, {"note": "已疏散一楼学生"})
    assert noted.status_code == 200
    line = IncidentEvent.objects.filter(incident_id=alarm.incident_id).latest("pk")
    assert (line.kind, line.note, line.by) == (
        EventKind.NOTE,
        "已疏散一楼学生",
        world.users["principal_a1"],
    )


# --- audit: one entry ------------------------------------------------------------------------


def test_one_audit_entry_is_read_by_the_auditor_only(world, as_user):
    as_user("district_a").patch(
        f"/api/v1/schools/{world.a2.pk}", {"staff": 30}, content_type="application/json"
    )
    entry = AuditEntry.objects.filter(action="update", username="district_a").get()
    read = as_user("auditor").get(f"/api/v1/audit/entries/{entry.pk}")
    assert read.status_code == 200
    body = read.json()
    assert (body["id"], body["action"], body["username"]) == (entry.pk, "update", "district_a")
    assert body["after"] == {"staff": 30}
    # The administrator holds audit.view nowhere: 403; an auditor of district B, whose scope
    # does not cover the entry (filed under a school of district A): 404 (permissions.md).
    refused = as_user("city_admin").get(f"/api/v1/audit/entries/{entry.pk}")
    assert refused.status_code == 403 and _error(refused) == "forbidden"
    district_auditor = UserFactory(username="auditor_b")
    RoleAssignmentFactory(user=district_auditor, unit=world.district_b, role="auditor")
    other = Client()
    other.force_login(district_auditor)
    hidden = other.get(f"/api/v1/audit/entries/{entry.pk}")
    assert hidden.status_code == 404 and _error(hidden) == "not_found"
    assert as_user("auditor").get("/api/v1/audit/entries/999999").status_code == 404


# --- inspections: checklists, plan a school, the risk-weighted draw --------------------------


def _district_campaign(world, kind="special"):
    officer = world.users["district_a"]
    checklist = inspections.checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=_catalog(world), name="甲区检查表"
    )
    return inspections.campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区专项检查",
        kind=kind,
        starts_on=TODAY,
        ends_on=TODAY,
        template=checklist,
    )


def test_checklists_are_listed_to_those_who_see_inspections(world, as_user):
    campaign = _district_campaign(world)
    listed = as_user("principal_a1").get("/api/v1/checklists")  # read below the publisher
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [campaign.template_id]
    assert as_user("teacher_b1").get("/api/v1/checklists").json()["items"] == []
    refused = as_user("auditor").get("/api/v1/checklists")
    assert refused.status_code == 403 and _error(refused) == "forbidden"


def test_a_checklist_is_built_from_a_catalog_by_planners_only(world, as_user):
    catalog = _catalog(world)
    body = {"unit_id": world.district_a.pk, "catalog_id": catalog.pk, "name": "消防检查表"}
    url = "/api/v1/checklists/from-catalog"
    inspector = _post(as_user("inspector"), url, {**body, "unit_id": world.city.pk})
    assert inspector.status_code == 403  # sees the city, plans nothing
    outside = _post(as_user("principal_a1"), url, body)  # the district is not in its scope
    assert outside.status_code == 404
    assert not ChecklistTemplate.objects.exists()
    created = _post(as_user("district_a"), url, {**body, "aspects": ["05"]})
    assert created.status_code == 201
    template = ChecklistTemplate.objects.get()
    assert (created.json()["id"], template.unit, template.name) == (
        template.pk,
        world.district_a,
        "消防检查表",
    )
    assert [i.aspect.code for i in template.items.all()] == ["05"]


def test_a_school_is_put_on_a_campaign_by_its_planners_only(world, as_user):
    campaign = _district_campaign(world)
    url = f"/api/v1/campaigns/{campaign.pk}/inspections"
    body = {"school_id": world.a1.pk, "team": [world.users["inspector"].pk]}
    assert _post(as_user("inspector"), url, body).status_code == 403  # sees it, plans nothing
    assert _post(as_user("district_b"), url, body).status_code == 404
    assert not Inspection.objects.exists()
    planned = _post(as_user("district_a"), url, body)
    assert planned.status_code == 201
    inspection = Inspection.objects.get()
    assert (planned.json()["id"], inspection.campaign, inspection.school) == (
        inspection.pk,
        campaign,
        world.a1,
    )
    assert list(inspection.team.all()) == [world.users["inspector"]]
    again = _post(as_user("district_a"), url, body)
    assert again.status_code == 400 and Inspection.objects.count() == 1


def test_the_risk_weighted_draw_is_for_planners_only(world, as_user):
    campaign = _district_campaign(world, kind="spot")
    url = f"/api/v1/campaigns/{campaign.pk}/select"
    body = {"count": 1, "seed": 7, "team": [world.users["inspector"].pk]}
    assert _post(as_user("inspector"), url, body).status_code == 403
    assert _post(as_user("district_b"), url, body).status_code == 404
    too_many = _post(as_user("district_a"), url, {**body, "count": 3})  # the district has 2
    assert too_many.status_code == 400
    assert not Inspection.objects.exists()
    drawn = _post(as_user("district_a"), url, body)
    assert drawn.status_code == 201
    (row,) = drawn.json()
    inspection = Inspection.objects.get()
    assert row["id"] == inspection.pk and inspection.school in (world.a1, world.a2)
    assert Campaign.objects.get().inspections.count() == 1


# --- patrols: renew a check point's code -----------------------------------------------------


def test_renewing_a_check_points_code_is_for_its_keepers_only(world, as_user):
    point = _point(world)
    old = point.token
    url = f"/api/v1/patrols/check-points/{point.pk}/renew-token"
    assert _post(as_user("guard_a1"), url).status_code == 403  # scans, does not keep
    assert _post(as_user("district_b"), url).status_code == 404
    assert CheckPoint.objects.get().token == old
    renewed = _post(as_user("director_a1"), url)
    assert renewed.status_code == 200
    new = CheckPoint.objects.get().token
    assert new != old and renewed.json()["scan_url"].endswith(f"/patrols/scan/{new}/")
    # The old code is dead from now on, the new one scans.
    guard = as_user("guard_a1")
    assert guard.get(f"/api/v1/patrols/scan/{old}").status_code == 404
    assert guard.get(f"/api/v1/patrols/scan/{new}").status_code == 200


# --- notifications: read all; the aspects ----------------------------------------------------


def test_read_all_marks_only_ones_own_messages(world, as_user, plans):  # noqa: F811
    _press(world)  # notifies the school's leaders and the district's officers
    mine = Notification.objects.filter(user=world.users["district_a"], read_at__isnull=True)
    others = Notification.objects.filter(user=world.users["principal_a1"], read_at__isnull=True)
    count, other_count = mine.count(), others.count()
    assert count >= 1 and other_count >= 1
    anonymous = Client().post("/api/v1/notifications/read-all")
    assert anonymous.status_code == 401 and mine.count() == count
    read = _post(as_user("district_a"), "/api/v1/notifications/read-all")
    assert read.status_code == 200 and read.json() == {"count": count}
    assert not mine.exists()
    assert others.count() == other_count
    assert _post(as_user("district_a"), "/api/v1/notifications/read-all").json() == {"count": 0}


def test_the_sixteen_aspects_are_read_by_anyone_logged_in(world, as_user):
    for persona in ("auditor", "guard_a1"):
        aspects = as_user(persona).get("/api/v1/aspects")
        assert aspects.status_code == 200
        assert [a["code"] for a in aspects.json()] == list(
            Aspect.objects.order_by("code").values_list("code", flat=True)
        )
        assert len(aspects.json()) == 16
    assert Client().get("/api/v1/aspects").status_code == 401


# --- exports: cameras, guards ----------------------------------------------------------------


def _sheet(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_camera_export_lists_the_cameras_in_scope_and_is_audited(world, as_user):
    _camera(world, n=1)
    _camera(world, school=world.b1, n=2, name="乙校枪机", device_id="37060300051328000002")
    exported = as_user("district_a").get("/api/v1/devices/cameras/export")
    assert exported.status_code == 200
    names = [row[0] for row in _sheet(exported)[1:] if row[0]]
    assert names == ["校门口枪机1"]
    assert AuditEntry.objects.filter(action="export", username="district_a").count() == 1
    refused = as_user("auditor").get("/api/v1/devices/cameras/export")
    assert refused.status_code == 403 and _error(refused) == "forbidden"
    assert AuditEntry.objects.filter(action="export", username="auditor").count() == 0


def test_the_guard_register_exports_one_schools_guards_and_is_audited(world, as_user):
    director = as_user("director_a1")
    created = _post(
        director,
        "/api/v1/defenses/guards",
        {"school_id": world.a1.pk, "name": "王保安", "birth_year": 1980, "licence_no": "B123"},
    )
    assert created.status_code == 201
    url = f"/api/v1/defenses/guards/export?school={world.a1.pk}"
    exported = as_user("district_a").get(url)
    assert exported.status_code == 200
    assert "王保安" in [row[0] for row in _sheet(exported)[1:]]
    assert AuditEntry.objects.filter(action="export", username="district_a").count() == 1
    hidden = as_user("teacher_b1").get(url)  # another district's school: not found
    assert hidden.status_code == 404 and _error(hidden) == "not_found"
    assert AuditEntry.objects.filter(action="export", username="teacher_b1").count() == 0


# --- defenses: delete a kind of equipment ----------------------------------------------------


def test_equipment_is_deleted_by_the_schools_keepers_only(world, as_user):
    put = as_user("director_a1").put(
        "/api/v1/defenses/equipment",
        {"school_id": world.a1.pk, "kind": "helmet", "quantity": 4},
        content_type="application/json",
    )
    assert put.status_code == 200
    record = Equipment.objects.get()
    url = f"/api/v1/defenses/equipment/{record.pk}"
    refused = as_user("guard_a1").delete(url)  # sees it, keeps nothing
    assert refused.status_code == 403 and _error(refused) == "forbidden"
    hidden = as_user("district_b").delete(url)
    assert hidden.status_code == 404 and _error(hidden) == "not_found"
    assert Equipment.objects.filter(pk=record.pk, quantity=4).exists()
    deleted = as_user("director_a1").delete(url)
    assert deleted.status_code == 204
    assert not Equipment.objects.filter(pk=record.pk).exists()
    assert as_user("director_a1").delete(url).status_code == 404
