"""Alarm durability: SIGKILL the web server and the ingestor during a burst of 1,000 alarms, restart
them, and check that every alarm acknowledged to a sender is in the database exactly once.

    python bench/alarm_durability.py                  # ~1–2 min
    python bench/alarm_durability.py --mqtt 700 --http 300 --kill-at 0.4 --downtime 1

Runs against a fresh copy of the scale-1 demo city (`safecampus_bench_alarm_durability`; see
alarmkit.run_database), Redis db `--redis-db` and the broker at MQTT_URL (default
mqtt://127.0.0.1:1883). Steps:

1. `safecampus ingest --session bench-durability-<pid>` (persistent MQTT session, manual
   acknowledgement after commit) and `safecampus serve` (2 workers), production settings.
2. The burst, both at once: `--mqtt` presses (default 700) published QoS 1 by one device-side
   client with a persistent session, one press per button (paced at `--mqtt-rate`/s), and
   `--http` presses (default 300) POSTed to /api/v1/emergency/alarms by `--http-senders`
   threads with school device tokens, one press per button. Every press has its own event id.
3. When `--kill-at` (default 40 %) of the burst is committed (polled in the database), SIGKILL
   both process groups (the uvicorn master and its workers; the ingestor), wait `--downtime`
   seconds (default 1), start both again (the ingestor with the same session name).
4. The senders retry what was not acknowledged: HTTP until 2xx with the same event id (a
   connection error or 5xx is retried every 0.2 s); MQTT publishes the broker has not
   acknowledged are republished with the same event id (the publisher's persistent session
   would also resend them on a reconnect; the broker is not killed here, so this rarely
   happens).
5. Waits until the burst is in the database (or `--timeout` s), then checks with SQL:
   every acknowledged press (HTTP 2xx; MQTT PUBACK) is stored, exactly once per (origin,
   event id); the number stored equals the number of distinct event ids sent; each has exactly
   one incident of its own and that incident exactly one "alarm" timeline line; no incident
   without its alarm. Prints PASS or FAIL with the counts and timings; exit code 1 on FAIL.

What an acknowledgement means here: for HTTP the 201/200 answer, which the API sends after
commit. For MQTT the device's PUBACK comes from the broker once it holds the message; from
there the ingestor's persistent session carries it: the broker keeps every QoS 1 press for the
session while the ingestor is down and redelivers the ones it had sent but the ingestor had not
acknowledged (the ingestor acknowledges only after commit), so a kill between commit and
acknowledgement gives a second delivery that the (origin, event id) constraint turns into the
same alarm. The broker itself is not killed (its own persistence is Mosquitto's business).

Mosquitto keeps at most `max_queued_messages` (default 1000) QoS 1 messages per offline client
beyond the in-flight ones, and drops the rest. The burst sends at most `--mqtt` (700) presses
to the ingestor's session, so the queue cannot overflow however long the ingestor is down;
the downtime is kept to `--downtime` + the ingestor's start-up (~2–4 s) anyway. With more than
~1,000 MQTT presses, or other QoS 1 traffic on safecampus/+/+/alarm, raise
max_queued_messages in mosquitto.conf first, or the test fails for the broker's reason.

Progress goes to stderr; the summary to stdout; JSON in bench/results/alarm-durability.json.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alarmkit  # noqa: E402
import harness  # noqa: E402

RUN_DB = "safecampus_bench_alarm_durability"


class MqttSender:
    """The device side over MQTT: one client, persistent session, QoS 1, paced."""

    def __init__(self, tag: str, presses: list[tuple[str, str, str]], rate: float):
        self.presses, self.rate = presses, rate  # (event id, device id, school code)
        self.client_id = f"bench-durability-pub-{os.getpid()}"
        self.client = alarmkit.mqtt_client(self.client_id, clean_session=False, max_inflight=100)
        self.client.on_publish = self._on_publish
        self.mid_of: dict[int, str] = {}
        self.acked_mids: dict[int, float] = {}
        self.published: dict[str, float] = {}
        self.republished = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        # paho calls this holding its own message lock, which publish() takes too: no lock of
        # ours here (one around publish() would deadlock), and the PUBACK may come before
        # publish() has even returned the mid — so mids, resolved to event ids when read.
        self.acked_mids.setdefault(mid, time.time())

    @property
    def acked(self) -> dict[str, float]:
        """Event id → when the broker acknowledged it."""
        out = {}
        for mid, at in list(self.acked_mids.items()):
            event_id = self.mid_of.get(mid)
            if event_id is not None:
                out.setdefault(event_id, at)
        return out

    def _send(self, event_id: str, device_id: str, school: str) -> None:
        payload = json.dumps({"event_id": event_id, "ts": round(time.time(), 3)})
        info = self.client.publish(f"safecampus/{school}/{device_id}/alarm", payload, qos=1)
        self.mid_of[info.mid] = event_id
        self.published.setdefault(event_id, time.time())

    def _run(self) -> None:
        started = time.perf_counter()
        for k, press in enumerate(self.presses):
            delay = started + k / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            self._send(*press)

    def start(self) -> None:
        self.thread.start()

    def retry_unacked(self, wait: float) -> None:
        """Republish (same event id) what the broker has not acknowledged after `wait` s."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and len(self.acked) < len(self.presses):
            time.sleep(0.1)
        for event_id, device_id, school in self.presses:
            if event_id not in self.acked:
                self.republished += 1
                self._send(event_id, device_id, school)

    def close(self) -> None:
        alarmkit.close_mqtt(self.client)
        alarmkit.forget_session(self.client_id)


