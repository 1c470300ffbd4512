"""Helpers of the audit chain's tests: writing entries, and tampering as the owner of the
tables could (triggers out of the way)."""

from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from safecampus.audit import chain
from safecampus.audit.context import Actor, acting_as
from safecampus.audit.models import AuditAction, AuditEntry
from safecampus.audit.services import audit_event

TABLE = AuditEntry._meta.db_table
# Per vendor: the trigger that refuses an UPDATE of an entry, the one that refuses deleting a
# young one, and the one that stamps the database's time.
TRIGGERS = {
    "postgresql": {
        "update": "audit_entry_guard",
        "delete": "audit_entry_guard",
        "stamp": "audit_entry_stamp",
        "head": "audit_chain_guard",
        "checkpoint": "audit_checkpoint_append_only",
    },
    "sqlite": {
        "update": "audit_entry_no_update",
        "delete": "audit_entry_no_early_delete",
        "stamp": "audit_entry_stamp",
        "head": "audit_chain_forward_only",
        "checkpoint": "audit_checkpoint_no_update",
    },
}


@contextmanager
def triggers_off(*kinds: str, table: str = TABLE):
    """What the owner of the tables can do: write with the guarding triggers out of the way
    (within the test's transaction, so they are back afterwards either way)."""
    names = sorted({TRIGGERS[connection.vendor][k] for k in kinds})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in names:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            yield cursor
            for name in names:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        else:
            saved = []
            for name in names:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name]
                )
                saved.append(cursor.fetchone()[0])
                cursor.execute(f"DROP TRIGGER {name}")
            yield cursor
            for sql in saved:
                cursor.execute(sql)


def written(n: int = 3) -> list[AuditEntry]:
    with acting_as(Actor(channel="cli", username="tester")):
        return [audit_event(AuditAction.EXPORT, message=f"导出 {i}") for i in range(n)]


def entries_at(n: int, days: int) -> list[AuditEntry]:
    """Entries sealed as if written `days` from now: the database clock read by the chain is
    moved and the stamping trigger is off (the application itself can do neither)."""
    then = timezone.now() + timedelta(days=days)
    original = chain._head_advance

    def advance_then(using: str, places: int):
        seq, prev, _now = original(using, places)
        return seq, prev, then

    chain._head_advance = advance_then
    try:
        with triggers_off("stamp"):
            return written(n)
    finally:
        chain._head_advance = original


def broken_at() -> tuple[int | None, str]:
    report = chain.chain_verify()
    assert report.broken is not None
    return report.broken.entry_id, report.broken.problem
