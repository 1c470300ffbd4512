"""The one workflow engine (core/workflow.py) as the three workflows use it: a step is one
locked, checked, audited step with its timeline line and effects, or nothing; the pages offer
exactly the steps the services would take."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from safecampus.audit.models import AuditEntry
from safecampus.buildings.choices import ProjectAction, ProjectStatus
from safecampus.buildings.models import Building, ProjectEvent, RemediationProject
from safecampus.buildings.services import project_create
from safecampus.buildings.workflow import project_workflow
from safecampus.core.errors import BusinessRuleError
from safecampus.emergency.choices import EventKind, IncidentStatus
from safecampus.emergency.models import IncidentEvent
from safecampus.emergency.services import incident_raise
from safecampus.emergency.workflow import incident_workflow
from safecampus.hazards.choices import HazardAction, HazardLevel, HazardStatus
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.services import hazard_report
from safecampus.hazards.workflow import hazard_workflow
from safecampus.notifications.models import Notification

from .conftest import PERSONAS


def _hazard(world, level=HazardLevel.GENERAL) -> Hazard:
    hazard, _created = hazard_report(
        user=world.users["staff_a1"],
        school=world.a1,
        description="二楼楼梯扶手松动",
        source="report",
        level=level,
    )
    return hazard


def _trail(hazard) -> int:
    return AuditEntry.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk)).count()


def test_a_step_moves_the_state_writes_its_line_and_its_effects(world):
    hazard = _hazard(world)
    owner = world.users["staff_a1"]
    taken = hazard_workflow.take(
        hazard, HazardAction.ASSIGN, by=world.users["director_a1"], note="本周内", owner=owner
    )
    assert taken.status == HazardStatus.ASSIGNED and taken.owner == owner
    line = HazardEvent.objects.filter(hazard=hazard).last()
    assert (line.action, line.from_status, line.to_status, line.note, line.by) == (
        HazardAction.ASSIGN,
        HazardStatus.REPORTED,
        HazardStatus.ASSIGNED,
        "本周内",
        world.users["director_a1"],
    )
    assert Notification.objects.filter(user=owner, kind="hazard.assigned").count() == 1
    assert AuditEntry.objects.filter(
        object_type="hazards.hazard", object_id=str(hazard.pk), action="update"
    ).exists()


def test_a_step_from_the_wrong_state_is_refused_in_words_and_changes_nothing(world):
    hazard = _hazard(world)
    lines, trail = HazardEvent.objects.count(), _trail(hazard)
    with pytest.raises(BusinessRuleError) as refused:
        hazard_workflow.take(hazard, HazardAction.ACCEPT, by=world.users["director_a1"])
    assert str(refused.value) == "当前状态为“已上报”，不能执行“验收通过，销号”（需处于“待验收”）"
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED
    assert HazardEvent.objects.count() == lines and _trail(hazard) == trail


def test_who_may_is_checked_before_the_state_so_a_stranger_learns_nothing(world):
    hazard = _hazard(world)
    # The wrong state and the wrong person: the person is refused first.
    with pytest.raises(PermissionDenied):
        hazard_workflow.take(hazard, HazardAction.ACCEPT, by=world.users["teacher_b1"])
    with pytest.raises(PermissionDenied):
        hazard_workflow.take(hazard, HazardAction.ASSIGN, by=world.users["staff_a1"])
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.REPORTED


def test_a_step_and_its_effects_roll_back_together(world):
    hazard = _hazard(world)
    owner = world.users["staff_a1"]
    with pytest.raises(RuntimeError), transaction.atomic():
        hazard_workflow.take(
            hazard, HazardAction.ASSIGN, by=world.users["director_a1"], owner=owner
        )
        raise RuntimeError("a later write of the same transaction failed")
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.REPORTED
    assert not HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ASSIGN).exists()
    assert not Notification.objects.filter(user=owner, kind="hazard.assigned").exists()


def test_a_step_that_keeps_the_state_is_still_a_line(world):
    hazard = _hazard(world, level=HazardLevel.MAJOR)
    hazard_workflow.take(
        hazard,
        HazardAction.SUPERVISE,
        by=world.users["district_a"],
        note="限期两周",
        supervised_by=world.district_a,
        supervision_deadline=date(2027, 1, 15),
    )
    line = HazardEvent.objects.filter(hazard=hazard).last()
    assert (line.action, line.from_status, line.to_status) == (
        HazardAction.SUPERVISE,
        HazardStatus.REPORTED,
        HazardStatus.REPORTED,
    )


def test_the_platform_takes_its_own_steps_without_a_persons_right(world):
    incident, _created = incident_raise(
        user=world.users["principal_a1"],
        school=world.a1,
        incident_type="intrusion",
        severity=2,
        description="校门外有人持械徘徊",
    )
    assert incident_workflow.steps_for(world.users["district_a"], incident)[:2] == [
        EventKind.ACKNOWLEDGED,
        EventKind.RESPONDING,
    ]
    # No person may escalate; the platform does, once.
    assert not incident_workflow.may(world.users["city_officer"], incident, EventKind.ESCALATED)
    incident_workflow.take(incident, EventKind.ESCALATED, by=None, note="无人接警")
    assert IncidentEvent.objects.filter(incident=incident, kind=EventKind.ESCALATED).count() == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RAISED


def test_a_project_line_records_the_day_and_the_progress(world):
    building = Building.objects.create(
        school=world.a1,
        name="教学楼",
        use="teaching",
        structure="frame",
        storeys=4,
        floor_area_m2=3200,
        year_built=1995,
    )
    project, _created = project_create(
        user=world.users["principal_a1"],
        school=world.a1,
        name="教学楼抗震加固",
        kind="seismic",
        buildings=[building],
        plan="加固",
        budget_yuan=100000,
        planned_start=date(2026, 11, 1),
        planned_end=date(2026, 12, 31),
    )
    project_workflow.take(
        project,
        ProjectAction.START,
        by=world.users["principal_a1"],
        line={"on": date(2026, 11, 2)},
        actual_start=date(2026, 11, 2),
    )
    line = ProjectEvent.objects.filter(project=project).last()
    assert (line.action, line.on, line.progress, line.to_status) == (
        ProjectAction.START,
        date(2026, 11, 2),
        0,
        ProjectStatus.IN_PROGRESS,
    )
    assert RemediationProject.objects.get(pk=project.pk).status == ProjectStatus.IN_PROGRESS


# The forms a hazard page offers, by the workflow step each one takes.
PAGE_STEPS = {
    "assign": HazardAction.ASSIGN,
    "start": HazardAction.START,
    "submit": HazardAction.SUBMIT,
    "verify": HazardAction.ACCEPT,
}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "auditor"])
def test_the_page_offers_exactly_the_steps_the_workflow_allows(world, as_user, persona):
    """Views ask the workflow's predicates: for every persona and state, the page's step forms
    are the steps the service would take (and only those)."""
    hazard = _hazard(world)
    user = world.users[persona]
    client = as_user(persona)
    path = [
        (HazardAction.ASSIGN, "director_a1", {"owner": world.users["staff_a1"]}),
        (HazardAction.START, "staff_a1", {"plan": "更换", "measures": "复查"}),
        (HazardAction.SUBMIT, "staff_a1", {"result": "已更换"}),
    ]
    for step, by, changes in [*path, (None, None, None)]:
        response = client.get(f"/hazards/{hazard.pk}/")
        if response.status_code == 404:
            assert not hazard_workflow.steps_for(user, hazard)
        else:
            offered = {
                action
                for form, action in PAGE_STEPS.items()
                if f'name="step" value="{form}"' in response.content.decode()
            }
            allowed = set(hazard_workflow.steps_for(user, hazard)) & set(PAGE_STEPS.values())
            assert offered == allowed, (persona, hazard.status)
        if step is not None:
            hazard = hazard_workflow.take(hazard, step, by=world.users[by], **changes)
