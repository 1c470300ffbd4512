"""Periodic jobs of the audit trail."""

from huey.contrib.djhuey import db_periodic_task

from safecampus.core.schedules import schedule

from .chain import chain_head_log
from .context import Actor, acting_as
from .services import audit_entries_prune


# Daily at 19:17 UTC (settings.TASK_SCHEDULES; Huey reads crontabs in UTC): 03:17 in Beijing.
# huey ships no type information, so its decorators are untyped.
@db_periodic_task(schedule("audit_prune"))  # type: ignore[untyped-decorator]
def prune_audit_entries() -> int:
    """Nightly: drop entries past the retention setting (never younger than 183 days)."""
    with acting_as(Actor(channel="task", username="system")):
        return audit_entries_prune()


# After the purge (03:47 in Beijing). The log leaves the database (docs/operations.md): a head
# logged once and later missing from the chain shows that its end was rewritten.
@db_periodic_task(schedule("audit_chain_head"))  # type: ignore[untyped-decorator]
def log_audit_chain_head() -> int:
    """Daily: write the audit chain's head (sequence number and seal) to the log."""
    return chain_head_log()[0]
