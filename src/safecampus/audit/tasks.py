"""Periodic jobs of the audit trail."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .chain import chain_head_log
from .context import Actor, acting_as
from .services import audit_entries_prune


# Huey reads crontabs in UTC: 19:17 UTC is 03:17 in Beijing, a quiet hour for the bureau.
# huey ships no type information, so its decorators are untyped.
@db_periodic_task(crontab(hour="19", minute="17"))  # type: ignore[untyped-decorator]
def prune_audit_entries() -> int:
    """Nightly: drop entries past the retention setting (never younger than 183 days)."""
    with acting_as(Actor(channel="task", username="system")):
        return audit_entries_prune()


# After the purge (03:47 in Beijing). The log leaves the database (docs/operations.md): a head
# logged once and later missing from the chain shows that its end was rewritten.
@db_periodic_task(crontab(hour="19", minute="47"))  # type: ignore[untyped-decorator]
def log_audit_chain_head() -> int:
    """Daily: write the audit chain's head (sequence number and seal) to the log."""
    return chain_head_log()[0]
