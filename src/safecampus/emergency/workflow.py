"""The incident workflow (core/workflow.py): who may take which step of an incident, from
which state, and how a step is written on its timeline (the line the command boards receive
after commit). The services take the steps; the panel and the API ask the same predicates."""

from typing import Any

from safecampus.access.scope import can
from safecampus.accounts.models import User
from safecampus.core.workflow import Step, Taken, Workflow

from . import flows
from .choices import OPEN_STATUSES, EventKind, IncidentStatus
from .models import Incident, IncidentEvent

S = IncidentStatus
OPEN = frozenset(OPEN_STATUSES)
NOT_CLOSED = frozenset(s for s in IncidentStatus if s != S.CLOSED)


def responds(user: Any, incident: Incident) -> bool:
    """The school's leaders and the officers above it respond."""
    return can(user, "incident.respond", incident.school.unit)


def may_reset_alarms(user: Any, incident: Incident) -> bool:
    """A latched alarm is reset by hand on site, once someone has taken the incident."""
    return incident.status != S.RAISED and can(user, "alarm.reset", incident.school.unit)


def event_add(
    incident: Incident, kind: str, *, by: User | None = None, note: str = "", **data: Any
) -> IncidentEvent:
    """A line on the incident's timeline; the boards hear of it after commit."""
    event = IncidentEvent.objects.create(
        incident=incident,
        by=by if getattr(by, "pk", None) else None,
        kind=kind,
        note=note[:1000],
        data=data,
    )
    flows.after_commit(event)
    return event


def _line(taken: Taken[Incident]) -> IncidentEvent:
    return event_add(taken.record, taken.action, by=taken.by, note=taken.note, **taken.line)


def _notify(taken: Taken[Incident], event: IncidentEvent) -> None:
    if taken.action == EventKind.ASSIGNED:
        flows.incident_assigned_notify(taken.record)
    elif taken.action == EventKind.ESCALATED:
        flows.incident_escalated_notify(taken.record)


def _nobody(user: Any, incident: Incident) -> bool:
    return False  # the platform's own step (no person takes it)


incident_workflow: Workflow[Incident] = Workflow(
    Incident,
    steps=[
        Step(EventKind.ACKNOWLEDGED, frozenset({S.RAISED}), S.ACKNOWLEDGED, responds),
        Step(EventKind.RESPONDING, frozenset({S.RAISED, S.ACKNOWLEDGED}), S.RESPONDING, responds),
        Step(EventKind.ASSIGNED, OPEN, None, responds),
        Step(EventKind.STEP, OPEN, None, responds),
        Step(EventKind.NOTE, NOT_CLOSED, None, responds),
        Step(EventKind.RESOLVED, frozenset({S.ACKNOWLEDGED, S.RESPONDING}), S.RESOLVED, responds),
        Step(EventKind.CLOSED, frozenset({S.RESOLVED}), S.CLOSED, responds),
        Step(EventKind.ESCALATED, frozenset({S.RAISED}), None, _nobody),
    ],
    timeline=_line,
    effects=_notify,
    states=IncidentStatus,
    actions=EventKind,
)
