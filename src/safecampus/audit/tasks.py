"""Periodic jobs of the audit trail."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .context import Actor, acting_as
from .services import audit_entries_prune


# Huey reads crontabs in UTC: 19:17 UTC is 03:17 in Beijing, a quiet hour for the bureau.
# huey ships no type information, so its decorators are untyped.
@db_periodic_task(crontab(hour="19", minute="17"))  # type: ignore[untyped-decorator]
def prune_audit_entries() -> int:
    """Nightly: drop entries past the retention setting (never younger than 183 days)."""
    with acting_as(Actor(channel="task", username="system")):
        return audit_entries_prune()
