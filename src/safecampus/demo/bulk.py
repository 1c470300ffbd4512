"""Raw multi-row inserts for the demo builders whose tables take hundreds of thousands of
rows (cameras and their states, hazards and their timelines, plan copies), where the ORM's
bulk_create costs seconds."""

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import connection

BATCH = 5000


def adapter() -> Callable[[Any], Any]:
    """The function that makes a Python value what the database driver takes: dates and times
    as text on SQLite, as Django's SQLite operations store them (aware moments in the
    connection's time zone, naive); unchanged on PostgreSQL, whose driver adapts them."""
    if connection.vendor != "sqlite":
        return lambda value: value
    tz = connection.timezone if settings.USE_TZ else None

    def to_text(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None and tz is not None:
            return str(value.astimezone(tz).replace(tzinfo=None))
        return str(value) if isinstance(value, (date, time)) else value

    return to_text


def sql_value(value: Any) -> Any:
    """A Python value as the database driver takes it (dates and times per backend)."""
    return adapter()(value)


def records_insert(model: Any, records: Sequence[dict[str, Any]]) -> list[int]:
    """Rows of `model` given as dicts by field name (`school_id`, not `school`), a missing
    field NULL: `rows_insert` over every concrete field. Answers the new ids in order."""
    fields = {f.attname: str(f.column) for f in model._meta.concrete_fields if not f.primary_key}
    return rows_insert(
        model._meta.db_table,
        list(fields.values()),
        [tuple(record.get(name) for name in fields) for record in records],
        returning=True,
    )


def rows_insert(
    table: str, columns: list[str], rows: Sequence[tuple[Any, ...]], *, returning: bool = False
) -> list[int]:
    """One multi-row INSERT per batch, not one statement per row: statement-level triggers
    (core/dataversion.py) then fire once a batch, and the round trips are few. Dates and times
    among the values are adapted here. With `returning`, answers the new rows' ids in the order
    of `rows` (RETURNING, as Django's bulk_create reads them on PostgreSQL and SQLite)."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608 - our own names
    one = f"({', '.join(['%s'] * len(columns))})"
    tail = " RETURNING id" if returning else ""
    adapt = adapter()
    # Only the columns that hold dates or times need adapting (on SQLite): known by their
    # first value.
    timed = [
        i
        for i in range(len(columns))
        if connection.vendor == "sqlite"
        and isinstance(next((row[i] for row in rows if row[i] is not None), None), (date, time))
    ]
    # Below SQLite's 32,766 bound parameters a statement.
    batch = min(BATCH, 30_000 // len(columns))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = [v for row in chunk for v in row]
            for i in timed:
                column = values[i :: len(columns)]
                values[i :: len(columns)] = [v if v is None else adapt(v) for v in column]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, values)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids
