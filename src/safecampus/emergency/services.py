"""Writes of emergency command. Every step is one transaction: the record, its timeline line,
its audit entry and the notifications it owes, or nothing. Boards hear of a step only after it
has committed (`flows.after_commit`), so nothing is shown that could still roll back."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import ancestor_paths, can, grants_for, require
from safecampus.accounts.models import User
from safecampus.core.errors import BusinessRuleError
from safecampus.devices.models import AlarmButton
from safecampus.orgs.models import School

from . import flows
from .choices import (
    OPEN_STATUSES,
    AlarmSource,
    EventKind,
    IncidentSource,
    IncidentStatus,
    IncidentType,
    Severity,
)
from .lookups import AlarmLookups
from .models import Alarm, EmergencyPlan, Incident, IncidentEvent
from .workflow import event_add, incident_workflow


def _actor(user):
    return user if getattr(user, "pk", None) else None


def plan_for(school, incident_type: str) -> EmergencyPlan | None:
    """The plan an incident of this type at this school follows: the school's own adopted
    copy, else the nearest plan above it (district, then city)."""
    path = school.unit.path
    plans = EmergencyPlan.objects.filter(
        unit__path__in=[*ancestor_paths(path), path], incident_type=incident_type, active=True
    ).order_by("-unit__depth", "-updated_at", "pk")
    return plans.first()


# Attempts at a batch of alarms when a racing writer stored one of its keys first (a third
# collision in a row would be no race but a bug, and is raised).
RACE_ATTEMPTS = 3


def _checked_time(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if at > now + timedelta(minutes=5):
        raise BusinessRuleError(_("报警时间不能晚于现在"))
    return at


def _incident_open(
    *,
    school,
    incident_type: str,
    severity: int,
    source: str,
    reporter=None,
    place: str = "",
    description: str = "",
    is_drill: bool = False,
    raised_at: datetime | None = None,
    client_key: str | None = None,
) -> Incident:
    plan = plan_for(school, incident_type)
    return Incident.objects.create(
        school=school,
        incident_type=incident_type,
        severity=severity,
        source=source,
        reporter=_actor(reporter),
        place=place[:100],
        description=description[:1000],
        is_drill=is_drill,
        raised_at=raised_at or timezone.now(),
        plan=plan,
        plan_steps=list(plan.steps) if plan else [],
        client_key=client_key,
    )


@dataclass(frozen=True, slots=True)
class AlarmIn:
    """One alarm to take: the arguments of `alarm_receive`, for `alarms_receive_batch`."""

    school: School  # with its unit and district (the board message and the audit read them)
    origin: str
    event_id: str
    source: str
    device: AlarmButton | None = None
    reporter: User | None = None
    place: str = ""
    note: str = ""
    pressed_at: datetime | None = None
    is_drill: bool = False


def alarm_receive(
    *,
    school,
    origin: str,
    event_id: str,
    source: str,
    device=None,
    reporter=None,
    place: str = "",
    note: str = "",
    pressed_at: datetime | None = None,
    is_drill: bool = False,
) -> tuple[Alarm, bool]:
    """Take one alarm. Answers (alarm, created); the same `(origin, event_id)` again is the
    same alarm — a device that re-sends after a lost acknowledgement adds nothing. The alarm
    opens an incident of its own with the school's plan, and latches until reset by hand."""
    item = AlarmIn(
        school=school,
        origin=origin,
        event_id=event_id,
        source=source,
        device=device,
        reporter=reporter,
        place=place,
        note=note,
        pressed_at=pressed_at,
        is_drill=is_drill,
    )
    (result,) = alarms_receive_batch([item])
    if isinstance(result, Exception):
        raise result
    return result


def alarms_receive_batch(
    items: Sequence[AlarmIn], *, lookups: AlarmLookups | None = None
) -> list[tuple[Alarm, bool] | BusinessRuleError]:
    """Take many alarms in one transaction (the ingestor writes what queued up meanwhile).
    Answers item by item what `alarm_receive` would: (alarm, created) — or the
    BusinessRuleError of an item that cannot be taken, which costs the others nothing. Each
    new alarm gets what a single one gets: its own incident with the plan, the audit entries of
    both, an "alarm" timeline line published to the boards after commit, and the notifications
    (in-app now, the other channels queued after commit). The same `(origin, event_id)` twice,
    within the batch or with an alarm already stored, is one alarm.

    A database error raises for the whole batch: nothing of it is written, and the caller
    retries it. `lookups` may keep plans, recipients and endpoints between batches (the
    ingestor's; see lookups.py for why that is acceptable); by default all are read now."""
    lookups = lookups or AlarmLookups()
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return _alarms_take(items, lookups)
        except IntegrityError:
            # A writer racing us with one of these keys (the HTTP path, a second ingestor)
            # committed it between our look-up and our insert: the unique constraint is the
            # last word. Nothing of this attempt stays; the next one finds that alarm stored.
            if attempt == RACE_ATTEMPTS:
                raise
            attempt += 1


