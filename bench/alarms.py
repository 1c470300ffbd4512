"""Alarm latency: from an MQTT publish of a one-button alarm to the WebSocket message at every
connected command board, with 50 boards connected, at 1, 10 and 100 alarms/s.

    python bench/alarms.py                       # ~4 min: 1/s 20 s, 10/s 20 s, 100/s 10 s (+ drain)
    python bench/alarms.py --rates 100 --durations 15 --ceiling 300
    python bench/alarms.py --server-env KEY=VALUE  # a labelled variant of the server's environment
    python bench/alarms.py --no-deflate          # boards without permessage-deflate (a variant)

The path measured is the production one (issue 5):

    bench publisher ──MQTT QoS 1──▶ Mosquitto ──▶ `safecampus ingest --session …` (commit, then
    PUBACK) ──after commit──▶ Redis pub/sub (channel layer) ──▶ `safecampus serve` workers ──▶
    WebSocket /ws/emergency/board/ ──▶ 50 board clients (district and city officers)

Runs against a fresh copy of the scale-1 demo city (`safecampus_bench_alarms`, copied from
`safecampus_bench_s1` via `safecampus_bench_alarms_base`; alarms are never deleted, so they do
not go into the database `web.py` measures), Redis db `--redis-db` (channel layer, cache, task
queue; flushed at the end if it was empty) and the broker at MQTT_URL (default
mqtt://127.0.0.1:1883). The server and the ingestor are subprocesses with the production
settings (as web.py runs them, plus REDIS_URL and MQTT_URL).

Per rate it publishes QoS 1 presses from the registered alarm buttons of the five districts with
the most schools (round-robin over their buttons, a unique event id each), paced, for the given
duration, then waits until every board has every alarm in its scope (or `--settle` s pass).
Half the boards are sessions of `city_officer` (every alarm), half of the five districts'
district officers (their district's alarms).

* **latency**: for every (alarm, board) pair, the board's receipt time minus the time taken just
  before `publish()` (one clock: everything runs on this machine). The board clients run in
  `--client-procs` separate processes (asyncio + websockets), which record the time first and
  parse afterwards. Each message is matched to its press by the alarm id in the message data
  (`data.alarm`), which the database maps to (device, event id).
* **floor**: a plain MQTT subscriber on the same topics in the bench process, same run, same
  rates: the broker's own publish → subscribe time.
* **breakdown** (from the database, the message and a Redis subscriber): publish → alarm row
  built in the ingestor (`Alarm.received_at`: delivery, queue wait, button lookup, the incident
  insert) → `sent_at` in the message (the rest of the transaction, notifications, commit, the
  read of the timeline line) → seen on the servers' hubs' Redis channel (the ingestor's publish
  thread) → the board (the server's channel layer, the consumers' fan-out, WebSocket, the
  client), and how many (alarm, board) pairs came live rather than by the boards' catch-up.
* **written/s**: the ingestor's write rate over the phase (presses / time from the first alarm
  row to the last timeline line), and the largest backlog (published − written, sampled each
  second). `--ceiling N` adds N presses published unpaced at the end: its written/s is the
  ingestor's ceiling (so is the 100/s phase's while it cannot keep up).
* **fan-out** (`--fanout 100`, last): synthetic alarm lines sent straight into the channel layer
  at that rate for 10 s (city group + one district group each, as a real alarm's) — no MQTT,
  ingestor or database: the server's fan-out to the boards alone, at a rate the ingestor may not
  reach. (The boards' periodic catch-up finds no recent lines then, so it costs nothing.)
* **CPU** per rate: the server (master + workers), the ingestor, the board clients, and — shared
  with whatever else runs on the box — PostgreSQL, in % of one core.
* **profile**: after the run (server and ingestor stopped) `djtasks alarm_write` times the
  ingestor's write of one press in-process (its SQL listed) and a board's catch-up read.

Prints the tables to stdout, progress to stderr; JSON in `bench/results/alarms-s1.json`
(`-custom` / `-variant` suffixes for other options or `--server-env`).
Target (issue 5): p99 < 200 ms at 100 alarms/s on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alarmkit  # noqa: E402
import harness  # noqa: E402

RUN_DB = "safecampus_bench_alarms"
TARGET_RATE, TARGET_P99_MS = 100, 200


# --- the board clients (a child process) ---------------------------------------------------


def board_worker(config_path: str) -> None:
    """Child process: connect the boards of the config, report progress on stdout, record every
    alarm message with its receipt time; on "stop" on stdin write the records and exit."""
    config = json.loads(Path(config_path).read_text())
    asyncio.run(_boards(config))


async def _boards(config: dict) -> None:
    from websockets.asyncio.client import connect

    keys = config["sessions"]
    records: list[list] = [[] for _ in keys]  # [line id, alarm id, device, sent_at, received]
    other = Counter()
    distinct: list[set] = [set() for _ in keys]
    sockets = []
    ready: list[int] = []

    def say(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def board(i: int, key: str) -> None:
        ws = await connect(
            config["url"],
            origin=config["origin"],
            additional_headers={"Cookie": f"sessionid={key}"},
            proxy=None,
            compression=config.get("compression", "deflate"),
            max_queue=4096,
            open_timeout=30,
        )
        sockets.append(ws)
        hello = json.loads(await ws.recv())
        if hello.get("kind") != "hello":
            raise RuntimeError(f"board {i}: expected hello, got {hello}")
        ready.append(i)
        async for text in ws:
            received = time.time()
            frame = json.loads(text)
            # One line, or the lines of a burst in one frame (emergency/consumers.py).
            for message in frame if isinstance(frame, list) else [frame]:
                take(i, message, received)

    def take(i, message, received) -> None:
        if message.get("kind") == "alarm":
            data = message.get("data") or {}
            records[i].append(
                [
                    message["id"],
                    data.get("alarm"),
                    data.get("device"),
                    message.get("sent_at"),
                    received,
                ]
            )
            # A synthetic line (the fan-out phase) has no alarm: count it by its line id.
            distinct[i].add(data.get("alarm") or -message["id"])
        else:
            other[message.get("kind")] += 1

    tasks = [asyncio.create_task(board(i, k)) for i, k in enumerate(keys)]

    async def report() -> None:
        last = None
        while True:
            await asyncio.sleep(0.2)
            for t in tasks:
                if t.done() and t.exception() is not None:
                    say({"error": repr(t.exception())})
                    raise t.exception()
            counts = [len(s) for s in distinct]
            if len(ready) == len(keys) and counts != last:
                say({"ready": len(ready), "counts": counts})
                last = counts

    reporter = asyncio.create_task(report())
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "stop":
            break
    reporter.cancel()
    for ws in sockets:
        with contextlib.suppress(Exception):
            await ws.close()
    for t in tasks:
        t.cancel()
    Path(config["out"]).write_text(json.dumps({"records": records, "other": other}))
    say({"done": True})


class BoardClients:
    """The board clients: `procs` child processes sharing the sessions between them."""

    def __init__(
        self, url: str, origin: str, sessions: list[str], procs: int, compression: str | None
    ):
        self.procs: list[subprocess.Popen] = []
        self.counts: list[list[int]] = []
        self.errors: list[str] = []
        self.outs: list[Path] = []
        self.lock = threading.Lock()
        scratch = Path(tempfile.gettempdir()) / "safecampus-bench"
        scratch.mkdir(exist_ok=True)
        per = -(-len(sessions) // procs)
        for p in range(procs):
            part = sessions[p * per : (p + 1) * per]
            if not part:
                continue
            out = scratch / f"boards-{os.getpid()}-{p}.json"
            cfg = scratch / f"boards-{os.getpid()}-{p}.cfg.json"
            cfg.write_text(
                json.dumps(
                    {
                        "url": url,
                        "origin": origin,
                        "sessions": part,
                        "out": str(out),
                        "compression": compression,
                    }
                )
            )
            proc = subprocess.Popen(
                [str(harness.VENV_PYTHON), __file__, "--board-worker", str(cfg)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            self.procs.append(proc)
            self.outs.append(out)
            self.counts.append([0] * len(part))
            threading.Thread(target=self._read, args=(len(self.procs) - 1,), daemon=True).start()
        self.done = [False] * len(self.procs)
        self.ready = [False] * len(self.procs)

    def _read(self, index: int) -> None:
        for line in self.procs[index].stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                if "error" in message:
                    self.errors.append(message["error"])
                if "counts" in message:
                    self.counts[index] = message["counts"]
                    self.ready[index] = True
                if message.get("done"):
                    self.done[index] = True

    @property
    def pgids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def all_counts(self) -> list[int]:
        with self.lock:
            return [c for part in self.counts for c in part]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.errors:
                    raise RuntimeError(f"a board could not connect: {self.errors[0]}")
                if all(self.ready):
                    return
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a board client exited ({p.returncode})")
            time.sleep(0.1)
        raise TimeoutError("the boards did not all connect")

    def wait_for(self, expected: list[int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.all_counts()
            if all(c >= e for c, e in zip(counts, expected, strict=True)):
                return True
            if self.errors:
                raise RuntimeError(f"board client error: {self.errors[0]}")
            time.sleep(0.05)
        return False

    def collect(self, timeout: float = 60) -> tuple[list[list], Counter]:
        """Stop the clients; answers every board's records (in session order) and other kinds."""
        for p in self.procs:
            with contextlib.suppress(OSError):
                p.stdin.write("stop\n")
                p.stdin.flush()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(self.done):
            time.sleep(0.1)
        records, other = [], Counter()
        for out in self.outs:
            data = json.loads(out.read_text())
            records.extend(data["records"])
            other.update(data["other"])
            out.unlink(missing_ok=True)
            out.with_suffix("").with_suffix(".cfg.json").unlink(missing_ok=True)
        self.stop()
        return records, other

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)
        for out in self.outs:
            out.with_suffix("").with_suffix(".cfg.json").unlink(missing_ok=True)


