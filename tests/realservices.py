"""The real layers for tests that run SafeCampus as separate processes on PostgreSQL and Redis
(tests/test_real_queue.py, tests/browser/test_real_board.py).

Those processes cannot see the data of a test's transaction, and pytest-django's transactional
tests end with a flush that the audit trail refuses (its triggers forbid DELETE and TRUNCATE of
recent entries; docs/operations.md §2). So each such module gets a PostgreSQL database of its own
next to pytest-django's test database — `test_<name>_layers_<random>`, migrated by
`safecampus migrate` and dropped (WITH FORCE) at the end — and a Redis prefix of its own
(SAFECAMPUS_REDIS_PREFIX: the Huey queue, the cache keys, the channel layer), whose keys are
deleted at the end. Data is arranged in a child process (`python -m tests.realsetup …`, the
services and factories as the unit tests use them) and read back with plain SQL.

Skipped unless DATABASE_URL (PostgreSQL) and REDIS_URL are set and answer; on CI (CI=true)
missing or unreachable services fail instead, except in a run with none of DATABASE_URL,
REDIS_URL and MQTT_URL set (CI's SQLite run, which unsets them on purpose).
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .servers import server_env, skip_or_fail, tail

ROOT = Path(__file__).resolve().parents[1]
SERVICE_URLS = ("DATABASE_URL", "REDIS_URL", "MQTT_URL")
MIGRATE_TIMEOUT = 180
SETUP_TIMEOUT = 120
STOP_TIMEOUT = 15


def require_postgres_and_redis() -> tuple[str, str]:
    """(DATABASE_URL, REDIS_URL), or skip (fail on CI) saying what is missing."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    missing = []
    if not database_url.startswith(("postgres://", "postgresql://")):
        missing.append("DATABASE_URL (PostgreSQL)")
    if not redis_url:
        missing.append("REDIS_URL")
    if missing:
        reason = f"needs the real services: {' and '.join(missing)} not set"
        if not any(os.environ.get(name) for name in SERVICE_URLS):
            pytest.skip(f"{reason} (a SQLite run)")
        skip_or_fail(reason)
    try:
        import psycopg
        import redis

        psycopg.connect(_maintenance_url(database_url), connect_timeout=5).close()
        redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach them is the reason
        skip_or_fail(f"the real services do not answer: {exc}")
    return database_url, redis_url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _maintenance_url(url: str) -> str:
    return _with_database(url, "postgres")


class LayersDB:
    """A database of its own on the PostgreSQL server of DATABASE_URL, read with plain SQL."""

    def __init__(self, database_url: str):
        base = urlsplit(database_url).path.lstrip("/") or "safecampus"
        self.name = f"test_{base}_layers_{uuid.uuid4().hex[:8]}"
        self.url = _with_database(database_url, self.name)
        self._admin_url = _maintenance_url(database_url)

    def create(self) -> None:
        import psycopg

        with psycopg.connect(self._admin_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self._admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url) as con:
            return con.execute(sql, params).fetchall()

    def value(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]


class Layers:
    """The database, the Redis prefix and the environment of this module's processes."""

    def __init__(self, database_url: str, redis_url: str, data_dir: Path):
        self.db = LayersDB(database_url)
        self.redis_url = redis_url
        # Letters, digits and _ only: Huey keeps nothing else of a queue name.
        self.redis_prefix = f"sctest_{uuid.uuid4().hex[:12]}"
        self.data_dir = data_dir

    def env(self, **extra: str) -> dict:
        env = server_env(self.data_dir)
        env.update(
            DATABASE_URL=self.db.url,
            REDIS_URL=self.redis_url,
            SAFECAMPUS_REDIS_PREFIX=self.redis_prefix,
            # `python -m tests.realsetup` from the data directory.
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = SETUP_TIMEOUT, **extra_env: str) -> str:
        """Run a command to its end (`safecampus …` or `-m tests.realsetup …`); its stdout."""
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, *args],
            env=self.env(**extra_env),
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                f"{done.stderr[-3000:]}",
                pytrace=False,
            )
        return done.stdout

    def setup(self, step: str, **kwargs) -> dict:
        """A step of tests/realsetup.py in a child process; what it answers."""
        out = self.run("-m", "tests.realsetup", step, json.dumps(kwargs))
        return json.loads(out.strip().splitlines()[-1])

    def redis_keys(self) -> list[bytes]:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        return list(client.scan_iter(match=f"*{self.redis_prefix}*", count=1000))

    def redis_clean(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        keys = self.redis_keys()
        if keys:
            client.delete(*keys)


@contextmanager
def layers(tmp_path_factory) -> Iterator[Layers]:
    """A migrated database and a Redis prefix of their own, removed at the end."""
    database_url, redis_url = require_postgres_and_redis()
    made = Layers(database_url, redis_url, tmp_path_factory.mktemp("safecampus-layers"))
    made.db.create()
    try:
        # The audit trail's key first: migrate writes sealed audit entries (docs/operations.md).
        made.run("-m", "safecampus", "audit-key")
        made.run("-m", "safecampus", "migrate", "--verbosity", "0", timeout=MIGRATE_TIMEOUT)
        yield made
    finally:
        made.redis_clean()
        made.db.drop()


class Service:
    """A long-running SafeCampus process (consumer, server, ingestor) in a session of its own,
    its output in a log file; `stop()` ends it (SIGTERM, then SIGKILL) and all it started."""

    def __init__(self, name: str, argv: list[str], layers: Layers, **extra_env: str):
        self.name = name
        self.log = layers.data_dir / f"{name}.log"
        with self.log.open("w", encoding="utf-8") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "safecampus", *argv],
                env=layers.env(**extra_env),
                cwd=layers.data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        # Helpers of its group that outlived it (uvicorn's workers): ours, by group id.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def failure(self, what: str) -> str:
        return f"{what}\n--- {self.name} ({self.log}) ---\n{tail(self.log, 60)}"


def wait_for(condition, timeout: float, what: str, service: Service | None = None):
    """Poll `condition()` until it answers something true (returned), or fail after `timeout`
    seconds (generous: this waits for an event, it does not time it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if service is not None and not service.running():
            pytest.fail(service.failure(f"{service.name} exited while waiting for {what}"))
        if time.monotonic() > deadline:
            message = f"waited {timeout:.0f} s for {what}"
            pytest.fail(service.failure(message) if service else message, pytrace=False)
        time.sleep(0.25)
