"""Reusable pieces of the SafeCampus benchmarks.

Everything here talks to 127.0.0.1 only and cleans up after itself:

* ``prepare_database(scale)``   a PostgreSQL database with the demo city generated at a scale
                                (kept between runs; ``fresh=True`` rebuilds it)
* ``Server``                    the production ASGI server (``safecampus serve``) as a subprocess
* ``api_token`` / ``sessions``  bearer tokens through the API, browser sessions through Django
* ``check`` / ``drive``         one checked request; a concurrent HTTP driver (threads + httpx)
                                returning latencies
* ``summarize`` / ``print_table``  percentiles and a plain aligned table
* ``time_sql``                  median time of SQL statements run directly through psycopg
* ``is_data_query``             tells a request's data SQL from its auth/session/audit overhead
* ``ConnectionCounter``         new PostgreSQL connections (does the server reuse them?)
* ``django_task``               run a task of ``bench/djtasks.py`` inside Django against a database

The CLIs (``bench/web.py``, ``bench/import_schools.py``) are thin layers over these.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
VENV_BIN = REPO / ".venv" / "bin"
VENV_PYTHON = VENV_BIN / "python"
SAFECAMPUS = VENV_BIN / "safecampus"
RESULTS_DIR = BENCH_DIR / "results"

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DEMO_PASSWORD = os.environ.get("SAFECAMPUS_DEMO_PASSWORD") or "Safe@Campus2026"
DEFAULT_SEED = 2021
SETTINGS = "safecampus.config.settings.production"
MARKER = "safecampus-bench"


# Set by use_source(): a committed src/ tree that every process the harness starts imports
# instead of the working tree's (which others may be editing while a run is measuring it).
SOURCE_DIR: Path | None = None
SOURCE_COMMIT: str | None = None


def ensure_venv() -> None:
    """Re-run the calling script with the project's venv Python if started with another one."""
    if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])


def log(*parts) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_connect(dbname: str = "postgres", autocommit: bool = True):
    import psycopg

    return psycopg.connect(f"{PG_URL}/{dbname}", autocommit=autocommit)


def db_name(scale: int) -> str:
    return f"safecampus_bench_s{scale}"


@dataclass
class BenchDB:
    """One bench database and the environment the app needs to use it."""

    name: str
    scale: int | None = None
    # Seconds per step when prepare_database() built it in this run (empty when reused).
    build: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{PG_URL}/{self.name}"

    @property
    def data_dir(self) -> Path:
        from safecampus.core.crypto import key_create

        path = Path(tempfile.gettempdir()) / "safecampus-bench" / self.name
        path.mkdir(parents=True, exist_ok=True)
        # The audit trail's key (the default SAFECAMPUS_AUDIT_KEY_FILE): every audited write,
        # migrate's included, seals its entries with it.
        key_create(path / "audit_key")
        return path

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            SAFECAMPUS_DATA_DIR=str(self.data_dir),
            SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40),
            DJANGO_SETTINGS_MODULE=SETTINGS,
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        )
        env.pop("REDIS_URL", None)  # the bench measures the default single-box setup
        env.pop("MQTT_URL", None)
        _put_source_first(env)
        env.update(extra)
        return env

    def connect(self, autocommit: bool = True):
        return _pg_connect(self.name, autocommit=autocommit)

    def scalar(self, sql: str, params=None):
        with self.connect() as conn:
            row = conn.execute(sql, params).fetchone()
            return row[0] if row else None


def db_exists(name: str) -> bool:
    with _pg_connect() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def db_comment(name: str) -> str | None:
    with _pg_connect() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        return row[0] if row else None


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"unsafe database name {name!r}")
    return f'"{name}"'


def db_drop(name: str) -> None:
    with _pg_connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")


def db_create(name: str, template: str | None = None, comment: str | None = None) -> None:
    with _pg_connect() as conn:
        sql = f"CREATE DATABASE {_ident(name)}"
        if template:
            sql += f" TEMPLATE {_ident(template)}"
        conn.execute(sql)
        if comment is not None:
            db_set_comment(name, comment, conn=conn)


