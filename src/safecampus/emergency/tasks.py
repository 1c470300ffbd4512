"""Periodic job of emergency command: alarms nobody acknowledged within the rule set's limit
escalate to the city's duty officers."""

import logging
from collections import defaultdict
from datetime import timedelta
from functools import reduce
from operator import or_

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from safecampus.audit.context import Actor, acting_as
from safecampus.core.schedules import schedule
from safecampus.rules.selectors import rule_partitions

from .choices import IncidentStatus
from .models import Incident
from .services import incident_escalate

logger = logging.getLogger(__name__)


def alarms_escalate(*, now=None) -> int:
    """Escalate every real (non-drill) incident still "raised" past its school's
    `emergency_response` limit. The schools are grouped by the rule set in force — one query
    per distinct limit, not a rule lookup per incident. Safe to run at any time and any number
    of times: an incident escalates once (incident_escalate checks under a row lock)."""
    now = now or timezone.now()
    by_limit = defaultdict(list)
    for rule, condition in rule_partitions("emergency_response", "school__unit__path"):
        by_limit[rule.rules.acknowledge_within_min].append(condition)
    escalated = 0
    for limit, conditions in sorted(by_limit.items()):
        overdue = (
            Incident.objects.filter(reduce(or_, conditions))
            .filter(
                status=IncidentStatus.RAISED,
                is_drill=False,
                escalated_at__isnull=True,
                raised_at__lte=now - timedelta(minutes=limit),
            )
            .select_related("school__unit")
            .order_by("raised_at", "pk")
        )
        for incident in overdue:
            try:
                if incident_escalate(incident=incident, limit_min=limit):
                    escalated += 1
            except Exception:
                # One incident that cannot be escalated must not hold up the others.
                logger.exception("could not escalate incident %s", incident.pk)
    return escalated


# Every minute (settings.TASK_SCHEDULES): an alarm escalates at most a minute after its limit
# (5 minutes by default).
@db_periodic_task(schedule("alarms_escalate"))
def alarms_escalate_periodic():
    with acting_as(Actor(channel="task", username="system")):
        return {"escalated": alarms_escalate()}