def _alarms_take(items: Sequence[AlarmIn], lookups) -> list:
    """One attempt at `alarms_receive_batch`, in the caller's transaction: the stored alarms
    in one query, then one INSERT per table for the new ones."""
    results: list = [None] * len(items)
    writes: dict[tuple[str, str], list[int]] = {}  # key -> the items that are this alarm
    pressed: dict[tuple[str, str], datetime] = {}
    for i, item in enumerate(items):
        key = (item.origin, item.event_id)
        if key not in writes:
            try:
                pressed[key] = _checked_time(item.pressed_at)
            except BusinessRuleError as exc:
                results[i] = exc
                continue
        writes.setdefault(key, []).append(i)
    if not writes:
        return results
    found = _alarms_stored(writes)
    new = [items[indexes[0]] for key, indexes in writes.items() if key not in found]
    written: dict[tuple[str, str], Alarm] = {}
    if new:
        lookups.prepare({item.school for item in new}, IncidentType.INTRUSION)
        taken = [(item, pressed[(item.origin, item.event_id)]) for item in new]
        alarms = _alarms_insert(taken, lookups)
        written = {(a.origin, a.event_id): a for a in alarms}
        _alarm_lines_add(alarms, {(i.origin, i.event_id): i.note for i in new})
        flows.incidents_raised_notify([a.incident for a in alarms], lookups)
    for key, indexes in writes.items():
        if key in written:
            results[indexes[0]] = (written[key], True)
            indexes = indexes[1:]
        for i in indexes:
            results[i] = (written.get(key) or found[key], False)
    return results


def _alarms_stored(keys) -> dict[tuple[str, str], Alarm]:
    """The alarms already stored under any of `keys` ((origin, event id) pairs), in one query.
    It asks for every pair of the keys' origins and event ids — a few rows more at most, and
    far cheaper to build than one condition per key — and keeps the keys themselves."""
    keys = set(keys)
    stored = Alarm.objects.filter(
        origin__in={origin for origin, _ in keys}, event_id__in={event_id for _, event_id in keys}
    )
    return {(a.origin, a.event_id): a for a in stored if (a.origin, a.event_id) in keys}


def _alarms_insert(taken: list[tuple[AlarmIn, datetime]], lookups) -> list[Alarm]:
    """Insert the incidents and then the alarms, each kind in one statement (bulk_create of
    the audited models writes one audit entry per row)."""
    incidents = []
    for item, pressed_at in taken:
        plan = lookups.plan(item.school, IncidentType.INTRUSION)
        incidents.append(
            Incident(
                school=item.school,
                incident_type=IncidentType.INTRUSION,
                severity=Severity.IV,
                source=IncidentSource.DEVICE if item.device else IncidentSource.MANUAL,
                reporter=_actor(item.reporter),
                place=item.place[:100],
                description=item.note[:1000],
                is_drill=item.is_drill,
                raised_at=pressed_at,
                plan=plan,
                plan_steps=list(plan.steps) if plan else [],
            )
        )
    Incident.objects.bulk_create(incidents)
    return Alarm.objects.bulk_create(
        [
            Alarm(
                school=item.school,
                source=item.source,
                origin=item.origin,
                event_id=item.event_id,
                device=item.device,
                place=item.place[:100],
                pressed_at=pressed_at,
                reporter=_actor(item.reporter),
                incident=incident,
            )
            for (item, pressed_at), incident in zip(taken, incidents, strict=True)
        ]
    )


def _alarm_lines_add(alarms: list[Alarm], notes: dict) -> None:
    """Each new alarm's "alarm" line on its incident's timeline, in one INSERT; like
    `event_add`, the lines are published to the boards once the transaction commits."""
    events = IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident=alarm.incident,
                by=alarm.reporter,
                kind=EventKind.ALARM,
                note=notes[(alarm.origin, alarm.event_id)][:1000],
                data={
                    "alarm": alarm.pk,
                    "source": alarm.source,
                    "device": alarm.device.device_id if alarm.device else "",
                    "place": alarm.place,
                },
            )
            for alarm in alarms
        ]
    )
    flows.after_commit(*events)


