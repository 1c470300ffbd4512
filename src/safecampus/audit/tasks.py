"""Periodic jobs of the audit trail."""

from huey.contrib.djhuey import db_periodic_task

from safecampus.core.schedules import schedule

from .context import Actor, acting_as
from .services import audit_entries_prune


# Daily at 19:17 UTC (settings.TASK_SCHEDULES; Huey reads crontabs in UTC): 03:17 in Beijing.
# huey ships no type information, so its decorators are untyped.
@db_periodic_task(schedule("audit_prune"))  # type: ignore[untyped-decorator]
def prune_audit_entries() -> int:
    """Nightly: drop entries past the retention setting (never younger than 183 days)."""
    with acting_as(Actor(channel="task", username="system")):
        return audit_entries_prune()