def db_set_comment(name: str, comment: str, conn=None) -> None:
    from psycopg import sql as pgsql

    stmt = pgsql.SQL("COMMENT ON DATABASE {} IS {}").format(
        pgsql.Identifier(name), pgsql.Literal(comment)
    )
    if conn is not None:
        conn.execute(stmt)
        return
    with _pg_connect() as own:
        own.execute(stmt)


def manage(
    db: BenchDB, *args: str, check: bool = True, quiet: bool = False
) -> subprocess.CompletedProcess:
    """Run `safecampus <args>` against `db`."""
    out = subprocess.run(
        [str(SAFECAMPUS), *args],
        env=db.env(),
        cwd=db.data_dir,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if check and out.returncode != 0:
        raise RuntimeError(
            f"safecampus {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-4000:]}"
        )
    if not quiet and out.stdout.strip():
        log(out.stdout.strip().splitlines()[-1])
    return out


def prepare_database(scale: int, *, seed: int = DEFAULT_SEED, fresh: bool = False) -> BenchDB:
    """The database `safecampus_bench_s<scale>`, migrated and with the demo city generated.

    A database already generated at this scale and seed (recorded in the database comment) is
    reused, after `migrate` (a no-op when nothing changed); `fresh=True` drops and rebuilds it."""
    db = BenchDB(db_name(scale), scale)
    want = f"{MARKER} scale={scale} seed={seed}"
    if not fresh and db_exists(db.name) and db_comment(db.name) == want:
        manage(db, "migrate", "--noinput", quiet=True)
        log(f"reusing {db.name} ({want})")
        return db
    log(f"building {db.name}: migrate + generate --scale {scale} --seed {seed}")
    db_drop(db.name)
    db_create(db.name)
    started = step = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal step
        now = time.perf_counter()
        db.build[name] = now - step
        step = now

    manage(db, "migrate", "--noinput", quiet=True)
    lap("migrate_s")
    manage(db, "generate", "--scale", str(scale), "--seed", str(seed))
    lap("generate_s")
    with db.connect() as conn:
        conn.execute("VACUUM ANALYZE")
    lap("vacuum_analyze_s")
    db.build["total_s"] = time.perf_counter() - started
    db_set_comment(db.name, want)
    log(
        f"{db.name} ready in {db.build['total_s']:.1f} s ("
        + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in db.build.items() if k != "total_s")
        + ")"
    )
    return db


def unit_id(db: BenchDB, code: str) -> int:
    value = db.scalar("SELECT id FROM orgs_orgunit WHERE code = %s", [code])
    if value is None:
        raise LookupError(f"no org unit with code {code} in {db.name}")
    return int(value)


# --- Django tasks (bench/djtasks.py) ----------------------------------------------------------