def alarm_press(*, user, school, client_key: str, place: str = "", note: str = "") -> tuple:
    """A person's alarm from a page or a phone; the client key makes a double tap one alarm."""
    require(user, "alarm.raise", school.unit)
    if not client_key or len(client_key) > 64:
        raise BusinessRuleError(_("缺少提交编号"))
    return alarm_receive(
        school=school,
        origin=f"user:{user.pk}",
        event_id=client_key,
        source=AlarmSource.MANUAL,
        reporter=user,
        place=place,
        note=note,
    )


@transaction.atomic
def alarm_reset(*, user, alarm: Alarm, note: str) -> Alarm:
    """Reset a latched alarm by hand (GB 50394): only after someone has taken the incident, and
    with a word on why — the alarm itself stays on record."""
    require(user, "alarm.reset", alarm.school.unit)
    locked = Alarm.objects.select_for_update(of=("self",)).get(pk=alarm.pk)
    if locked.reset_at is not None:
        raise BusinessRuleError(_("该报警已复位"))
    if not note.strip():
        raise BusinessRuleError(_("请填写复位说明（现场核实情况）"))
    incident = locked.incident
    if incident.status == IncidentStatus.RAISED:
        raise BusinessRuleError(_("报警尚未接警，不能复位"))
    locked.reset_at = timezone.now()
    locked.reset_by = user
    locked.reset_note = note.strip()[:500]
    locked.save()
    event_add(incident, EventKind.ALARM_RESET, by=user, note=locked.reset_note, alarm=locked.pk)
    return locked


@transaction.atomic
def incident_raise(
    *,
    user,
    school,
    incident_type: str,
    severity: int,
    place: str = "",
    description: str = "",
    is_drill: bool = False,
    raised_at: datetime | None = None,
    client_key: str | None = None,
) -> tuple[Incident, bool]:
    """An incident raised by a school's leaders or an officer (not from an alarm)."""
    require(user, "incident.raise", school.unit)
    if client_key:
        existing = Incident.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.reporter_id != user.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    if incident_type not in IncidentType.values:
        raise BusinessRuleError(_("事件类型无效"))
    if severity not in Severity.values:
        raise BusinessRuleError(_("事件等级须为 Ⅰ–Ⅳ 级"))
    if not description.strip():
        raise BusinessRuleError(_("请描述情况"))
    # The school's own leaders report; anyone above raises it as an officer.
    at_school = any(g.path == school.unit.path for g in grants_for(user, "incident.raise"))
    incident = _incident_open(
        school=school,
        incident_type=incident_type,
        severity=severity,
        source=IncidentSource.MANUAL if at_school else IncidentSource.OFFICER,
        reporter=user,
        place=place,
        description=description.strip(),
        is_drill=is_drill,
        raised_at=_checked_time(raised_at),
        client_key=client_key or None,
    )
    event_add(incident, EventKind.RAISED, by=user, note=incident.description)
    flows.incident_raised_notify(incident)
    return incident, True


@transaction.atomic
def incident_acknowledge(*, user, incident: Incident, note: str = "") -> Incident:
    return incident_workflow.take(
        incident,
        EventKind.ACKNOWLEDGED,
        by=user,
        note=note,
        acknowledged_at=timezone.now(),
        acknowledged_by=user,
    )


@transaction.atomic
def incident_respond(*, user, incident: Incident, note: str = "") -> Incident:
    """Start the response on site (acknowledging it too if nobody has yet)."""
    changes = {}
    if incident.acknowledged_at is None:
        changes = {"acknowledged_at": timezone.now(), "acknowledged_by": user}
    return incident_workflow.take(incident, EventKind.RESPONDING, by=user, note=note, **changes)


@transaction.atomic
def incident_assign(*, user, incident: Incident, assignee, note: str = "") -> Incident:
    """Name the person in charge on site: someone who may respond at the incident's school."""
    incident_workflow.require(user, incident, EventKind.ASSIGNED)
    if not can(assignee, "incident.respond", incident.school.unit) and not can(
        assignee, "alarm.raise", incident.school.unit
    ):
        raise BusinessRuleError(_("被指派人不在该校或上级单位"))
    return incident_workflow.take(
        incident,
        EventKind.ASSIGNED,
        by=user,
        note=note,
        line={"assignee": assignee.pk, "assignee_name": str(assignee)},
        assignee=assignee,
    )


