"""Pieces shared by the alarm benchmarks (`alarms.py`, `alarm_durability.py`).

* ``run_database(name)``    a throw-away copy of the scale-1 demo city for one run: alarms are
                            never deleted (database triggers), so they go into a copy, never into
                            `safecampus_bench_s1`, whose figures `web.py` compares between runs
* ``RedisDB``               one Redis database number for the channel layer, cache and task queue
                            of the run (flushed at the end if it was empty at the start)
* ``Ingestor``              `safecampus ingest --session …` as a subprocess in its own process group
* ``mqtt_client``, ``forget_session``   paho clients; dropping a persistent session at the broker
* ``cpu_seconds``, ``CpuMeter``         CPU time of processes from /proc
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
BASE_DB = "safecampus_bench_alarms_base"
MQTT_URL = os.environ.get("MQTT_URL") or "mqtt://127.0.0.1:1883"
REDIS_HOST_URL = (os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379").rstrip("/")


# --- the database ---------------------------------------------------------------------------


def _oid(name: str) -> int | None:
    with harness._pg_connect() as conn:
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", [name]).fetchone()
        return int(row[0]) if row else None


def _copy(name: str, template: str, comment: str | None = None, tries: int = 30) -> None:
    """CREATE DATABASE … TEMPLATE needs the template to have no other sessions; retry a while."""
    for attempt in range(tries):
        try:
            harness.db_create(name, template=template, comment=comment)
            return
        except Exception as exc:  # noqa: BLE001 - psycopg.errors.ObjectInUse, mostly
            if "being accessed by other users" not in str(exc) or attempt == tries - 1:
                raise
            if attempt == 0:
                harness.log(f"{template} is in use by another session; waiting to copy it")
            time.sleep(1)


def run_database(name: str) -> harness.BenchDB:
    """A fresh copy of the scale-1 demo city, migrated, for one run.

    `safecampus_bench_s1` (built or reused by the harness, the demo devices added if missing)
    is copied once to BASE_DB (a copy needs the template idle, and others may be benchmarking on
    s1); each run then copies BASE_DB to `name`, dropping the previous run's copy."""
    import ingest  # bench/ingest.py: ensure_devices

    s1 = harness.prepare_database(1)
    ingest.ensure_devices(s1)
    want = f"{harness.MARKER} alarms-base of {s1.name} oid={_oid(s1.name)}"
    base = harness.BenchDB(BASE_DB, 1)
    if not harness.db_exists(BASE_DB) or harness.db_comment(BASE_DB) != want:
        harness.log(f"copying {s1.name} to {BASE_DB}")
        harness.db_drop(BASE_DB)
        _copy(BASE_DB, s1.name, comment=want)
    harness.manage(base, "migrate", "--noinput", quiet=True)
    started = time.perf_counter()
    harness.db_drop(name)
    _copy(name, BASE_DB, comment=f"{harness.MARKER} alarm run (copy of {BASE_DB})")
    harness.log(f"run database {name} copied in {time.perf_counter() - started:.1f} s")
    return harness.BenchDB(name, 1)


# --- Redis ------------------------------------------------------------------------------------


class RedisDB:
    """One Redis database number for a run. Flushed at the end only if it was empty before."""

    def __init__(self, number: int):
        import redis

        self.number = number
        self.url = f"{REDIS_HOST_URL}/{number}"
        self.client = redis.Redis.from_url(self.url)
        self.client.ping()
        self.keys_before = self.client.dbsize()
        if self.keys_before:
            harness.log(
                f"warning: Redis db {number} holds {self.keys_before} keys; it will not be "
                "flushed at the end (pick an empty one with --redis-db)"
            )

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            if not self.keys_before:
                self.client.flushdb()
            self.client.close()


