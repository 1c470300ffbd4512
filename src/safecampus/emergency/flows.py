"""Side effects of emergency steps, all after commit: the boards hear of each timeline line,
and the people who must act are notified (in-app at once in the same transaction; e-mail,
webhook and further channels after commit, retried and logged by the notifications app)."""

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from safecampus.access.models import RoleAssignment
from safecampus.access.scope import ancestor_paths
from safecampus.accounts.models import User
from safecampus.core.texts import Text, label
from safecampus.notifications.services import Notice, notify, notify_many
from safecampus.orgs.models import OrgUnit

from .choices import IncidentType, Severity
from .lookups import DISTRICT_ROLES, SCHOOL_ROLES


def after_commit(*events) -> None:
    from . import realtime

    realtime.publish(events)


def _holders(unit_ids, roles):
    return User.objects.filter(
        pk__in=RoleAssignment.objects.filter(unit_id__in=unit_ids, role__in=roles).values(
            "user_id"
        ),
        is_active=True,
    )


# The labels come from the choices' enums, not get_FOO_display(), which builds a dict of all
# the (lazily translated) choices on every call — a measurable share of an alarm's write.
def _subject(incident) -> Text:
    """「【演练】school（place）：type」, shown in each reader's language."""
    return Text(
        N_("%(drill)s%(school)s%(place)s：%(type)s"),
        drill=Text(N_("【演练】")) if incident.is_drill else "",
        school=incident.school.unit.name,
        place=Text(N_("（%(place)s）"), place=incident.place) if incident.place else "",
        type=label(IncidentType(incident.incident_type).label),
    )


def _url(incident) -> str:
    return reverse("emergency:incident_detail", args=[incident.pk])


def _raised(incident, users, endpoints=None) -> Notice:
    return Notice(
        users,
        kind="incident.raised",
        title=Text(N_("报警：%(subject)s"), subject=_subject(incident)),
        body=incident.description or label(Severity(incident.severity).label),
        url=_url(incident),
        dedupe_key=f"incident:{incident.pk}:raised",
        urgent=not incident.is_drill,
        unit=incident.school.unit,
        endpoints=endpoints,
    )


def incident_raised_notify(incident) -> None:
    """The principal, the safety director and the district's duty officers, at once, of an
    incident just created in this transaction (so nothing was sent under its key yet)."""
    school_people = _holders([incident.school_id], SCHOOL_ROLES)
    district = [incident.school.district_id] if incident.school.district_id else []
    officers = _holders(district, DISTRICT_ROLES)
    notify_many([_raised(incident, [*school_people, *officers])], keys_are_new=True)


def incidents_raised_notify(incidents, lookups) -> None:
    """incident_raised_notify for incidents created in this transaction (a batch of alarms),
    with the recipients and endpoints of `lookups` (prepared for their schools): one INSERT
    for all the notifications, one for all the deliveries. The dedupe keys name the new
    incidents, so nothing can have been sent under them yet and none is looked up."""
    notify_many(
        [
            _raised(
                incident, lookups.recipients(incident.school), lookups.endpoints(incident.school)
            )
            for incident in incidents
        ],
        keys_are_new=True,
    )


def incident_assigned_notify(incident) -> None:
    notify(
        [incident.assignee],
        kind="incident.assigned",
        title=Text(N_("请负责现场处置：%(subject)s"), subject=_subject(incident)),
        url=_url(incident),
        urgent=not incident.is_drill,
        unit=incident.school.unit,
    )


def incident_escalated_notify(incident) -> None:
    """The city's duty officers: the city units above the school."""
    path = incident.school.unit.path
    cities = OrgUnit.objects.filter(kind__in=["city", "province"]).filter(
        path__in=ancestor_paths(path)
    )
    notify(
        _holders(cities.values("pk"), ["city_officer"]),
        kind="incident.escalated",
        title=Text(N_("逾时未接警，已上报：%(subject)s"), subject=_subject(incident)),
        body=incident.description,
        url=_url(incident),
        dedupe_key=f"incident:{incident.pk}:escalated",
        urgent=True,
        unit=incident.school.unit,
    )
