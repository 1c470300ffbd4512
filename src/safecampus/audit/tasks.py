"""Periodic jobs of the audit trail."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .context import Actor, acting_as
from .services import audit_entries_prune


@db_periodic_task(crontab(hour="3", minute="17"))
def prune_audit_entries():
    """Nightly: drop entries past the retention setting (never younger than 183 days)."""
    with acting_as(Actor(channel="task", username="system")):
        return audit_entries_prune()