# --- processes ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _procs():
    """(pid, comm, process group) of every process."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        yield int(entry.name), comm, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


class CpuMeter:
    """CPU seconds of named groups of processes: `groups` maps a label to a process-group id
    (int: every process in that group, e.g. the uvicorn master and its workers), a list of them,
    ("pid", n) for one process, or a command name (str: e.g. "postgres" — all of them, other
    people's sessions included). Processes that ended between two reads drop out of the sum, so
    read around a phase in which the measured processes live."""

    def __init__(self, groups: dict):
        self.groups = groups

    @staticmethod
    def _matches(key, pid: int, comm: str, pgrp: int) -> bool:
        if isinstance(key, tuple):
            return pid == key[1]
        if isinstance(key, list):
            return pgrp in key
        if isinstance(key, int):
            return pgrp == key
        return comm == key

    def read(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each matching process, per label."""
        out: dict[str, dict[int, float]] = {label: {} for label in self.groups}
        for pid, comm, pgrp, cpu in _procs():
            for label, key in self.groups.items():
                if self._matches(key, pid, comm, pgrp):
                    out[label][pid] = cpu
        return out

    @staticmethod
    def share(before: dict, after: dict, seconds: float) -> dict[str, float]:
        """% of one core per label over `seconds`: the processes alive at the second read (a
        process that ended in between, e.g. a short PostgreSQL session, is not counted)."""
        return {
            label: 100
            * sum(cpu - before.get(label, {}).get(pid, 0.0) for pid, cpu in pids.items())
            / seconds
            for label, pids in after.items()
        }


class Ingestor:
    """`safecampus ingest --session NAME --stats-file …` (production settings) in its own
    process group; `kill()` sends SIGKILL to that group, `start()` again restarts it with the
    same session, log appended."""

    def __init__(self, db: harness.BenchDB, session: str, env: dict):
        self.db, self.session, self.extra_env = db, session, env
        self.stats_file = db.data_dir / f"ingest-{session}.json"
        self.log_path = db.data_dir / f"ingest-{session}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> Ingestor:
        self.stats_file.unlink(missing_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(harness.SAFECAMPUS),
                "ingest",
                "--session",
                self.session,
                "--stats-file",
                str(self.stats_file),
                "--log-interval",
                "10",
            ],
            env=self.db.env(LOG_LEVEL="INFO", **self.extra_env),
            cwd=self.db.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the ingestor exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            if self.stats().get("connected"):
                harness.log(f"ingestor up (pid {self.proc.pid}, session {self.session})")
                return self
            time.sleep(0.05)
        raise TimeoutError(f"the ingestor did not connect:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text()[-chars:]
        return ""

    def stats(self) -> dict:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(self.stats_file.read_text())
        return {}

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def kill_server(server: harness.Server) -> None:
    """SIGKILL the server's process group (the uvicorn master and its workers)."""
    if server.proc is not None and server.proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
    server.stop()  # closes the log


# --- MQTT -------------------------------------------------------------------------------------


def mqtt_address(url: str = MQTT_URL) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 1883


def mqtt_client(
    client_id: str, *, clean_session: bool = True, max_inflight: int = 20, url: str = MQTT_URL
):
    """A connected paho client (loop running) of the app's own MQTT helper."""
    sys.path.insert(0, str(harness.REPO / "src"))
    from safecampus.devices import mqtt

    client = mqtt.client(url, client_id, clean_session=clean_session)
    client.max_inflight_messages_set(max_inflight)
    connected = threading.Event()
    client.on_connect = lambda *a: connected.set()
    host, port = client.safecampus_address
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if not connected.wait(10):
        raise RuntimeError(f"could not connect to the broker at {url}")
    return client


def close_mqtt(client, timeout: float = 5) -> None:
    """Disconnect and stop paho's thread, giving up after `timeout` s (never hangs a cleanup)."""

    def close() -> None:
        with contextlib.suppress(Exception):
            client.disconnect()
            client.loop_stop()

    thread = threading.Thread(target=close, daemon=True)
    thread.start()
    thread.join(timeout)


def forget_session(client_id: str, url: str = MQTT_URL) -> None:
    """Drop a persistent session at the broker (connect with a clean session, disconnect), so
    that it stops queueing messages for a client that will not come back."""
    with contextlib.suppress(Exception):
        close_mqtt(mqtt_client(client_id, clean_session=True, url=url))


def cleanup(*steps) -> None:
    """Run every step (a callable, or None to skip) even if one fails; Ctrl-C and SIGTERM are
    held off meanwhile, so an impatient second Ctrl-C cannot leave a server running."""
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for step in steps:
            if step is None:
                continue
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - the next step must run anyway
                harness.log(f"cleanup: {getattr(step, '__qualname__', step)} failed: {exc!r}")
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


def ingest_client_id(session: str) -> str:
    """The MQTT client id `safecampus ingest --session NAME` uses (devices/ingest.py)."""
    return f"safecampus-ingest-{session}"


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