def django_task(db: BenchDB, task: str, *args: str, payload=None, timeout: float = 900):
    """Run `bench/djtasks.py <task> <args>` inside Django against `db`; returns its JSON result.

    `payload` (any JSON value) is passed on stdin. The task prints its result as the last line."""
    out = subprocess.run(
        [str(VENV_PYTHON), str(BENCH_DIR / "djtasks.py"), task, *args],
        env=db.env(),
        cwd=db.data_dir,
        text=True,
        timeout=timeout,
        input=json.dumps(payload) if payload is not None else "",
        capture_output=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"djtasks {task} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def sessions(db: BenchDB, usernames: list[str]) -> dict[str, str]:
    """A logged-in browser session key for each user, made directly in the session store.

    The production settings mark the session cookie Secure, so a login over plain http could not
    keep it; the server does not check the flag on cookies it receives."""
    return django_task(db, "sessions", *usernames)


# --- The server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`safecampus serve` (uvicorn, production settings) on 127.0.0.1, in its own process group.

    Use as a context manager; `stop()` ends the group it started (the master and its workers)."""

    def __init__(
        self, db: BenchDB, *, workers: int = 2, port: int | None = None, env: dict | None = None
    ):
        self.db, self.workers = db, workers
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = db.data_dir / f"server-{self.port}.log"

    def start(self, timeout: float = 60) -> Server:
        self._log = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(SAFECAMPUS),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.db.env(**self.extra_env),
            cwd=self.db.data_dir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_healthy(timeout)
        log(
            f"server up at {self.base_url} ({self.workers} workers, db {self.db.name}, pid {self.proc.pid})"
        )
        return self

    def wait_healthy(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited ({self.proc.returncode}); log:\n{self.log_path.read_text()[-4000:]}"
                )
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    # With several workers, give the others a moment to finish importing Django.
                    time.sleep(0.5 if self.workers > 1 else 0)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(
            f"server not healthy after {timeout} s; log:\n{self.log_path.read_text()[-4000:]}"
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group this object started
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.proc = None
        self._log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def api_token(base_url: str, username: str, password: str = DEMO_PASSWORD, days: int = 1) -> str:
    """A bearer token from POST /api/v1/auth/token. A wrong password counts towards the login
    lockout (5 per username), so this raises on the first failure instead of retrying."""
    import httpx

    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        json={"username": username, "password": password, "name": "bench", "days": days},
        timeout=30,
    )
    if response.status_code != 201:
        raise RuntimeError(
            f"token for {username}: HTTP {response.status_code} {response.text[:300]}"
        )
    return response.json()["token"]


def auth_for(kind: str, *, token: str | None = None, session: str | None = None) -> dict:
    """httpx.Client keyword arguments that authenticate an API call (token) or a page (session)."""
    if kind == "api":
        return {"headers": {"Authorization": f"Bearer {token}"}}
    return {"cookies": {"sessionid": session}}


# --- The driver ---------------------------------------------------------------------------------


@dataclass
class Sample:
    """Latencies (ms) of the successful requests of one run, and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    wall_s: float = 0.0
    bytes: int = 0
    concurrency: int = 1
    sent: int = 0  # every request sent, warm-ups and failures included

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0


def drive(
    base_url: str,
    path: str,
    *,
    requests: int = 200,
    concurrency: int = 8,
    duration: float | None = None,
    warmup: int = 1,
    expect: int = 200,
    client_kwargs: dict | None = None,
    timeout: float = 60,
) -> Sample:
    """GET `path` from `concurrency` threads, each with its own keep-alive httpx.Client.

    Runs `requests` requests in total, or for `duration` seconds when given. Each thread first
    sends `warmup` untimed requests (connection set-up, first-hit caches). Only responses with
    status `expect` count as latencies; others are tallied in `statuses`. Redirects are not
    followed, so a login redirect shows up as a 302 rather than as a fast page."""
    import httpx

    sample = Sample(concurrency=concurrency)
    lock = threading.Lock()
    issued = 0
    barrier = threading.Barrier(concurrency + 1)
    deadline: list[float] = [float("inf")]  # set when the barrier opens

    def take() -> bool:
        nonlocal issued
        if duration is not None:
            return time.perf_counter() < deadline[0]
        with lock:
            if issued >= requests:
                return False
            issued += 1
            return True

    def worker() -> None:
        with httpx.Client(
            base_url=base_url, timeout=timeout, follow_redirects=False, **(client_kwargs or {})
        ) as client:
            for _ in range(warmup):
                with contextlib.suppress(httpx.HTTPError):
                    client.get(path)
            barrier.wait()
            local, statuses, errors, size, sent = [], Counter(), Counter(), 0, warmup
            while take():
                sent += 1
                started = time.perf_counter()
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                statuses[response.status_code] += 1
                if response.status_code == expect:
                    local.append(elapsed)
                    size += len(response.content)
            with lock:
                sample.latencies_ms.extend(local)
                sample.statuses.update(statuses)
                sample.errors.update(errors)
                sample.bytes += size
                sample.sent += sent

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    if duration is not None:
        deadline[0] = started + duration
    for thread in threads:
        thread.join()
    sample.wall_s = time.perf_counter() - started
    return sample


class CheckFailed(RuntimeError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def check(
    base_url: str,
    path: str,
    *,
    expect: int = 200,
    client_kwargs: dict | None = None,
    retries: int = 3,
    pause: float = 2.0,
) -> httpx.Response:  # noqa: F821
    """One request that must answer `expect`; raises with the start of the body otherwise.

    A 5xx is retried `retries` times, `pause` seconds apart (a server error under load, e.g. the
    database out of connection slots, says nothing about whether the endpoint is set up right);
    any other unexpected status (a redirect to the login page, 403, 404) raises at once."""
    import httpx

    for attempt in range(retries + 1):
        with httpx.Client(
            base_url=base_url, timeout=60, follow_redirects=False, **(client_kwargs or {})
        ) as client:
            response = client.get(path)
        if response.status_code == expect:
            return response
        if response.status_code < 500 or attempt == retries:
            break
        log(f"GET {path}: HTTP {response.status_code}, retrying in {pause:g} s")
        time.sleep(pause)
    where = response.headers.get("location", "")
    raise CheckFailed(
        f"GET {path}: HTTP {response.status_code} {where} {response.text[:300]!r}",
        response.status_code,
    )


# --- Statistics and the table ---------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summarize(sample: Sample) -> dict:
    lat = sample.latencies_ms
    return {
        "n": sample.ok,
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
        "max_ms": max(lat) if lat else float("nan"),
        "mean_ms": statistics.fmean(lat) if lat else float("nan"),
        "rps": sample.rps,
        "concurrency": sample.concurrency,
        "wall_s": sample.wall_s,
        "bytes_per_response": sample.bytes / sample.ok if sample.ok else 0,
        "sent": sample.sent,
        "statuses": {str(k): v for k, v in sorted(sample.statuses.items())},
        "errors": dict(sample.errors),
    }


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows: list[dict], columns: list[tuple], file=None) -> None:
    """A plain aligned table. `columns` is [(key, header)] or [(key, header, digits)]; text is
    left-aligned, numbers right-aligned with `digits` decimals (default 1)."""
    file = file or sys.stdout
    columns = [(c[0], c[1], c[2] if len(c) > 2 else 1) for c in columns]
    cells = [[fmt(row.get(key), digits) for key, _h, digits in columns] for row in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, (_k, h, _d) in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(key), (int, float)) or row.get(key) is None for row in rows)
        for key, _h, _d in columns
    ]

    def line(values):
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(line([h for _k, h, _d in columns]), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in cells:
        print(line(row), file=file)
    file.flush()


# --- Raw SQL ------------------------------------------------------------------------------------


def time_sql(
    db: BenchDB, statements: list[str], *, runs: int = 30, warmup: int = 3, conn=None
) -> list[float]:
    """Median wall time (ms) of each statement run directly through psycopg on `db`: execute and
    fetch every row, on one connection, `runs` times after `warmup` untimed runs.

    The statements are literal SQL as Django sent it (parameters already inlined). Pass an open
    autocommit `conn` to reuse it (e.g. one opened before the server could fill the database's
    connection slots)."""
    own = conn is None
    conn = db.connect() if own else conn
    medians = []
    try:
        conn.execute("SET TIME ZONE 'UTC'")  # as Django's connections do with USE_TZ
        with conn.cursor() as cur:
            for sql in statements:
                times = []
                for i in range(warmup + runs):
                    started = time.perf_counter()
                    cur.execute(sql)
                    if cur.description is not None:
                        cur.fetchall()
                    if i >= warmup:
                        times.append((time.perf_counter() - started) * 1000)
                medians.append(statistics.median(times))
    finally:
        if own:
            conn.close()
    return medians


class ConnectionCounter:
    """Counts PostgreSQL sessions opened on a database (pg_stat_database.sessions, PG 14+),
    e.g. to see whether the server reuses connections or opens one per request. Backends
    report the counter with a delay of up to about a second, hence `settle`."""

    def __init__(self, db: BenchDB, settle: float = 1.1, conn=None):
        self.own = conn is None
        self.conn = db.connect() if self.own else conn
        self.settle = settle

    def read(self) -> int:
        time.sleep(self.settle)
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(
            self.conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()[0]
        )

    def close(self) -> None:
        if self.own:
            self.conn.close()


# Queries on these tables are the request's fixed cost (authentication, session, the caller's
# role assignments, lockout, audit, the unread-notifications badge of the page header), not the
# data the endpoint lists or aggregates.
OVERHEAD_TABLES = re.compile(
    r"^(django_session|django_content_type|accounts_|access_roleassignment|axes_|audit_"
    r"|notifications_)"
)
_FIRST_TABLE = re.compile(r'\bFROM\s+"(\w+)"', re.IGNORECASE)


def is_data_query(sql: str) -> bool:
    """A SELECT whose first table is business data (not an OVERHEAD_TABLES table)."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return False
    match = _FIRST_TABLE.search(sql)
    return bool(match) and not OVERHEAD_TABLES.match(match.group(1))


# --- Results ------------------------------------------------------------------------------------


def machine_info() -> dict:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
    }
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as cpuinfo:
        info["cpu_model"] = next(
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        )
    try:
        with _pg_connect() as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - informational only
        pass
    if SOURCE_COMMIT is not None:
        info["source_snapshot"] = SOURCE_COMMIT
    with contextlib.suppress(OSError):
        info["git"] = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    return info


def _put_source_first(env: dict) -> dict:
    """Put the use_source() snapshot ahead of the editable install's path entry."""
    if SOURCE_DIR is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(SOURCE_DIR), env.get("PYTHONPATH")) if p
        )
    return env


