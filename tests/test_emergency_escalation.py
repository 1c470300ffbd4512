"""Escalation: a real alarm nobody acknowledged within the school's rule-set limit goes to the
city's duty officers — once; acknowledged alarms and drills never do."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.emergency import services
from safecampus.emergency.choices import EventKind, IncidentStatus
from safecampus.emergency.models import Incident, IncidentEvent
from safecampus.emergency.tasks import alarms_escalate, alarms_escalate_periodic
from safecampus.notifications.models import Delivery, Notification
from safecampus.notifications.services import endpoint_create
from safecampus.rules.models import RuleSet
from safecampus.rules.services import rule_set_assign, rule_set_copy


def _alarm(world, *, minutes_ago: float, school=None, key=None, drill=False) -> Incident:
    school = school or world.a1
    alarm, created = services.alarm_receive(
        school=school,
        origin="37060200051340000001",
        event_id=key or f"E-{school.pk}-{minutes_ago}-{drill}",
        source="device",
        place="门卫室",
        pressed_at=timezone.now() - timedelta(minutes=minutes_ago),
        is_drill=drill,
    )
    assert created
    return alarm.incident


def _escalated(incident) -> bool:
    incident.refresh_from_db()
    return incident.escalated_at is not None


def _city_officer_told(world) -> list[str]:
    return list(
        Notification.objects.filter(
            user=world.users["city_officer"], kind="incident.escalated"
        ).values_list("title", flat=True)
    )


def _limit(world, unit, minutes: int) -> RuleSet:
    """A copy of the shipped emergency_response rule set with another limit, chosen at `unit`."""
    admin = world.users["city_admin"]
    default = RuleSet.objects.get(kind="emergency_response", is_default=True)
    copy = rule_set_copy(
        user=admin,
        source=default,
        unit=world.city,
        name=f"接警时限 {minutes} 分钟",
        version="2026.2",
        effective_from=date(2026, 1, 1),
        authority="测试市教育局",
        data={"acknowledge_within_min": minutes},
    )
    rule_set_assign(user=admin, unit=unit, rule_set=copy)
    return copy


def test_an_alarm_older_than_the_limit_escalates_to_the_city_once(world):
    late = _alarm(world, minutes_ago=6)  # the shipped limit is 5 minutes
    recent = _alarm(world, minutes_ago=4)
    assert alarms_escalate() == 1
    assert _escalated(late) and not _escalated(recent)
    late.refresh_from_db()
    assert late.status == IncidentStatus.RAISED  # still waiting for someone to take it
    line = IncidentEvent.objects.get(incident=late, kind=EventKind.ESCALATED)
    assert "5 分钟" in line.note and line.by is None
    told = _city_officer_told(world)
    assert len(told) == 1 and told[0].startswith("逾时未接警")
    # A rerun (the next minute, or the command by hand) escalates nothing twice.
    assert alarms_escalate() == 0
    assert IncidentEvent.objects.filter(incident=late, kind=EventKind.ESCALATED).count() == 1
    assert len(_city_officer_told(world)) == 1
    # The other one escalates when its own time has come.
    assert alarms_escalate(now=timezone.now() + timedelta(minutes=2)) == 1
    assert _escalated(recent)


def test_an_incident_raised_by_hand_escalates_too(world):
    incident, _ = services.incident_raise(
        user=world.users["principal_a1"],
        school=world.a1,
        incident_type="fire",
        severity=2,
        description="实验楼三层冒烟",
        raised_at=timezone.now() - timedelta(minutes=7),
    )
    assert incident.status == IncidentStatus.RAISED
    assert alarms_escalate() == 1 and _escalated(incident)


def test_acknowledged_and_drill_alarms_never_escalate(world):
    taken = _alarm(world, minutes_ago=30)
    services.incident_acknowledge(user=world.users["director_a1"], incident=taken)
    drill = _alarm(world, minutes_ago=30, drill=True)
    raised_drill, _ = services.incident_raise(
        user=world.users["principal_a1"],
        school=world.a1,
        incident_type="earthquake",
        severity=4,
        description="地震疏散演练",
        is_drill=True,
        raised_at=timezone.now() - timedelta(minutes=30),
    )
    assert alarms_escalate(now=timezone.now() + timedelta(hours=1)) == 0
    assert not any(_escalated(i) for i in (taken, drill, raised_drill))
    assert _city_officer_told(world) == []
    # Nor does a drill escalate when asked directly.
    assert services.incident_escalate(incident=drill, limit_min=5) is False


def test_a_changed_rule_set_changes_the_limit(world):
    _limit(world, world.district_a, 30)  # district A gives its schools 30 minutes
    a1 = _alarm(world, minutes_ago=10)
    a2 = _alarm(world, minutes_ago=10, school=world.a2)
    b1 = _alarm(world, minutes_ago=10, school=world.b1)  # district B keeps the 5 minutes
    assert alarms_escalate() == 1
    assert _escalated(b1) and not _escalated(a1) and not _escalated(a2)
    # A school's own stricter choice beats its district's.
    _limit(world, world.a1.unit, 2)
    assert alarms_escalate() == 1
    assert _escalated(a1) and not _escalated(a2)
    line = IncidentEvent.objects.get(incident=a1, kind=EventKind.ESCALATED)
    assert "2 分钟" in line.note
    assert alarms_escalate(now=timezone.now() + timedelta(minutes=21)) == 1 and _escalated(a2)


def test_the_lookup_is_one_query_per_limit_not_per_incident(world):
    _limit(world, world.district_a, 30)
    for n in range(6):
        _alarm(world, minutes_ago=1, key=f"fresh-{n}", school=[world.a1, world.b1, world.c1][n % 3])
    with CaptureQueriesContext(connection) as queries:
        assert alarms_escalate() == 0
    incident_reads = [q for q in queries if 'FROM "emergency_incident"' in q["sql"]]
    assert len(incident_reads) == 2  # two limits in force: 30 (district A) and 5 (the rest)
    assert len(queries) <= 5


def test_escalation_reaches_the_citys_webhook_endpoints(world):
    endpoint = endpoint_create(
        user=world.users["city_admin"],
        unit=world.city,
        channel="webhook",
        name="市局值班系统",
        url="https://duty.example.org/hook",
        kinds=["incident.escalated"],
    )
    _alarm(world, minutes_ago=6)
    assert alarms_escalate() == 1
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.kind == "incident.escalated" and delivery.urgent
    assert delivery.title.startswith("逾时未接警")


def test_the_command_and_the_periodic_task_run_the_same_escalation(world):
    first = _alarm(world, minutes_ago=6)
    out = StringIO()
    call_command("escalate-alarms", stdout=out)
    assert out.getvalue().strip() == "escalated 1 incident(s)" and _escalated(first)
    second = _alarm(world, minutes_ago=8, school=world.b1)
    assert alarms_escalate_periodic.call_local() == {"escalated": 1} and _escalated(second)


@pytest.mark.parametrize("status", ["acknowledged", "resolved"])
def test_an_incident_taken_just_before_the_run_is_left_alone(world, status):
    incident = _alarm(world, minutes_ago=6)
    Incident.objects.filter(pk=incident.pk).update(status=status)
    assert alarms_escalate() == 0 and not _escalated(incident)


def test_the_limit_is_met_at_the_exact_second(world):
    """The rule: an incident still 待接警 when `acknowledge_within_min` (5) minutes have passed
    since it was raised escalates — at 300 s exactly, not at 299 s; and once only."""
    first = _alarm(world, minutes_ago=0, key="E-boundary-1")
    second = _alarm(world, minutes_ago=0, key="E-boundary-2")
    Incident.objects.filter(pk=second.pk).update(raised_at=first.raised_at + timedelta(seconds=2))
    second.refresh_from_db()
    t0 = first.raised_at
    assert alarms_escalate(now=t0 + timedelta(seconds=299)) == 0
    assert not _escalated(first) and not _escalated(second)
    assert alarms_escalate(now=t0 + timedelta(seconds=300)) == 1  # first: 300 s, second: 298 s
    assert _escalated(first) and not _escalated(second)
    assert alarms_escalate(now=t0 + timedelta(seconds=301)) == 0  # second: 299 s
    assert not _escalated(second)
    assert alarms_escalate(now=t0 + timedelta(seconds=302)) == 1  # second: 300 s
    assert _escalated(second)
    assert alarms_escalate(now=t0 + timedelta(seconds=303)) == 0
    for incident in (first, second):
        assert (
            IncidentEvent.objects.filter(incident=incident, kind=EventKind.ESCALATED).count() == 1
        )
    first.refresh_from_db()
    assert first.escalated_at is not None and first.status == IncidentStatus.RAISED