class HttpSenders:
    """The device side over HTTP: `n` threads POSTing presses, each retried until 2xx."""

    def __init__(self, base_url: str, presses: list[tuple[str, str, str]], n: int):
        # presses: (event id, device id, token)
        self.base_url = base_url
        self.todo: queue.Queue = queue.Queue()
        for press in presses:
            self.todo.put(press)
        self.lock = threading.Lock()
        self.acked: dict[str, float] = {}
        self.statuses: Counter = Counter()  # final 2xx statuses
        self.retried: Counter = Counter()  # why a request was retried
        self.rejected: dict[str, str] = {}  # 4xx: not retried, a failure of the test
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(n)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    event_id, device_id, token = self.todo.get_nowait()
                except queue.Empty:
                    return
                body = {"device_id": device_id, "event_id": event_id, "ts": round(time.time(), 3)}
                while not self.stop.is_set():
                    try:
                        response = client.post(
                            "/api/v1/emergency/alarms",
                            json=body,
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    except httpx.HTTPError as exc:
                        with self.lock:
                            self.retried[type(exc).__name__] += 1
                        time.sleep(0.2)
                        continue
                    if response.status_code in (200, 201):
                        with self.lock:
                            self.acked[event_id] = time.time()
                            self.statuses[response.status_code] += 1
                        break
                    if response.status_code >= 500:
                        with self.lock:
                            self.retried[f"HTTP {response.status_code}"] += 1
                        time.sleep(0.2)
                        continue
                    with self.lock:
                        self.rejected[event_id] = f"{response.status_code} {response.text[:200]}"
                    break

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.stop.set()


class Stored:
    """The number of this run's alarms committed, on one open connection (polled often)."""

    def __init__(self, db: harness.BenchDB, tag: str):
        self.conn = db.connect()
        self.pattern = tag + "-%"

    def __call__(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM emergency_alarm WHERE event_id LIKE %s", [self.pattern]
        ).fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def pick(db: harness.BenchDB, n_mqtt: int, n_http: int):
    """One button per press, from schools all over the city (seeded shuffle): MQTT presses
    from some buttons, HTTP presses from others (each from a school with a district, whose
    district officer issues the school's device token)."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT b.device_id, u.code, s.unit_id FROM devices_alarmbutton b "
            "JOIN orgs_school s ON s.unit_id = b.school_id JOIN orgs_orgunit u ON u.id = s.unit_id "
            "WHERE b.active AND s.district_id IS NOT NULL ORDER BY b.device_id"
        ).fetchall()
    rows = [tuple(r) for r in rows]
    random.Random(2021).shuffle(rows)
    if len(rows) < n_mqtt + n_http:
        raise SystemExit(f"only {len(rows)} buttons for {n_mqtt + n_http} presses")
    return rows[:n_mqtt], rows[n_mqtt : n_mqtt + n_http]


def check(db: harness.BenchDB, tag: str, sent: set[str], acked: dict[str, str]) -> dict:
    """The database against what was sent and acknowledged. `acked`: event id → origin."""
    with db.connect() as conn:
        alarms = conn.execute(
            "SELECT origin, event_id, incident_id FROM emergency_alarm WHERE event_id LIKE %s",
            [tag + "-%"],
        ).fetchall()
        per_key = Counter((o, e) for o, e, _i in alarms)
        incidents = [i for _o, _e, i in alarms]
        timeline = dict(
            conn.execute(
                "SELECT incident_id, count(*) FROM emergency_incidentevent "
                "WHERE kind = 'alarm' AND incident_id = ANY(%s) GROUP BY incident_id",
                [incidents],
            ).fetchall()
        )
        alarms_per_incident = Counter(
            r[0]
            for r in conn.execute(
                "SELECT incident_id FROM emergency_alarm WHERE incident_id = ANY(%s)", [incidents]
            ).fetchall()
        )
        orphans = conn.execute(
            "SELECT count(*) FROM emergency_incident i WHERE NOT EXISTS "
            "(SELECT 1 FROM emergency_alarm a WHERE a.incident_id = i.id)"
        ).fetchone()[0]
        incident_rows = conn.execute(
            "SELECT count(*) FROM emergency_incident WHERE id = ANY(%s)", [incidents]
        ).fetchone()[0]
    stored_keys = set(per_key)
    stored_ids = {e for _o, e in stored_keys}
    lost = sorted(e for e, origin in acked.items() if (origin, e) not in stored_keys)
    return {
        "stored": len(alarms),
        "distinct_stored": len(stored_keys),
        "distinct_sent": len(sent),
        "duplicates": sum(c - 1 for c in per_key.values() if c > 1),
        "acknowledged": len(acked),
        "acknowledged_lost": len(lost),
        "lost_sample": lost[:10],
        "unacknowledged_stored": len(stored_ids - set(acked)),
        "not_stored": len(sent - stored_ids),
        "foreign": len(stored_ids - sent),
        "incidents": incident_rows,
        "incidents_shared": sum(1 for c in alarms_per_incident.values() if c != 1),
        "alarm_lines_not_one": sum(1 for i in incidents if timeline.get(i, 0) != 1),
        "orphan_incidents": orphans,
    }


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    harness.ensure_venv()
    # Ctrl-C and SIGTERM both end the run through the cleanup (SIGINT explicitly: a shell
    # starts background jobs with it ignored).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--mqtt", type=int, default=700, help="presses over MQTT QoS 1")
    p.add_argument("--http", type=int, default=300, help="presses over HTTP")
    p.add_argument("--mqtt-rate", type=float, default=200, help="MQTT presses/s")
    p.add_argument("--http-senders", type=int, default=6, help="HTTP sender threads")
    p.add_argument("--kill-at", type=float, default=0.4, help="fraction committed at the kill")
    p.add_argument("--downtime", type=float, default=1.0, help="seconds between kill and restart")
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--timeout", type=float, default=150, help="max s for the burst after restart")
    p.add_argument("--redis-db", type=int, default=12)
    args = p.parse_args()
    total = args.mqtt + args.http
    if args.mqtt > 950:
        harness.log(
            "warning: more than ~1,000 MQTT presses can overflow Mosquitto's default "
            "max_queued_messages for the ingestor's session while it is down"
        )

    load_start = os.getloadavg()
    t0 = time.time()
    tag = f"D{os.getpid()}x{int(t0) % 1_000_000}"
    session = f"bench-durability-{os.getpid()}"
    db = alarmkit.run_database(RUN_DB)
    redis = alarmkit.RedisDB(args.redis_db)
    env = {"REDIS_URL": redis.url, "MQTT_URL": alarmkit.MQTT_URL}
    mqtt_buttons, http_buttons = pick(db, args.mqtt, args.http)
    tokens = harness.django_task(
        db, "device_tokens", payload=sorted({school_id for _d, _c, school_id in http_buttons})
    )
    mqtt_presses = [(f"{tag}-m{k}", d, c) for k, (d, c, _s) in enumerate(mqtt_buttons)]
    http_presses = [(f"{tag}-h{k}", d, tokens[str(s)]) for k, (d, _c, s) in enumerate(http_buttons)]
    origin_of = {e: d for e, d, _x in mqtt_presses + http_presses}
    sent = set(origin_of)

    ingestor = alarmkit.Ingestor(db, session, env)
    server = harness.Server(db, workers=args.workers, env=env)
    port = server.port
    mqtt_sender = http_senders = None
    stored = Stored(db, tag)
    timings: dict = {}
    at_kill: dict = {}
    try:
        ingestor.start()
        server.start()
        harness.log(
            f"burst: {args.mqtt} over MQTT at {args.mqtt_rate:g}/s + {args.http} over HTTP "
            f"({args.http_senders} senders); SIGKILL at {args.kill_at:.0%} committed; "
            f"load {alarmkit.machine_load()}"
        )
        mqtt_sender = MqttSender(tag, mqtt_presses, args.mqtt_rate)
        http_senders = HttpSenders(server.base_url, http_presses, args.http_senders)
        burst_start = time.monotonic()
        mqtt_sender.start()
        http_senders.start()

        kill_at = int(total * args.kill_at)
        while stored() < kill_at:
            if time.monotonic() - burst_start > args.timeout:
                raise TimeoutError(f"{kill_at} alarms not committed after {args.timeout} s")
            time.sleep(0.02)
        kill_time = time.monotonic()
        for group in (server.proc.pid, ingestor.pid):  # both at once, then reap them
            os.killpg(group, signal.SIGKILL)
        alarmkit.kill_server(server)
        ingestor.kill()
        timings["kill_after_s"] = kill_time - burst_start
        at_kill = {
            "committed": stored(),
            "http_acked": len(http_senders.acked),
            "mqtt_published": len(mqtt_sender.published),
            "mqtt_acked_by_broker": len(mqtt_sender.acked),
        }
        harness.log(f"SIGKILL server and ingestor after {timings['kill_after_s']:.1f} s: {at_kill}")
        time.sleep(args.downtime)
        # Both at once, as a supervisor would restart them.
        server = harness.Server(db, workers=args.workers, env=env, port=port)
        server.log_path = db.data_dir / f"server-{port}-restarted.log"
        errors: list[BaseException] = []

        def restart_ingestor() -> None:
            try:
                ingestor.start()
                timings["ingestor_down_s"] = time.monotonic() - kill_time
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                errors.append(exc)

        restarting = threading.Thread(target=restart_ingestor)
        restarting.start()
        server.start()
        timings["server_down_s"] = time.monotonic() - kill_time
        restarting.join()
        if errors:
            raise errors[0]
        harness.log(
            f"restarted: ingestor after {timings['ingestor_down_s']:.1f} s, server after "
            f"{timings['server_down_s']:.1f} s"
        )

        mqtt_sender.thread.join(args.timeout)
        mqtt_sender.retry_unacked(10)
        http_senders.join(args.timeout)
        deadline = time.monotonic() + args.timeout
        count, last_log = stored(), 0.0
        while count < total and time.monotonic() < deadline:
            if time.monotonic() - last_log > 5:
                harness.log(f"{count} of {total} committed")
                last_log = time.monotonic()
            time.sleep(0.2)
            count = stored()
        timings["all_committed_s"] = time.monotonic() - burst_start if count >= total else None
        time.sleep(1)  # a redelivery in flight would show as a duplicate
        ingest_stats = ingestor.stats()
    finally:
        alarmkit.cleanup(
            http_senders and http_senders.stop.set,
            lambda: server.stop(),  # the restarted one, if it came to that
            ingestor.stop,
            mqtt_sender and mqtt_sender.close,
            lambda: alarmkit.forget_session(alarmkit.ingest_client_id(session)),
            redis.cleanup,
            stored.close,
        )

    acked = {e: origin_of[e] for e in mqtt_sender.acked} | {
        e: origin_of[e] for e in http_senders.acked
    }
    result = check(db, tag, sent, acked)
    failures = []
    if result["acknowledged_lost"]:
        failures.append(f"{result['acknowledged_lost']} acknowledged alarms are not stored")
    if result["duplicates"]:
        failures.append(f"{result['duplicates']} duplicate alarms")
    if result["distinct_stored"] != result["distinct_sent"] or result["foreign"]:
        failures.append(
            f"{result['distinct_stored']} stored for {result['distinct_sent']} distinct event ids sent"
        )
    if result["incidents"] != result["stored"] or result["incidents_shared"]:
        failures.append("not exactly one incident per alarm")
    if result["alarm_lines_not_one"]:
        failures.append(f"{result['alarm_lines_not_one']} incidents without exactly one alarm line")
    if result["orphan_incidents"]:
        failures.append(f"{result['orphan_incidents']} incidents without an alarm")
    if http_senders.rejected:
        failures.append(f"{len(http_senders.rejected)} HTTP presses refused (4xx)")
    if len(acked) != total:
        failures.append(f"only {len(acked)} of {total} presses acknowledged to their senders")
    if not at_kill or at_kill["committed"] >= total:
        failures.append("the kill did not happen during the burst")
    verdict = "FAIL" if failures else "PASS"

    load_end = os.getloadavg()
    print(
        f"\nAlarm durability — SIGKILL of `safecampus serve` ({args.workers} workers) and "
        f"`safecampus ingest` during a burst of {total:,} alarms ({args.mqtt} MQTT QoS 1, "
        f"{args.http} HTTP); load average {load_start[0]:.2f} → {load_end[0]:.2f} on "
        f"{os.cpu_count()} cores (shared)\n"
    )
    rows = [
        ("presses sent (distinct event ids)", result["distinct_sent"]),
        ("acknowledged to their senders", result["acknowledged"]),
        (
            "  HTTP 201 (new) / 200 (already there)",
            f"{http_senders.statuses[201]} / {http_senders.statuses[200]}",
        ),
        ("  HTTP retries (error → count)", dict(http_senders.retried) or "-"),
        ("  MQTT PUBACKs from the broker", len(mqtt_sender.acked)),
        ("  MQTT republished (no PUBACK)", mqtt_sender.republished),
        ("at the kill: committed", at_kill.get("committed")),
        ("at the kill: HTTP acknowledged", at_kill.get("http_acked")),
        (
            "at the kill: MQTT published / PUBACKed",
            f"{at_kill.get('mqtt_published')} / {at_kill.get('mqtt_acked_by_broker')}",
        ),
        ("stored alarms (rows)", result["stored"]),
        ("acknowledged but not stored", result["acknowledged_lost"]),
        ("duplicates (origin, event id)", result["duplicates"]),
        ("sent but not stored", result["not_stored"]),
        ("incidents of these alarms", result["incidents"]),
        ("incidents with ≠ 1 alarm", result["incidents_shared"]),
        ("incidents with ≠ 1 'alarm' timeline line", result["alarm_lines_not_one"]),
        ("incidents without an alarm (whole database)", result["orphan_incidents"]),
        (
            "restarted ingestor: messages / presses taken / new alarms / db errors",
            f"{ingest_stats.get('received')} / {ingest_stats.get('alarms')} / "
            f"{ingest_stats.get('written')} / {ingest_stats.get('db_errors')}",
        ),
        ("kill after (s)", round(timings.get("kill_after_s", float("nan")), 1)),
        ("ingestor down (s)", round(timings.get("ingestor_down_s", float("nan")), 1)),
        ("server down (s)", round(timings.get("server_down_s", float("nan")), 1)),
        ("all committed after (s)", harness.fmt(timings.get("all_committed_s"))),
    ]
    harness.print_table(
        [{"what": w, "value": str(v)} for w, v in rows], [("what", "check"), ("value", "value")]
    )
    print()
    for failure in failures:
        print(f"FAIL: {failure}")
    print(
        f"{verdict}: {result['acknowledged']} acknowledged, {result['stored']} stored, "
        f"{result['acknowledged_lost']} lost, {result['duplicates']} duplicates"
    )
    path = harness.write_results(
        "alarm-durability.json",
        {
            "verdict": verdict,
            "failures": failures,
            "options": vars(args),
            "check": result,
            "at_kill": at_kill,
            "timings": timings,
            "http": {
                "statuses": dict(http_senders.statuses),
                "retried": dict(http_senders.retried),
                "rejected": http_senders.rejected,
            },
            "mqtt": {"acked": len(mqtt_sender.acked), "republished": mqtt_sender.republished},
            "ingestor": ingest_stats,
            "machine": {**harness.machine_info(), "load_start": load_start, "load_end": load_end},
        },
    )
    print(f"results: {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