def _git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=True).stdout


def use_source(ref: str) -> str:
    """Make every process the harness starts from now on (migrate, generate, the server,
    djtasks) run the committed `src/` of `ref` (e.g. HEAD) instead of the working tree: `git
    archive` extracts it once under $TMPDIR/safecampus-bench/src/<commit>/ and BenchDB.env()
    puts it first on PYTHONPATH. Answers the full commit id."""
    global SOURCE_DIR, SOURCE_COMMIT
    import io
    import shutil
    import tarfile

    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    target = Path(tempfile.gettempdir()) / "safecampus-bench" / "src" / commit[:12]
    if not (target / "src" / "safecampus").is_dir():
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(_git("archive", commit, "src"))) as tar:
            tar.extractall(partial, filter="data")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    SOURCE_DIR, SOURCE_COMMIT = target / "src", commit
    # Check that the snapshot, not the editable install, is what gets imported.
    probe = subprocess.run(
        [str(VENV_PYTHON), "-c", "import safecampus; print(safecampus.__file__)"],
        env=_put_source_first(dict(os.environ)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(probe).resolve().is_relative_to(SOURCE_DIR.resolve()):
        raise RuntimeError(f"the snapshot of {ref} is not imported first: {probe}")
    log(f"running src/ of {ref} = {commit[:12]} from {SOURCE_DIR}")
    return commit


def source_state() -> str | None:
    """The commit plus a digest of the uncommitted changes under src/ (tracked diffs and the
    contents of untracked files): compare it at the start and the end of a run to notice code
    that others changed while it was being measured. With use_source(), the snapshot's commit
    (it cannot change). None outside a git checkout."""
    import hashlib

    if SOURCE_COMMIT is not None:
        return f"{SOURCE_COMMIT[:12]} (snapshot)"
    git = _git
    try:
        head = git("rev-parse", "--short=12", "HEAD").decode().strip()
        digest = hashlib.sha1(git("diff", "HEAD", "--", "src"))
        for name in sorted(git("ls-files", "--others", "--exclude-standard", "--", "src").split()):
            digest.update(name)
            with contextlib.suppress(OSError):
                digest.update((REPO / name.decode()).read_bytes())
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+{digest.hexdigest()[:12]}"


def write_results(name: str, data: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