# --- publishing and listening in ----------------------------------------------------------------


class Floor:
    """A plain MQTT subscriber on the alarm topics: receipt time per event id of this run."""

    def __init__(self, tag: str):
        self.tag = tag.encode()
        self.received: dict[str, float] = {}
        self.client = alarmkit.mqtt_client(f"bench-floor-{os.getpid()}")
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.subscribe("safecampus/+/+/alarm", qos=1)
        if not subscribed.wait(10):
            raise RuntimeError("the floor subscriber could not subscribe")

    def _on_message(self, client, userdata, message) -> None:
        at = time.time()
        if self.tag in message.payload:
            self.received[json.loads(message.payload)["event_id"]] = at

    def close(self) -> None:
        alarmkit.close_mqtt(self.client)


class RedisTap:
    """A subscriber to the servers' hubs' Redis channel (pub/sub is global to the Redis server):
    when each timeline line left the ingestor, i.e. reached Redis."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe("asgi__group__board.*")
        self.seen: dict[int, float] = {}  # timeline line id → first seen
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import msgpack

        while not self.stop.is_set():
            message = self.pubsub.get_message(timeout=0.2)
            if message is None or message.get("type") != "pmessage":
                continue
            at = time.time()
            with contextlib.suppress(Exception):
                # One message per committed transaction: [id, board groups, text] per line.
                for line_id, _groups, _text in msgpack.unpackb(message["data"])["lines"]:
                    self.seen.setdefault(line_id, at)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        with contextlib.suppress(Exception):
            self.pubsub.close()
            self.client.close()


class Publisher:
    """QoS 1 presses, paced; the time just before each publish() per event id."""

    def __init__(self, tag: str, buttons: list[tuple[str, str, str]]):
        self.tag, self.buttons = tag, buttons
        self.index = 0
        self.published: dict[str, float] = {}
        self.device_of: dict[str, str] = {}
        self.acked: dict[int, float] = {}
        self.mids: dict[int, str] = {}
        self.client = alarmkit.mqtt_client(f"bench-press-{os.getpid()}", max_inflight=1000)
        self.client.on_publish = self._on_publish

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        # Called holding paho's message lock: no lock of ours here (see alarm_durability.py).
        self.acked[mid] = time.time()

    def press(self, phase: str, k: int) -> str:
        device_id, school_code, _district = self.buttons[self.index % len(self.buttons)]
        self.index += 1
        event_id = f"{self.tag}-{phase}-{k}"
        payload = json.dumps({"event_id": event_id, "ts": round(time.time(), 6)})
        at = time.time()
        info = self.client.publish(f"safecampus/{school_code}/{device_id}/alarm", payload, qos=1)
        self.published[event_id] = at
        self.device_of[event_id] = device_id
        self.mids[info.mid] = event_id
        return event_id

    def run(self, phase: str, rate: float, count: int, on_tick=None) -> list[str]:
        started = time.perf_counter()
        ids = []
        for k in range(count):
            delay = started + k / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            ids.append(self.press(phase, k))
            if on_tick is not None:
                on_tick()
        return ids

    def unacked(self) -> int:
        return sum(1 for mid in self.mids if mid not in self.acked)

    def close(self) -> None:
        alarmkit.close_mqtt(self.client)


SYNTHETIC_BASE = 10**12  # ids of the fan-out phase's lines, far above the database's


class Injector:
    """The fan-out phase: synthetic alarm lines sent straight into the channel layer (Redis
    pub/sub), as the ingestor's publish would after commit, but without MQTT, ingestor or
    database — what the server's fan-out to the boards does at a rate the ingestor cannot
    reach. Lines go to the city group and one district group each, like a real alarm's."""

    def __init__(self, url: str, city: str, districts: list[str]):
        self.url, self.city, self.districts = url, city, districts
        self.sent: dict[int, float] = {}  # line id → time just before group_send
        self.district_of: dict[int, str] = {}

    def run(self, rate: float, count: int) -> list[int]:
        return asyncio.run(self._run(rate, count))

    async def _run(self, rate: float, count: int) -> list[int]:
        from channels_redis.pubsub import RedisPubSubChannelLayer

        layer = RedisPubSubChannelLayer(hosts=[self.url])
        loop = asyncio.get_running_loop()
        started = loop.time()
        ids = []
        try:
            for k in range(count):
                delay = started + k / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                line = SYNTHETIC_BASE + len(self.sent) + 1
                district = self.districts[k % len(self.districts)]
                text = json.dumps(
                    {
                        "id": line,
                        "kind": "alarm",
                        "at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                        "by": "",
                        "note": "",
                        "data": {"synthetic": True, "device": "0" * 20, "place": "校门 · 一键报警"},
                        "alert": "siren",
                        "incident": {
                            "id": line,
                            "url": f"/emergency/incidents/{line}/",
                            "school": "烟台市芝罘区某某中学",
                            "district": "芝罘区",
                            "incident_type": "intrusion",
                            "severity": 4,
                            "status": "raised",
                            "is_drill": False,
                            "place": "校门 · 一键报警",
                        },
                        "sent_at": time.time(),
                    },
                    ensure_ascii=False,
                )
                # As emergency/realtime.py sends a transaction's lines to the servers' hubs.
                groups = [f"board.{self.city}", f"board.{district}"]
                message = {"type": "board.lines", "lines": [[line, groups, text]]}
                self.sent[line] = time.time()
                self.district_of[line] = district
                await layer.group_send("board.hubs", message)
                ids.append(line)
        finally:
            await layer.flush()
        return ids


