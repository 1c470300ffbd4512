"""Reads of emergency command, always through the access choke point."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from safecampus.access.scope import grants_for, scoped, scoped_get

from .choices import (
    OPEN_STATUSES,
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    EventKind,
    IncidentStatus,
    IncidentType,
    Severity,
)
from .models import Alarm, EmergencyPlan, Incident, IncidentEvent

# Ids are taken at insert and committed in any order, so a line with a lower id can commit just
# after one with a higher id was seen. A board's feed therefore also re-reads the last seconds'
# lines below its cursor (at most this many ids back); the board drops those it has.
REPLAY_MARGIN = 200
RECOMMIT_WINDOW = timedelta(seconds=15)
REPLAY_LIMIT = 500
ALERTING = {EventKind.ALARM, EventKind.RAISED, EventKind.ESCALATED}


def incident_list(*, user, filters=None) -> QuerySet[Incident]:
    qs = scoped(Incident.objects.all(), user, "incident.view").select_related(
        "school__unit", "school__district", "reporter", "assignee"
    )
    return filters.filter(qs) if filters is not None else qs


def incident_get(*, user, incident_id: int, action: str = "incident.view") -> Incident:
    return scoped_get(
        Incident.objects.select_related(
            "school__unit", "school__district", "reporter", "assignee", "acknowledged_by", "plan"
        ),
        user,
        action,
        pk=incident_id,
    )


def incident_timeline(incident: Incident) -> list[IncidentEvent]:
    return list(incident.events.select_related("by"))


def incident_alarms(incident: Incident) -> list[Alarm]:
    return list(incident.alarms.select_related("device", "reporter", "reset_by"))


def alarm_get(*, user, alarm_id: int, action: str = "incident.view") -> Alarm:
    return scoped_get(
        Alarm.objects.select_related("school__unit", "incident"), user, action, pk=alarm_id
    )


def plan_list(*, user) -> QuerySet[EmergencyPlan]:
    return scoped(EmergencyPlan.objects.all(), user, "plan.view").select_related("unit")


def commands_a_district(user) -> bool:
    """A district duty officer's board (else the city's). Drills never alarm the city: only
    district boards follow them."""
    return any(g.role == "district_officer" for g in grants_for(user, "incident.command"))


def board_incidents(*, user) -> QuerySet[Incident]:
    """The open incidents on a command board, gravest and newest first."""
    qs = scoped(Incident.objects.filter(status__in=OPEN_STATUSES), user, "incident.command")
    if not commands_a_district(user):
        qs = qs.filter(is_drill=False)
    return qs.select_related("school__unit", "school__district").order_by(
        "severity", "-raised_at", "-pk"
    )


def _board_feed(user, after: int) -> QuerySet[IncidentEvent]:
    """Timeline lines a board has not seen, in scope: those after its cursor, and recent ones
    just below it (see RECOMMIT_WINDOW; the board drops what it has)."""
    late = Q(id__gt=max(after - REPLAY_MARGIN, 0), at__gte=timezone.now() - RECOMMIT_WINDOW)
    qs = scoped(IncidentEvent.objects.filter(Q(id__gt=after) | late), user, "incident.command")
    if not commands_a_district(user):
        qs = qs.filter(incident__is_drill=False)
    return qs.order_by("id")


def board_events(*, user, after: int, limit: int = REPLAY_LIMIT) -> list[dict]:
    """The board's feed as payloads, oldest first (the polling fallback)."""
    return board_events_by_id(list(_board_feed(user, after).values_list("id", flat=True)[:limit]))


def board_event_ids(*, user, after: int) -> list[int]:
    """The ids of the board's feed: what a connected board checks every few seconds."""
    return list(_board_feed(user, after).values_list("id", flat=True)[: REPLAY_LIMIT * 4])


def board_events_by_id(ids: list[int]) -> list[dict]:
    """Payloads of these lines (already checked to be in the board's scope), oldest first."""
    if not ids:
        return []
    events = (
        IncidentEvent.objects.filter(id__in=ids)
        .select_related("by", "incident__school__unit", "incident__school__district")
        .order_by("id")
    )
    return [event_payload(e) for e in events]


def board_cursor() -> int:
    """The newest timeline id: a board that renders the open incidents now follows from it."""
    last = IncidentEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def incident_summary(incident: Incident) -> dict:
    """An incident as a board shows it: codes (type, severity, status), which the page labels
    in its own language (`board_labels`); the school and place as written."""
    school = incident.school
    unit = school.unit
    # Read through district_id first: a directly-affiliated school's alarm skips the descriptor.
    district = school.district if school.district_id else None
    return {
        "id": incident.pk,
        "url": reverse("emergency:incident_detail", args=[incident.pk]),
        "school": unit.name,
        "school_code": unit.code,
        "district": district.name if district is not None else "",
        "longitude": float(unit.longitude) if unit.longitude is not None else None,
        "latitude": float(unit.latitude) if unit.latitude is not None else None,
        "incident_type": incident.incident_type,
        "severity": incident.severity,
        "severity_colour": SEVERITY_COLOURS[incident.severity],
        "status": incident.status,
        "status_colour": STATUS_COLOURS[incident.status],
        "is_drill": incident.is_drill,
        "place": incident.place,
        "raised_at": timezone.localtime(incident.raised_at).isoformat(),
        "escalated": incident.escalated_at is not None,
    }


def event_payload(event: IncidentEvent) -> dict:
    """What a board receives for a timeline line (the same over WebSocket and polling). Codes,
    not labels: a line is built once for every board, whatever each board's language; the page
    shows the codes with its label table (`board_labels`)."""
    incident = event.incident
    alert = None
    if event.kind in ALERTING:
        alert = "drill" if incident.is_drill else "siren"
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": timezone.localtime(event.at).isoformat(),
        "by": str(event.by) if event.by_id else "",
        "note": event.note,
        "data": event.data,
        "alert": alert,
        "incident": incident_summary(incident),
    }


def board_labels() -> dict[str, dict[str, str]]:
    """The labels of the codes in a board's lines, in the active language: rendered into the
    board's page, which translates every live line with them."""
    return {
        "incident_type": {code: str(text) for code, text in IncidentType.choices},
        "severity": {str(code): str(text) for code, text in Severity.choices},
        "status": {code: str(text) for code, text in IncidentStatus.choices},
        "kind": {code: str(text) for code, text in EventKind.choices},
    }


def open_alarm_count(*, user) -> int:
    return scoped(Alarm.objects.filter(reset_at__isnull=True), user, "incident.view").count()
