"""Faster quoting of array parameters for psycopg (PostgreSQL), the same text as psycopg's own.

Django 5.2 inserts several rows at once as `INSERT … SELECT * FROM UNNEST(%s::type[], …)`:
one array parameter per column. psycopg's text dumper of lists (pure Python) quotes every
element that holds a double quote or a backslash with `re.sub(rb'(["\\])', rb"\\\1", …)`, and
on Python 3.11 a replacement template like that runs a Python function for every match. JSON
values are full of matches — Django dumps JSONField with `ensure_ascii`, so each Chinese
character is a `\\uXXXX` — and in a batch of alarms (an incident with its plan's steps, two
audit entries, the timeline line, the deliveries) that quoting took ~2 ms of CPU per alarm, as
much as the rest of the write. This dumper escapes with two `bytes.replace` calls instead.

`register()` installs it for the connections open in this thread and every one opened later
(idempotent). The alarm ingestor calls it (emergency/ingest.py); a project-wide call (e.g. in
CoreConfig.ready()) would speed up every multi-row insert of JSON or Chinese text.
"""

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from psycopg import adapters
from psycopg.types.array import ListDumper


class _Escape:
    """Stands in for `ListDumper._re_esc`: a backslash before every `"` and every `\\`."""

    def sub(self, _template: bytes, data: bytes | bytearray | memoryview) -> bytes:
        return bytes(data).replace(b"\\", b"\\\\").replace(b'"', b'\\"')


class FastListDumper(ListDumper):
    _re_esc = _Escape()  # type: ignore[assignment]  # duck-types the one method psycopg calls


def register() -> None:
    # psycopg copies its global adapters into each connection when it opens: new connections
    # (Django's, pooled or not, send connection_created) and open ones are told separately.
    # Registered last for lists, as psycopg registers its own text dumper after the binary one.
    adapters.register_dumper(list, FastListDumper)
    connection_created.connect(_use, dispatch_uid="safecampus.core.pgarrays")
    for connection in connections.all(initialized_only=True):
        _use(type(connection), connection)


def _use(
    sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    if connection.vendor == "postgresql" and connection.connection is not None:
        connection.connection.adapters.register_dumper(list, FastListDumper)
