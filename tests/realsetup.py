"""Arranging data for the real-layer tests (tests/realservices.py) in a child process, with the
services and factories the unit tests use, committed so that the other processes see it:

    python -m tests.realsetup <step> '<json kwargs>'    → one JSON line on stdout

Runs under the base settings with the module's own DATABASE_URL (never pytest's database).
"""

import json
import sys
from datetime import timedelta


def _city():
    """测试市 ─ 甲区 ─ 甲区第一小学, and a duty officer at each level with an e-mail address."""
    from safecampus.orgs.choices import UnitKind

    from .factories import OrgUnitFactory, RoleAssignmentFactory, SchoolFactory, UserFactory

    city = OrgUnitFactory(kind=UnitKind.CITY, name="测试市", code="T1")
    district = OrgUnitFactory(kind=UnitKind.DISTRICT, parent=city, name="甲区", code="TA")
    school = SchoolFactory(unit__parent=district, unit__name="甲区第一小学", unit__code="TA01")
    users = {}
    for username, role, unit in [
        ("city_officer", "city_officer", city),
        ("district_a", "district_officer", district),
        ("director_a1", "safety_director", school.unit),
        ("staff_a1", "staff", school.unit),
    ]:
        users[username] = UserFactory(username=username, email=f"{username}@example.cn")
        RoleAssignmentFactory(user=users[username], unit=unit, role=role)
    return school, users


def _alarm(school, key: str, pressed_at, *, drill: bool = False) -> int:
    from safecampus.emergency import services

    alarm, created = services.alarm_receive(
        school=school,
        origin="37060200051340000001",
        event_id=key,
        source="device",
        place="门卫室",
        pressed_at=pressed_at,
        is_drill=drill,
    )
    assert created
    return alarm.incident_id


def queue_city(*, due_in_s: float) -> dict:
    """For the task consumer: alarms nobody took (one overdue, one due in `due_in_s` seconds, a
    drill long overdue) and hazards whose reminder is due today, tomorrow, and one overdue."""
    from django.utils import timezone

    from safecampus.hazards import services
    from safecampus.hazards.models import Hazard
    from safecampus.rules.selectors import effective_rule_set

    school, users = _city()
    limit_min = effective_rule_set("emergency_response", school.unit).rules.acknowledge_within_min
    now = timezone.now()
    soon_due = now + timedelta(seconds=due_in_s)
    incidents = {
        "late": _alarm(school, "late", now - timedelta(minutes=limit_min + 1)),
        "soon": _alarm(school, "soon", soon_due - timedelta(minutes=limit_min)),
        "drill": _alarm(school, "drill", now - timedelta(minutes=30), drill=True),
    }
    remind_days = effective_rule_set("hazard_deadline", school.unit).rules.remind_days_before
    hazards = {}
    for name, days in [("due", remind_days), ("not_yet", remind_days + 1), ("overdue", -1)]:
        hazard, _ = services.hazard_report(
            user=users["staff_a1"], school=school, description=f"消防栓无水 {name}", source="report"
        )
        Hazard.objects.filter(pk=hazard.pk).update(
            deadline=timezone.localdate() + timedelta(days=days), owner=users["director_a1"]
        )
        hazards[name] = hazard.pk
    return {
        "incidents": incidents,
        "hazards": hazards,
        "limit_min": limit_min,
        "soon_due": soon_due.isoformat(),
        "users": {name: user.pk for name, user in users.items()},
    }


def board_city(*, password: str) -> dict:
    """For the command board: the district officer's login (with the key of the second factor
    a district officer needs), the school's alarm button and a device token of the school's
    gateway."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from safecampus.devices.models import AlarmButton
    from safecampus.devices.services import device_token_issue

    school, users = _city()
    officer = users["district_a"]
    officer.set_password(password)
    officer.save()
    device = TOTPDevice.objects.create(user=officer, name="board", confirmed=True)
    button = AlarmButton.objects.create(
        school=school, name="门卫室按钮", device_id="37060200051340000001", place="gate_house"
    )
    _token, raw = device_token_issue(user=users["director_a1"], school=school, name="报警网关")
    return {
        "username": officer.username,
        "otp_key": device.key,
        "school": school.unit.name,
        "device_id": button.device_id,
        "token": raw,
    }


STEPS = {"queue_city": queue_city, "board_city": board_city}


def main() -> None:
    import django

    django.setup()
    from safecampus.audit.context import Actor, acting_as

    step, kwargs = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    with acting_as(Actor(channel="cli", username="test")):
        result = STEPS[step](**kwargs)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