@transaction.atomic
def incident_classify(*, user, incident: Incident, incident_type: str, severity: int) -> Incident:
    """Grade the incident once it is assessed. A new type opens that type's plan, unless steps
    of the current plan were already ticked (the response keeps the checklist it follows)."""
    incident_workflow.require(user, incident, EventKind.NOTE)
    if incident_type not in IncidentType.values:
        raise BusinessRuleError(_("事件类型无效"))
    if severity not in Severity.values:
        raise BusinessRuleError(_("事件等级须为 Ⅰ–Ⅳ 级"))
    locked = incident_workflow.lock(incident)
    if locked.status not in OPEN_STATUSES:
        raise BusinessRuleError(_("事件已处置完毕，不能再调整"))
    if (incident_type, severity) == (locked.incident_type, locked.severity):
        return locked
    changes: dict = {"incident_type": incident_type, "severity": severity}
    if incident_type != locked.incident_type and not steps_done(locked):
        plan = plan_for(locked.school, incident_type)
        changes.update(plan=plan, plan_steps=list(plan.steps) if plan else [])
    note = _("定性为 %(type)s，%(severity)s") % {
        "type": IncidentType(incident_type).label,
        "severity": Severity(severity).label,
    }
    return incident_workflow.take(
        locked,
        EventKind.NOTE,
        by=user,
        note=note,
        line={"incident_type": incident_type, "severity": severity},
        **changes,
    )


def steps_done(incident: Incident) -> dict[int, IncidentEvent]:
    """The plan steps ticked so far: step index → the tick."""
    return {
        e.data["step"]: e
        for e in incident.events.filter(kind=EventKind.STEP).select_related("by")
        if isinstance(e.data.get("step"), int)
    }


@transaction.atomic
def incident_step_tick(*, user, incident: Incident, step: int, note: str = "") -> Incident:
    """Tick one step of the plan's checklist; each step is ticked once, on the timeline."""
    incident_workflow.require(user, incident, EventKind.STEP)
    locked = incident_workflow.lock(incident)
    if locked.status in OPEN_STATUSES:
        if not 0 <= step < len(locked.plan_steps):
            raise BusinessRuleError(_("预案中没有这一步"))
        if step in steps_done(locked):
            raise BusinessRuleError(_("这一步已完成"))
        note = note or locked.plan_steps[step].get("text", "")
    return incident_workflow.take(locked, EventKind.STEP, by=user, note=note, line={"step": step})


@transaction.atomic
def incident_note(*, user, incident: Incident, note: str) -> Incident:
    incident_workflow.require(user, incident, EventKind.NOTE)
    if not note.strip():
        raise BusinessRuleError(_("请填写处置记录"))
    return incident_workflow.take(incident, EventKind.NOTE, by=user, note=note)


@transaction.atomic
def incident_resolve(*, user, incident: Incident, note: str = "") -> Incident:
    return incident_workflow.take(
        incident, EventKind.RESOLVED, by=user, note=note, resolved_at=timezone.now()
    )


@transaction.atomic
def incident_close(*, user, incident: Incident, report: str) -> Incident:
    """Close with the after-action report. Latched alarms must have been reset first."""
    incident_workflow.require(user, incident, EventKind.CLOSED)
    if len(report.strip()) < 10:
        raise BusinessRuleError(_("请填写总结报告（不少于 10 个字）"))
    if incident.alarms.filter(reset_at__isnull=True).exists():
        raise BusinessRuleError(_("仍有报警未复位，请先到现场复位"))
    return incident_workflow.take(
        incident, EventKind.CLOSED, by=user, closed_at=timezone.now(), report=report.strip()
    )


@transaction.atomic
def incident_escalate(*, incident: Incident, limit_min: int) -> bool:
    """Escalate to the city an alarm not acknowledged within the rule set's limit (the platform
    does it, no person). Drills never alarm the city. Answers whether it escalated."""
    locked = incident_workflow.lock(incident)
    if locked.is_drill or locked.escalated_at is not None or locked.status != IncidentStatus.RAISED:
        return False
    incident_workflow.take(
        locked,
        EventKind.ESCALATED,
        by=None,
        note=_("%(min)s 分钟内无人接警，已自动上报市局值班") % {"min": limit_min},
        escalated_at=timezone.now(),
    )
    return True


def require_command(user) -> None:
    if not can(user, "incident.command"):
        raise PermissionDenied
