"""Periodic jobs of the rectification list: reminders before the deadline, escalation after."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from huey.contrib.djhuey import db_periodic_task

from safecampus.audit.context import Actor, acting_as
from safecampus.core.schedules import schedule
from safecampus.core.texts import Text
from safecampus.notifications.services import notify
from safecampus.rules.selectors import effective_rule_set

from .choices import HazardLevel
from .flows import _school_managers, officers_of
from .models import Hazard


def hazard_reminders_send(today=None) -> int:
    """Remind the owner (or, with none, the school's managers) the school's rule-set number of
    days before an open hazard's deadline. Safe to run more than once a day."""
    today = today or timezone.localdate()
    sent = 0
    upcoming = Hazard.objects.open().filter(
        deadline__gte=today, deadline__lte=today + timedelta(days=60)
    )
    for hazard in upcoming.select_related("school__unit", "owner").iterator():
        days = effective_rule_set("hazard_deadline", hazard.school.unit).rules.remind_days_before
        if (hazard.deadline - today).days != days:
            continue
        to = [hazard.owner] if hazard.owner_id else list(_school_managers(hazard))
        sent += len(
            notify(
                to,
                kind="hazard.reminder",
                title=Text(
                    N_("整改将于 %(deadline)s 到期：%(school)s"),
                    deadline=hazard.deadline,
                    school=hazard.school.unit.name,
                ),
                body=hazard.description[:200],
                url=reverse("hazards:detail", args=[hazard.pk]),
                dedupe_key=f"hazard-remind-{hazard.pk}-{hazard.deadline}",
            )
        )
    return sent


def hazard_escalations_send(today=None) -> int:
    """Tell the school's district officers of each overdue hazard (the city's officers too
    for a major one), once per deadline."""
    today = today or timezone.localdate()
    sent = 0
    for hazard in (
        Hazard.objects.overdue(today).select_related("school__unit", "district").iterator()
    ):
        units = [hazard.district_id] if hazard.district_id else []
        roles: tuple[str, ...] = ("district_officer",)
        if hazard.level == HazardLevel.MAJOR or not units:
            units.append(
                hazard.school.unit.parent_id
                if not hazard.district_id
                else hazard.district.parent_id
            )
            roles = ("district_officer", "city_officer")
        sent += len(
            notify(
                officers_of(units, roles),
                kind="hazard.overdue",
                title=Text(N_("隐患逾期未整改：%(school)s"), school=hazard.school.unit.name),
                body=Text(
                    N_("%(hazard)s（期限 %(deadline)s）"),
                    hazard=hazard.description[:150],
                    deadline=hazard.deadline,
                ),
                url=reverse("hazards:detail", args=[hazard.pk]),
                dedupe_key=f"hazard-overdue-{hazard.pk}-{hazard.deadline}",
            )
        )
    return sent


# Daily at 00:30 UTC (settings.TASK_SCHEDULES; Huey reads crontabs in UTC): 08:30 in Beijing.
@db_periodic_task(schedule("hazard_deadlines"))
def hazard_deadlines_daily():
    with acting_as(Actor(channel="task", username="system")):
        return {"reminders": hazard_reminders_send(), "escalations": hazard_escalations_send()}
