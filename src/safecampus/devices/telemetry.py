"""Writes of device state (telemetry, not audited): heartbeats and fault transitions, in
batches. Shared by the MQTT ingestor (`ingest.py`) and the HTTP batch endpoint.

One statement per batch of heartbeats — `UPDATE … FROM (VALUES …)` — rather than a statement
per device: at ~1,600 heartbeats a second the per-statement cost, not the rows, is the limit.
Only rows that exist are updated: a device gets its state row when it is registered
(`services.device_create`), so a message for an unregistered device changes nothing.
"""

from datetime import datetime

from django.db import connection
from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce

from .models import DeviceState

TABLE = DeviceState._meta.db_table
# Rows per statement: far below SQLite's 32,766 parameters and PostgreSQL's 65,535.
CHUNK = 5000


def _seen_sql(rows: int) -> str:
    cast = "CAST(%s AS timestamp with time zone)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join([f"(%s, {cast})"] * rows)
    # A CTE with column names works alike on PostgreSQL and SQLite (≥ 3.33 for UPDATE … FROM).
    # Only placeholders and our own table name are put into the text.
    return (
        f"WITH v(device_id, seen) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {TABLE} SET last_seen_at = v.seen FROM v "
        f"WHERE {TABLE}.device_id = v.device_id "
        f"AND ({TABLE}.last_seen_at IS NULL OR {TABLE}.last_seen_at < v.seen)"
    )


def heartbeats_write(seen: dict[str, datetime]) -> int:
    """Set last-seen times (never backwards); answers the number of rows updated."""
    items = list(seen.items())
    adapt = connection.ops.adapt_datetimefield_value
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            params = [p for device_id, at in chunk for p in (device_id, adapt(at))]
            cursor.execute(_seen_sql(len(chunk)), params)
            if connection.vendor == "sqlite":
                # Python's sqlite3 reports no rowcount for a statement starting with WITH.
                cursor.execute("SELECT changes()")
                updated += cursor.fetchone()[0]
            else:
                updated += max(cursor.rowcount, 0)
    return updated


def faults_write(changes: dict[str, tuple[str, datetime] | None]) -> int:
    """Fault transitions: (code, since) starts a fault or changes its code — the start of a
    fault is kept while it lasts —, None is a recovery (the fault and its hazard link
    cleared). Transitions are rare next to heartbeats: a statement each is fine."""
    changed = 0
    recovered = [device_id for device_id, change in changes.items() if change is None]
    for device_id, change in changes.items():
        if change is not None:
            code, since = change
            changed += DeviceState.objects.filter(device_id=device_id).update(
                fault_code=code,
                fault_since=Coalesce("fault_since", Value(since, output_field=DateTimeField())),
            )
    if recovered:
        changed += DeviceState.objects.filter(
            device_id__in=recovered, fault_since__isnull=False
        ).update(fault_code="", fault_since=None, fault_hazard=None)
    return changed


def faulted_devices() -> set[str]:
    """Devices with an open fault (the ingestor's starting point, refreshed periodically)."""
    return set(
        DeviceState.objects.filter(fault_since__isnull=False).values_list("device_id", flat=True)
    )
