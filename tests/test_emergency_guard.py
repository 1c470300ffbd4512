"""An alarm cannot be quietly changed: the database lets an alarm row change only by its one
reset (reset fields from empty to set, with a note; nothing else), whoever connects; and
neither the alarms nor the incident timeline can be truncated on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safecampus.devices.models import AlarmButton
from safecampus.emergency import services
from safecampus.emergency.intake import alarm_from_dict, device_alarm
from safecampus.emergency.models import Alarm, IncidentEvent


@pytest.fixture
def alarm(world):
    button = AlarmButton.objects.create(
        school=world.a1, name="门卫室报警按钮", device_id="37060200051340000009", place="gate_house"
    )
    alarm, _ = device_alarm(alarm_from_dict(button.device_id, {"event_id": "E-9"}), button)
    return alarm


def _values(alarm: Alarm) -> tuple:
    fresh = Alarm.objects.get(pk=alarm.pk)
    return (fresh.school_id, fresh.received_at, fresh.pressed_at, fresh.reset_at, fresh.reset_note)


def _refused(sql: str, params: list) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_latched_alarm_cannot_be_changed_behind_the_back(world, alarm):
    before = _values(alarm)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for sql, params in (
        ("UPDATE emergency_alarm SET received_at = %s WHERE id = %s", [an_hour_ago, alarm.pk]),
        ("UPDATE emergency_alarm SET school_id = %s WHERE id = %s", [world.b1.pk, alarm.pk]),
        # A reset without its note, or one that also moves the alarm, is no reset.
        (
            "UPDATE emergency_alarm SET reset_at = %s, reset_by_id = %s WHERE id = %s",
            [an_hour_ago, world.users["guard_a1"].pk, alarm.pk],
        ),
        (
            "UPDATE emergency_alarm SET reset_at = %s, reset_by_id = %s, reset_note = 'x',"
            " received_at = %s WHERE id = %s",
            [an_hour_ago, world.users["guard_a1"].pk, an_hour_ago, alarm.pk],
        ),
    ):
        _refused(sql, params)
    with pytest.raises(DatabaseError), transaction.atomic():
        Alarm.objects.filter(pk=alarm.pk).update(received_at=an_hour_ago)
    assert _values(alarm) == before


def test_the_one_reset_works_and_nothing_after_it(world, alarm):
    services.incident_acknowledge(user=world.users["district_a"], incident=alarm.incident)
    reset = services.alarm_reset(user=world.users["guard_a1"], alarm=alarm, note="误触，已核实")
    after = _values(alarm)
    assert after[3] == reset.reset_at and after[4] == "误触，已核实"
    for sql, params in (
        ("UPDATE emergency_alarm SET reset_note = 'changed' WHERE id = %s", [alarm.pk]),
        (
            "UPDATE emergency_alarm SET reset_at = NULL, reset_by_id = NULL, reset_note = '' WHERE id = %s",
            [alarm.pk],
        ),
        ("UPDATE emergency_alarm SET reset_at = %s WHERE id = %s", [timezone.now(), alarm.pk]),
    ):
        _refused(sql, params)
    assert _values(alarm) == after


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_alarms_and_the_timeline_cannot_be_truncated(world, alarm):
    for table in ("emergency_incidentevent", "emergency_alarm"):
        _refused(f"TRUNCATE {table} CASCADE", [])
    assert Alarm.objects.filter(pk=alarm.pk).exists()
    assert IncidentEvent.objects.filter(incident_id=alarm.incident_id).count() == 1
