"""Periodic job of the devices: faults left unfixed past the rule's limit become hazards."""

from huey.contrib.djhuey import db_periodic_task

from safecampus.audit.context import Actor, acting_as
from safecampus.core.schedules import schedule

from .services import device_faults_escalate


# Every ten minutes (settings.TASK_SCHEDULES): a fault becomes a hazard at most ten minutes after
# its limit (24 h by default), and a run over the open faults of a city is one indexed query.
@db_periodic_task(schedule("device_faults"))
def device_faults_periodic():
    with acting_as(Actor(channel="task", username="system")):
        return {"hazards": device_faults_escalate()}
