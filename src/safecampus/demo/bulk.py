"""Raw multi-row inserts for the demo builders whose tables take hundreds of thousands of
rows (cameras and their states, plan copies), where the ORM's bulk_create costs seconds."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection

BATCH = 5000


def sql_value(value: Any) -> Any:
    """A Python value as the database driver takes it (dates and times per backend)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def rows_insert(table: str, columns: list[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """One multi-row INSERT per batch, not one statement per row: statement-level triggers
    (core/dataversion.py) then fire once a batch, and the round trips are few."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608 - our own names
    one = f"({', '.join(['%s'] * len(columns))})"
    # Below SQLite's 32,766 bound parameters a statement.
    batch = min(BATCH, 30_000 // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