class Backlog:
    """Once a second while publishing: published − written by the ingestor (its stats file,
    rewritten about once a second, so ±1 s of presses)."""

    def __init__(self, ingestor: alarmkit.Ingestor, publisher: Publisher):
        self.ingestor, self.publisher = ingestor, publisher
        self.base_written = ingestor.stats().get("alarms", 0)
        self.base_published = len(publisher.published)
        self.started = self.last = time.monotonic()
        self.samples: list[dict] = []

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last < 1:
            return
        self.last = now
        written = self.ingestor.stats().get("alarms", 0) - self.base_written
        published = len(self.publisher.published) - self.base_published
        self.samples.append(
            {
                "t_s": round(now - self.started, 1),
                "published": published,
                "written": written,
                "backlog": published - written,
            }
        )


# --- statistics -----------------------------------------------------------------------------


def stats_ms(values: list[float]) -> dict:
    p = harness.percentile
    return {
        "n": len(values),
        "p50": p(values, 50),
        "p95": p(values, 95),
        "p99": p(values, 99),
        "max": max(values) if values else float("nan"),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


def choose(db: harness.BenchDB, districts: int) -> tuple[list, list[str], list[str]]:
    """The buttons of the `districts` districts with the most, shuffled (seeded) — (device id,
    school code, district code) — and those districts' codes and district officers."""
    with db.connect() as conn:
        top = conn.execute(
            "SELECT d.code FROM devices_alarmbutton b JOIN orgs_school s ON s.unit_id = b.school_id "
            "JOIN orgs_orgunit d ON d.id = s.district_id WHERE b.active "
            "GROUP BY d.code ORDER BY count(*) DESC, d.code LIMIT %s",
            [districts],
        ).fetchall()
        codes = [r[0] for r in top]
        buttons = conn.execute(
            "SELECT b.device_id, u.code, d.code FROM devices_alarmbutton b "
            "JOIN orgs_school s ON s.unit_id = b.school_id JOIN orgs_orgunit u ON u.id = s.unit_id "
            "JOIN orgs_orgunit d ON d.id = s.district_id WHERE b.active AND d.code = ANY(%s) "
            "ORDER BY b.device_id",
            [codes],
        ).fetchall()
        officers = {}
        for username, code in conn.execute(
            "SELECT u.username, o.code FROM access_roleassignment r "
            "JOIN accounts_user u ON u.id = r.user_id JOIN orgs_orgunit o ON o.id = r.unit_id "
            "WHERE r.role = 'district_officer' AND o.code = ANY(%s) AND u.is_active "
            "ORDER BY u.username",
            [codes],
        ).fetchall():
            officers.setdefault(code, username)
    buttons = [tuple(b) for b in buttons]
    random.Random(2021).shuffle(buttons)
    missing = [c for c in codes if c not in officers]
    if missing:
        raise RuntimeError(f"no district officer for {missing}")
    return buttons, codes, [officers[c] for c in codes]


# --- the run ----------------------------------------------------------------------------------


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    harness.ensure_venv()
    if len(sys.argv) == 3 and sys.argv[1] == "--board-worker":
        board_worker(sys.argv[2])
        return 0
    # Ctrl-C and SIGTERM both end the run through the cleanup (SIGINT explicitly: a shell
    # starts background jobs with it ignored).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rates", default="1,10,100", help="alarms/s, comma-separated")
    p.add_argument("--durations", default="20,20,10", help="seconds per rate")
    p.add_argument("--boards", type=int, default=50, help="boards; half city, half district")
    p.add_argument("--districts", type=int, default=5, help="districts whose buttons are pressed")
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--client-procs", type=int, default=2, help="processes for the board clients")
    p.add_argument(
        "--no-deflate",
        action="store_true",
        help="board clients do not offer permessage-deflate (browsers do; a labelled variant)",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=120,
        help="max s to wait for every board to have every alarm",
    )
    p.add_argument("--ceiling", type=int, default=0, help="unpaced presses at the end (0 skips)")
    p.add_argument(
        "--fanout",
        type=float,
        default=100,
        help="lines/s sent straight into the channel layer for 10 s at the end (0 skips)",
    )
    p.add_argument("--profile", type=int, default=200, help="in-process writes timed (0 skips)")
    p.add_argument("--redis-db", type=int, default=11)
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server (repeatable; a labelled variant)",
    )
    args = p.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    durations = [float(d) for d in args.durations.split(",")]
    if len(rates) != len(durations):
        p.error("--rates and --durations need as many values")

    load_start = os.getloadavg()
    started_at = time.time()
    source_start = harness.source_state()
    tag = f"L{os.getpid()}x{int(started_at) % 1_000_000}"
    session = f"bench-alarms-{os.getpid()}"
    db = alarmkit.run_database(RUN_DB)
    redis = alarmkit.RedisDB(args.redis_db)
    env = {"REDIS_URL": redis.url, "MQTT_URL": alarmkit.MQTT_URL}
    buttons, districts, officers = choose(db, args.districts)
    # The districts' parent: the city whose group the city officer's boards join.
    city_code = (
        db.scalar("SELECT path FROM orgs_orgunit WHERE code = %s", [districts[0]])
        .strip("/")
        .split("/")[-2]
    )
    district_of = {b[0]: b[2] for b in buttons}
    n_city = args.boards // 2
    board_users = ["city_officer"] * n_city + [
        officers[i % len(officers)] for i in range(args.boards - n_city)
    ]
    board_scope = [None] * n_city + [
        districts[i % len(districts)] for i in range(args.boards - n_city)
    ]
    harness.log(
        f"{len(buttons)} buttons in {len(districts)} districts ({', '.join(districts)}); "
        f"{n_city} city boards, {args.boards - n_city} district boards; load {alarmkit.machine_load()}"
    )

    ingestor = alarmkit.Ingestor(db, session, env)
    server_env = dict(kv.split("=", 1) for kv in args.server_env)
    server = harness.Server(db, workers=args.workers, env={**env, **server_env})
    boards = floor = publisher = tap = None
    phases: list[dict] = []
    result: dict = {}
    try:
        ingestor.start()
        server.start()
        keys = harness.django_task(db, "session_keys", *board_users)
        cursor = db.scalar("SELECT coalesce(max(id), 0) FROM emergency_incidentevent")
        floor = Floor(tag)
        tap = RedisTap(redis.url)
        publisher = Publisher(tag, buttons)
        ws_url = f"ws://127.0.0.1:{server.port}/ws/emergency/board/?after={cursor}"
        boards = BoardClients(
            ws_url,
            server.base_url,
            keys,
            args.client_procs,
            None if args.no_deflate else "deflate",
        )
        boards.wait_ready()
        harness.log(f"{args.boards} boards connected ({args.client_procs} client processes)")
        meter = alarmkit.CpuMeter(
            {
                "server": server.proc.pid,
                "ingest": ingestor.pid,
                "boards": boards.pgids,
                "bench": ("pid", os.getpid()),
                "postgres": "postgres",
                "redis": "redis-server",
                "mosquitto": "mosquitto",
            }
        )
        expected = [0] * args.boards

        def expect(ids: list[str]) -> None:
            for event_id in ids:
                district = district_of[publisher.device_of[event_id]]
                for i, scope in enumerate(board_scope):
                    if scope is None or scope == district:
                        expected[i] += 1

        # Warm-up: first connections, first queries, the ingestor's and workers' caches.
        ids = publisher.run("warm", 2, 6)
        expect(ids)
        if not boards.wait_for(expected, 30):
            raise RuntimeError(f"warm-up alarms did not reach every board: {boards.all_counts()}")

        plan = [
            (f"r{int(r) if r == int(r) else r}", r, d)
            for r, d in zip(rates, durations, strict=True)
        ]
        if args.ceiling:
            plan.append(("ceiling", None, None))
        for phase, rate, duration in plan:
            count = args.ceiling if rate is None else max(1, round(rate * duration))
            label = f"ceiling ({count} unpaced)" if rate is None else f"{rate:g}/s × {duration:g} s"
            harness.log(f"{label}: publishing {count} alarms; load {alarmkit.machine_load()}")
            sampler = Backlog(ingestor, publisher)
            t_start = time.time()
            cpu0, w0 = meter.read(), time.monotonic()
            if rate is None:
                ids = [publisher.press(phase, k) for k in range(count)]
            else:
                ids = publisher.run(phase, rate, count, on_tick=sampler.tick)
            publish_s = time.time() - t_start
            expect(ids)
            deadline = time.monotonic() + args.settle
            complete = boards.wait_for(expected, max(1.0, deadline - time.monotonic()))
            w1 = time.monotonic()
            cpu = alarmkit.CpuMeter.share(cpu0, meter.read(), w1 - w0)
            phases.append(
                {
                    "phase": phase,
                    "rate": rate,
                    "duration_s": duration,
                    "sent": count,
                    "ids": ids,
                    "publish_s": publish_s,
                    "wall_s": w1 - w0,
                    "complete": complete,
                    "cpu_pct": cpu,
                    "load1": os.getloadavg()[0],
                    "samples": sampler.samples,
                }
            )
            harness.log(
                f"{label}: {'all delivered' if complete else 'NOT all delivered'} after "
                f"{w1 - w0:.1f} s; CPU % of one core: "
                + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
            )
            time.sleep(1)
        fanout = None
        if args.fanout:
            count = round(args.fanout * 10)
            harness.log(
                f"fan-out {args.fanout:g}/s × 10 s: {count} synthetic lines straight into the "
                f"channel layer; load {alarmkit.machine_load()}"
            )
            injector = Injector(redis.url, city_code, districts)
            cpu0, w0 = meter.read(), time.monotonic()
            lines = injector.run(args.fanout, count)
            for line in lines:
                for i, scope in enumerate(board_scope):
                    if scope is None or scope == injector.district_of[line]:
                        expected[i] += 1
            complete = boards.wait_for(expected, 60)
            w1 = time.monotonic()
            cpu = alarmkit.CpuMeter.share(cpu0, meter.read(), w1 - w0)
            fanout = {
                "rate": args.fanout,
                "sent": count,
                "complete": complete,
                "wall_s": w1 - w0,
                "cpu_pct": cpu,
                "load1": os.getloadavg()[0],
            }
            harness.log(
                f"fan-out: {'all delivered' if complete else 'NOT all delivered'} after "
                f"{w1 - w0:.1f} s; CPU % of one core: "
                + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
            )
        time.sleep(0.5)
        records, other = boards.collect()
        boards = None
        unacked = publisher.unacked()
    finally:
        alarmkit.cleanup(
            boards and boards.stop,
            server.stop,
            ingestor.stop,
            floor and floor.close,
            tap and tap.close,
            publisher and publisher.close,
            lambda: alarmkit.forget_session(alarmkit.ingest_client_id(session)),
            redis.cleanup,
        )

    # The alarm ids of the messages → (device, event id), and the times in the database.
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT a.id, a.origin, a.event_id, extract(epoch FROM a.received_at)::float8, "
            "extract(epoch FROM e.at)::float8, e.id FROM emergency_alarm a "
            "JOIN emergency_incidentevent e ON e.incident_id = a.incident_id AND e.kind = 'alarm' "
            "WHERE a.event_id LIKE %s",
            [tag + "-%"],
        ).fetchall()
    alarm_of = {r[0]: r for r in rows}
    by_event = {r[2]: r for r in rows}

    profile = None
    if args.profile:
        harness.log(f"profile: {args.profile} in-process alarm writes")
        profile = harness.django_task(
            db,
            "alarm_write",
            "--n",
            str(args.profile),
            "--prefix",
            f"{tag}-profile",
            payload=[b[0] for b in buttons],
        )

    # Per (alarm, board): the receipt time and whether it came live; duplicates counted.
    got: dict[tuple[str, int], tuple[float, bool]] = {}
    duplicates = via_catch_up = 0
    sent_at_of: dict[str, float] = {}
    fan_ms, fan_per_board = [], Counter()
    for board, recs in enumerate(records):
        for line, alarm_pk, _device, sent_at, received in recs:
            if fanout is not None and alarm_pk is None and line in injector.sent:
                fan_ms.append((received - injector.sent[line]) * 1000)
                fan_per_board[board] += 1
                continue
            row = alarm_of.get(alarm_pk)
            if row is None:
                continue  # not one of this run's presses
            event_id = row[2]
            if (event_id, board) in got:
                duplicates += 1
                continue
            got[(event_id, board)] = (received, sent_at is not None)
            if sent_at is None:
                via_catch_up += 1
            else:
                sent_at_of[event_id] = sent_at

    rows_out, breakdown = [], []
    for ph in phases:
        lat, floor_ms, missing, per_board = [], [], 0, Counter()
        expected_pairs = 0
        to_row, to_publish, to_redis, to_board, live = [], [], [], [], 0
        board_expected = Counter()
        for event_id in ph["ids"]:
            t_pub = publisher.published[event_id]
            district = district_of[publisher.device_of[event_id]]
            if event_id in floor.received:
                floor_ms.append((floor.received[event_id] - t_pub) * 1000)
            row = by_event.get(event_id)
            sent_at = sent_at_of.get(event_id)
            at_redis = tap.seen.get(row[5]) if row is not None else None
            if row is not None:
                to_row.append((row[3] - t_pub) * 1000)
                if sent_at is not None:
                    to_publish.append((sent_at - row[3]) * 1000)
                    if at_redis is not None:
                        to_redis.append((at_redis - sent_at) * 1000)
            for board, scope in enumerate(board_scope):
                if scope is not None and scope != district:
                    continue
                expected_pairs += 1
                board_expected[board] += 1
                pair = got.get((event_id, board))
                if pair is None:
                    missing += 1
                    continue
                received, was_live = pair
                per_board[board] += 1
                lat.append((received - t_pub) * 1000)
                if was_live:
                    live += 1
                    if at_redis is not None:
                        to_board.append((received - at_redis) * 1000)
        complete_boards = sum(1 for b in range(args.boards) if per_board[b] >= board_expected[b])
        s, f = stats_ms(lat), stats_ms(floor_ms)
        city = [per_board[b] for b in range(args.boards) if board_scope[b] is None]
        # The ingestor's write rate: presses of the phase over the span from the first alarm row
        # built to the last timeline line (one writer thread).
        stored = [by_event[e] for e in ph["ids"] if e in by_event]
        span = (max(r[4] for r in stored) - min(r[3] for r in stored)) if len(stored) > 1 else 0
        rows_out.append(
            {
                "phase": "ceiling" if ph["rate"] is None else f"{ph['rate']:g}/s",
                "seconds": ph["duration_s"],
                "sent": ph["sent"],
                "stored": len(stored),
                "per_city_board": f"{min(city, default=0)}/{ph['sent']}",
                "boards_complete": f"{complete_boards}/{args.boards}",
                "missing": missing,
                "p50": s["p50"],
                "p95": s["p95"],
                "p99": s["p99"],
                "max": s["max"],
                "floor_p50": f["p50"],
                "floor_p99": f["p99"],
                "floor_max": f["max"],
                "floor_n": f["n"],
                "cpu_server": ph["cpu_pct"]["server"],
                "cpu_ingest": ph["cpu_pct"]["ingest"],
                "cpu_boards": ph["cpu_pct"]["boards"],
                "cpu_pg": ph["cpu_pct"]["postgres"],
                "load1": ph["load1"],
                "write_rate": len(stored) / span if span > 0 else None,
                "backlog_max": max((x["backlog"] for x in ph["samples"]), default=None),
                "pairs": expected_pairs,
                "live_pct": 100 * live / expected_pairs if expected_pairs else None,
            }
        )
        r_row, r_pub = stats_ms(to_row), stats_ms(to_publish)
        r_redis, r_board = stats_ms(to_redis), stats_ms(to_board)
        breakdown.append(
            {
                "phase": rows_out[-1]["phase"],
                "row_p50": r_row["p50"],
                "row_p99": r_row["p99"],
                "pub_p50": r_pub["p50"],
                "pub_p99": r_pub["p99"],
                "redis_p50": r_redis["p50"],
                "redis_p99": r_redis["p99"],
                "board_p50": r_board["p50"],
                "board_p99": r_board["p99"],
                "board_max": r_board["max"],
                "live_pct": rows_out[-1]["live_pct"],
            }
        )
        ph["latency_ms"], ph["floor_ms"] = s, f
        ph["breakdown_ms"] = {
            "publish_to_row": r_row,
            "row_to_sent_at": r_pub,
            "sent_at_to_redis": r_redis,
            "redis_to_board_live": r_board,
        }
        ph["missing_pairs"] = missing
        ph.pop("ids")

    if fanout is not None:
        f_exp = Counter()
        for line in injector.sent:
            for board, scope in enumerate(board_scope):
                if scope is None or scope == injector.district_of[line]:
                    f_exp[board] += 1
        fs = stats_ms(fan_ms)
        city = [fan_per_board[b] for b in range(args.boards) if board_scope[b] is None]
        done = sum(1 for b in range(args.boards) if fan_per_board[b] >= f_exp[b])
        fanout.update(latency_ms=fs)
        rows_out.append(
            {
                "phase": f"fan-out {args.fanout:g}/s*",
                "seconds": 10,
                "sent": fanout["sent"],
                "per_city_board": f"{min(city, default=0)}/{fanout['sent']}",
                "boards_complete": f"{done}/{args.boards}",
                "missing": sum(f_exp.values()) - len(fan_ms),
                "p50": fs["p50"],
                "p95": fs["p95"],
                "p99": fs["p99"],
                "max": fs["max"],
                "cpu_server": fanout["cpu_pct"]["server"],
                "cpu_ingest": fanout["cpu_pct"]["ingest"],
                "cpu_boards": fanout["cpu_pct"]["boards"],
                "cpu_pg": fanout["cpu_pct"]["postgres"],
                "load1": fanout["load1"],
                "pairs": sum(f_exp.values()),
            }
        )

    load_end = os.getloadavg()
    source_end = harness.source_state()
    print(
        f"\nAlarm latency — MQTT publish → WebSocket board message; {args.boards} boards "
        f"({n_city} city, {args.boards - n_city} district), server {args.workers} workers, "
        f"{len(buttons)} buttons in {len(districts)} districts; "
        + (f"VARIANT server env {server_env}; " if server_env else "")
        + ("VARIANT no permessage-deflate; " if args.no_deflate else "")
        + f"load average {load_start[0]:.2f} → {load_end[0]:.2f} on {os.cpu_count()} cores "
        "(shared)\n"
    )
    harness.print_table(
        [r for r in rows_out if r["phase"] != "ceiling"],
        [
            ("phase", "rate"),
            ("seconds", "s", 0),
            ("sent", "sent"),
            ("per_city_board", "per city board"),
            ("boards_complete", "boards with all"),
            ("p50", "p50 ms"),
            ("p95", "p95 ms"),
            ("p99", "p99 ms"),
            ("max", "max ms"),
            ("floor_p50", "floor p50"),
            ("floor_p99", "floor p99"),
            ("floor_max", "floor max"),
            ("write_rate", "written/s", 0),
            ("backlog_max", "backlog max"),
            ("cpu_server", "server %"),
            ("cpu_ingest", "ingest %"),
            ("cpu_boards", "clients %"),
            ("cpu_pg", "pg %"),
            ("load1", "load", 2),
        ],
    )
    print(
        "\nfloor = a plain MQTT subscriber on the same topics (broker publish → subscribe), same "
        "run and rates. CPU in % of one core over the phase (publishing + delivery); pg = every "
        "PostgreSQL process on the box."
        + (
            "\n* fan-out: synthetic lines sent straight into the channel layer (Redis) at that "
            "rate, city group + one district group each, no MQTT, ingestor or database: the "
            "server's fan-out to the boards alone, from group_send to receipt (the boards' "
            "periodic catch-up finds nothing to re-read then: no recent lines in the database)."
            if fanout is not None
            else ""
        )
        + "\n\nWhere the time goes (ms):\n"
    )
    harness.print_table(
        breakdown,
        [
            ("phase", "rate"),
            ("row_p50", "publish→row p50"),
            ("row_p99", "p99"),
            ("pub_p50", "row→sent_at p50"),
            ("pub_p99", "p99"),
            ("redis_p50", "sent_at→Redis p50"),
            ("redis_p99", "p99"),
            ("board_p50", "Redis→board p50"),
            ("board_p99", "p99"),
            ("board_max", "max"),
            ("live_pct", "live %", 0),
        ],
    )
    print(
        "\npublish→row: MQTT delivery, the ingestor's queue, the button lookup and incident "
        "insert (Alarm.received_at); row→sent_at: the rest of the transaction (alarm, timeline "
        "line, notifications, audit), commit and the read of the line for the message (sent_at, "
        "set by the ingestor); sent_at→Redis: the ingestor's publishing loop thread until a "
        "subscriber of the servers' hubs' Redis channel sees it; Redis→board: the server's "
        "layer, the consumers' fan-out, WebSocket and the client, for the (alarm, board) pairs "
        "delivered live. live %: pairs delivered by the channel layer; the rest came by the "
        "boards' database catch-up (every 5 s) first."
    )
    ceiling = next((r for r in rows_out if r["phase"] == "ceiling"), None)
    if ceiling:
        print(
            f"\nceiling: {ceiling['sent']} presses published unpaced; the ingestor wrote them at "
            f"{harness.fmt(ceiling['write_rate'], 0)} alarms/s (every board had them after "
            f"{phases[-1]['wall_s']:.1f} s, p99 {harness.fmt(ceiling['p99'], 0)} ms)"
        )
    if profile:
        w = stats_ms(profile["write_ms"])
        kinds = Counter()
        for q in profile["queries"]:
            word = q["sql"].split(None, 1)[0].upper()
            kinds[f"{word} {q.get('table', '')}".strip()] += 1
        print(
            f"\nprofile (server and ingestor stopped; in-process, production settings): one "
            f"press written as the ingestor does it: p50 {w['p50']:.1f} ms, p95 {w['p95']:.1f} ms "
            f"({len(profile['queries'])} SQL statements; ≈ {1000 / w['p50']:.0f} alarms/s for one "
            f"writer); a city board's catch-up read of the last {profile['feed_events']} lines: "
            f"{profile['feed_ms']:.0f} ms; {args.boards} boards doing it every 5 s ≈ "
            f"{profile['feed_ms'] * args.boards / 5 / 10:.0f}% of one core in the server's one "
            "thread for synchronous work"
        )
        print("  SQL of one write: " + ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items())))
    target = next((r for r in rows_out if r["phase"] == f"{TARGET_RATE}/s"), None)
    verdict = None
    if target:
        ok = (
            target["p99"] == target["p99"]
            and target["p99"] < TARGET_P99_MS
            and target["missing"] == 0
        )
        verdict = "MET" if ok else "MISSED"
        print(
            f"\ntarget p99 < {TARGET_P99_MS} ms at {TARGET_RATE}/s: {verdict} "
            f"(p99 {harness.fmt(target['p99'], 0)} ms, {target['missing']} of {target['pairs']} "
            "(alarm, board) pairs missing)"
        )
    print(
        f"duplicates dropped {duplicates}, delivered by the boards' database catch-up instead of "
        f"live {via_catch_up}, other messages {dict(other)}, publishes not acknowledged by the "
        f"broker {unacked}"
    )
    if source_start != source_end:
        print(f"WARNING: src/ changed during the run ({source_start} → {source_end})")

    result.update(
        options=vars(args),
        boards={"city": n_city, "district": args.boards - n_city, "districts": districts},
        buttons=len(buttons),
        rows=rows_out,
        breakdown=breakdown,
        phases=phases,
        fanout=fanout,
        profile=profile,
        verdict=verdict,
        duplicates=duplicates,
        via_catch_up=via_catch_up,
        other_messages=dict(other),
        unacked=unacked,
        source={"start": source_start, "end": source_end},
        machine={**harness.machine_info(), "load_start": load_start, "load_end": load_end},
    )
    suffix = ""
    defaults = {"rates": "1,10,100", "durations": "20,20,10", "boards": 50, "workers": 2}
    if any(getattr(args, k) != v for k, v in defaults.items()):
        suffix += "-custom"
    if server_env or args.no_deflate:
        suffix += "-variant"
    path = harness.write_results(f"alarms-s1{suffix}.json", result)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
