"""Exactly-invalidated caching of aggregates: figures cached under a data version.

`watch(name, tables)` is a migration operation that creates the counter `name` and triggers
bumping it on every INSERT, UPDATE or DELETE of the tables (PostgreSQL: once per statement;
SQLite: once per row). `cached(name, key, compute)` reads the counter (one indexed row) and
returns the figure cached under (name, version, key), computing it on a miss. A write commits
its bump with itself, so a reader never gets a figure older than the data it can see.
"""

import hashlib
import json
import re
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

T = TypeVar("T")

# Bounds how long an entry can outlive a counter that went backwards (a restored backup).
TIMEOUT = 300


def _statements(name: str, tables: list[str], vendor: str) -> tuple[list[str], list[str]]:
    # Identifiers from migrations, never from input; checked because they are spliced into DDL.
    if not all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in (name, *tables)):
        raise ValueError(f"bad counter or table name: {name!r} {tables!r}")
    bump = f"UPDATE core_dataversion SET version = version + 1 WHERE name = '{name}'"  # noqa: S608
    forward, reverse = [], []
    if vendor == "postgresql":
        fn = f"dataversion_bump_{name}"
        forward.append(
            f"CREATE FUNCTION {fn}() RETURNS trigger AS $$ BEGIN {bump}; RETURN NULL; END $$"
            " LANGUAGE plpgsql"
        )
        for table in tables:
            forward.append(
                f"""CREATE TRIGGER {fn}_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"""
            )
            reverse.append(f"DROP TRIGGER {fn}_{table} ON {table}")
        reverse.append(f"DROP FUNCTION {fn}()")
    else:
        for table in tables:
            for op in ("INSERT", "UPDATE", "DELETE"):
                trigger = f"dataversion_{name}_{table}_{op.lower()}"
                forward.append(f"CREATE TRIGGER {trigger} AFTER {op} ON {table} BEGIN {bump}; END")
                reverse.append(f"DROP TRIGGER {trigger}")
    return forward, reverse


def watch(name: str, tables: list[str]) -> migrations.RunPython:
    """Migration operation: the counter `name`, bumped by every write to `tables`."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        apps.get_model("core", "DataVersion").objects.get_or_create(name=name)
        for sql in _statements(name, tables, schema_editor.connection.vendor)[0]:
            schema_editor.execute(sql)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for sql in _statements(name, tables, schema_editor.connection.vendor)[1]:
            schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)


def version(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM core_dataversion WHERE name = %s", [name])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def cached(name: str, key: object, compute: Callable[[], T]) -> T:
    """compute(), cached under the current version of `name` and `key` (JSON-able parts that
    fully determine the result: scope, filters, today's date …)."""
    digest = hashlib.sha1(
        json.dumps(key, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()
    cache_key = f"dv:{name}:{version(name)}:{digest}"
    value: T | None = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, TIMEOUT)
    return value
