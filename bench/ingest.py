"""Device-message ingest benchmark: can `safecampus ingest` keep up with every camera of the demo
city sending a heartbeat a minute (96,697 cameras ≈ 1,612 messages/s) on this machine, with
Mosquitto, for `--duration` seconds (default 300) — and does a status change reach the API
within 5 s?

Runs against PostgreSQL `safecampus_bench_s1` (built or reused by the harness; the cameras are
added if the database predates them) and the broker at `MQTT_URL` (default
mqtt://127.0.0.1:1883). Steps:

1. broker alone: `mosquitto_pub -l` → `mosquitto_sub -C N` (or a paho pair without them),
   200,000 small messages, no database — the broker's own throughput on this machine now;
2. `safecampus ingest` as a subprocess (its counters from `--stats-file`), `safecampus serve`
   for the API probes;
3. burst: one heartbeat from every camera as fast as the publisher can — the ingestor's
   ceiling, and its ratio to the broker's;
4. steady: every camera once a minute (`--rate`, default cameras/60) for `--duration`, with a
   sample every 5 s of messages published and received (the difference is the backlog in the
   broker and the sockets), rows written, the device-`ts` → committed lag (p50/p95/max), the
   ingestor's CPU share (from /proc) and the load average;
5. probes every `--probe-every` s: a camera reports a fault, then recovers; the time until
   `GET /api/v1/devices/cameras/{id}` shows it.

Prints a table, writes `bench/results/ingest-s1-<duration>s.json`. Nothing is asserted: the
verdict line compares with the targets (rate reached, backlog not growing, probes < 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def ensure_devices(db: harness.BenchDB) -> int:
    cameras = db.scalar("SELECT COUNT(*) FROM devices_camera")
    if cameras:
        return cameras
    harness.log("the bench database predates the devices: generating them (devices/demo.py)")
    code = (
        "import random\n"
        "from django.db import transaction\n"
        "from django.utils import timezone\n"
        "from safecampus.audit.services import audit_suppressed\n"
        "from safecampus.devices.demo import devices_of\n"
        "from safecampus.orgs.models import OrgUnit\n"
        "with transaction.atomic(), audit_suppressed('bench: demo devices'):\n"
        "    for city in OrgUnit.objects.filter(kind='city'):\n"
        "        devices_of(city=city, rng=random.Random(f'2021-devices-{city.code}'), now=timezone.now())\n"
    )
    harness.manage(db, "shell", "-c", code)
    with db.connect() as conn:
        conn.execute("VACUUM ANALYZE devices_devicestate")
        conn.execute("VACUUM ANALYZE devices_camera")
    return db.scalar("SELECT COUNT(*) FROM devices_camera")


def mqtt_client(url: str, name: str):
    sys.path.insert(0, str(harness.REPO / "src"))
    from safecampus.devices import mqtt

    client = mqtt.client(url, f"bench-{name}-{os.getpid()}")
    client.max_queued_messages_set(0)
    host, port = client.safecampus_address
    client.connect(host, port, keepalive=30)
    client.loop_start()
    return client


def broker_throughput(url: str, n: int) -> dict:
    """Messages/s through the broker alone: a publisher and a subscriber, no database."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 1883)
    topic = f"bench/throughput/{os.getpid()}"
    payload = '{"ts":1767225600.123,"status":"ok"}'
    if shutil.which("mosquitto_pub") and shutil.which("mosquitto_sub") and not parts.username:
        sub = subprocess.Popen(
            ["mosquitto_sub", "-h", host, "-p", port, "-t", topic, "-C", str(n), "-q", "0"],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        started = time.perf_counter()
        pub = subprocess.Popen(
            ["mosquitto_pub", "-h", host, "-p", port, "-t", topic, "-l", "-q", "0"],
            stdin=subprocess.PIPE,
        )
        pub.communicate((payload + "\n").encode() * n)
        try:
            sub.wait(timeout=120)
            received = n
        except subprocess.TimeoutExpired:
            sub.kill()
            received = None
        seconds = time.perf_counter() - started
        return {
            "tool": "mosquitto_pub/sub",
            "messages": n,
            "received": received,
            "seconds": seconds,
            "per_s": n / seconds,
        }
    got = [0]
    done = threading.Event()
    sub = mqtt_client(url, "sub")
    sub.on_message = lambda c, u, m: (got.__setitem__(0, got[0] + 1), got[0] >= n and done.set())
    sub.subscribe(topic, qos=0)
    time.sleep(0.5)
    pub = mqtt_client(url, "pub")
    started = time.perf_counter()
    for _ in range(n):
        pub.publish(topic, payload, qos=0)
    done.wait(120)
    seconds = time.perf_counter() - started
    pub.disconnect(), sub.disconnect()
    return {
        "tool": "paho pair",
        "messages": n,
        "received": got[0],
        "seconds": seconds,
        "per_s": got[0] / seconds,
    }


class Publisher(threading.Thread):
    """Heartbeats for `topics` at `rate` messages/s, each device every len(topics)/rate s."""

    def __init__(self, url: str, topics: list[str], rate: float, duration: float):
        super().__init__(daemon=True)
        self.client = mqtt_client(url, "steady")
        self.topics, self.rate, self.duration = topics, rate, duration
        self.published = 0
        self.elapsed = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        started, index = time.monotonic(), 0
        while not self.stop.is_set() and time.monotonic() - started < self.duration:
            due = int((time.monotonic() - started) * self.rate) - self.published
            for _ in range(due):
                self.client.publish(self.topics[index], f'{{"ts":{time.time():.3f},"status":"ok"}}')
                index = (index + 1) % len(self.topics)
                self.published += 1
            time.sleep(0.005)
        self.elapsed = time.monotonic() - started
        self.client.disconnect()


def read_stats(path: Path) -> dict:
    for _ in range(20):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            time.sleep(0.05)
    return {}


def wait_for(predicate, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def main() -> None:
    harness.ensure_venv()
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--duration", type=float, default=300, help="seconds of steady load (default 300)"
    )
    p.add_argument("--rate", type=float, default=None, help="messages/s (default: cameras / 60)")
    p.add_argument("--broker-messages", type=int, default=200_000)
    p.add_argument("--probe-every", type=float, default=60)
    p.add_argument("--fresh", action="store_true", help="rebuild the bench database")
    args = p.parse_args()
    url = os.environ.get("MQTT_URL") or "mqtt://127.0.0.1:1883"
    load_start = os.getloadavg()

    db = harness.prepare_database(1, fresh=args.fresh)
    cameras = ensure_devices(db)
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT c.id, c.device_id, u.code FROM devices_camera c JOIN orgs_orgunit u "
            "ON u.id = c.school_id WHERE c.active ORDER BY c.id"
        ).fetchall()
    probes = rows[:: max(1, len(rows) // 7)][:6]
    probe_ids = {r[1] for r in probes}
    topics = [
        f"safecampus/{code}/{device_id}/status"
        for _pk, device_id, code in rows
        if device_id not in probe_ids
    ]
    rate = args.rate or cameras / 60
    harness.log(
        f"{cameras} cameras, steady rate {rate:.0f} msg/s for {args.duration:.0f} s; broker {url}"
    )

    harness.log(f"broker alone: {args.broker_messages} messages")
    broker = broker_throughput(url, args.broker_messages)
    harness.log(f"broker alone: {broker['per_s']:.0f} msg/s ({broker['tool']})")

    stats_file = db.data_dir / "ingest-stats.json"
    stats_file.unlink(missing_ok=True)
    ingest_log = open(db.data_dir / "ingest.log", "w")  # noqa: SIM115
    ingestor = subprocess.Popen(
        [
            str(harness.SAFECAMPUS),
            "ingest",
            "--stats-file",
            str(stats_file),
            "--log-interval",
            "10",
        ],
        env=db.env(MQTT_URL=url, LOG_LEVEL="INFO"),
        cwd=db.data_dir,
        stdout=ingest_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    result: dict = {
        "cameras": cameras,
        "rate_target": rate,
        "duration_s": args.duration,
        "broker": broker,
    }
    try:
        if not wait_for(lambda: read_stats(stats_file).get("connected"), 60, 0.5):
            raise RuntimeError(
                f"the ingestor did not connect:\n{(db.data_dir / 'ingest.log').read_text()[-3000:]}"
            )
        with harness.Server(db, workers=1) as server:
            token = harness.api_token(server.base_url, "admin")
            import httpx

            api = httpx.Client(
                base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            prober = mqtt_client(url, "probe")

            # Burst: every camera once, as fast as the publisher goes.
            before = read_stats(stats_file)
            burst_client = mqtt_client(url, "burst")
            started = time.perf_counter()
            for topic in topics:
                burst_client.publish(topic, f'{{"ts":{time.time():.3f},"status":"ok"}}')
            published_s = time.perf_counter() - started
            # Received until nothing more arrives for 10 s: QoS 0 messages the broker could not
            # hand over fast enough are dropped by it (max_queued_messages), so the count may
            # stop short of all of them; the rate is what the ingestor took, per second.
            target = before.get("valid", 0) + len(topics)
            last_valid, last_change = before.get("valid", 0), time.perf_counter()
            # 10 s: the counters are written after each batch, and a big batch takes a while.
            while time.perf_counter() - last_change < 10 and last_valid < target:
                time.sleep(0.05)
                valid = read_stats(stats_file).get("valid", 0)
                if valid != last_valid:
                    last_valid, last_change = valid, time.perf_counter()
            burst_s = last_change - started
            burst_client.disconnect()
            got = last_valid - before.get("valid", 0)
            result["burst"] = {
                "messages": len(topics),
                "received": got,
                "dropped_by_broker": len(topics) - got,
                "publish_s": published_s,
                "seconds": burst_s,
                "per_s": got / burst_s,
            }
            harness.log(
                f"burst: {got} of {len(topics)} taken in {burst_s:.1f} s = {got / burst_s:.0f} msg/s"
            )
            time.sleep(5)

            # Steady.
            publisher = Publisher(url, topics, rate, args.duration)
            samples, probe_results = [], []
            base = read_stats(stats_file)
            cpu0, t0 = cpu_seconds(ingestor.pid), time.monotonic()
            publisher.start()
            last_cpu, last_t, last_pub, last_written = cpu0, t0, 0, base.get("written", 0)
            next_probe = t0 + 10

            def probe(pk: int, device_id: str, code: str) -> dict:
                topic = f"safecampus/{code}/{device_id}/status"
                out = {"camera": pk}
                for status, body in (
                    ("fault", '{"status":"fault","fault":"VIDEO_LOSS"}'),
                    ("online", '{"status":"ok"}'),
                ):
                    sent = time.perf_counter()
                    prober.publish(topic, body, qos=1)
                    seen = wait_for(
                        lambda status=status: (
                            api.get(f"/api/v1/devices/cameras/{pk}").json().get("status") == status
                        ),
                        20,
                        0.1,
                    )
                    out[f"{status}_s"] = time.perf_counter() - sent if seen else None
                return out

            for _pk, device_id, code in probes:  # alive before the first probe
                prober.publish(f"safecampus/{code}/{device_id}/status", '{"status":"ok"}', qos=1)
            probe_index = 0
            while publisher.is_alive():
                time.sleep(5)
                now = time.monotonic()
                s = read_stats(stats_file)
                cpu = cpu_seconds(ingestor.pid)
                received = s.get("received", 0) - base.get("received", 0)
                sample = {
                    "t_s": round(now - t0, 1),
                    "published": publisher.published,
                    "received": received,
                    "backlog": publisher.published - received,
                    "pub_per_s": (publisher.published - last_pub) / (now - last_t),
                    "written_per_s": (s.get("written", 0) - last_written) / (now - last_t),
                    "cpu_pct": 100 * (cpu - last_cpu) / (now - last_t),
                    "lag_p50_ms": s.get("lag_ms", {}).get("p50"),
                    "lag_p95_ms": s.get("lag_ms", {}).get("p95"),
                    "lag_max_ms": s.get("lag_ms", {}).get("max"),
                    "malformed": s.get("malformed", 0),
                    "db_errors": s.get("db_errors", 0),
                    "load1": os.getloadavg()[0],
                }
                samples.append(sample)
                harness.log(
                    f"t={sample['t_s']:5.0f}s pub {sample['pub_per_s']:6.0f}/s backlog {sample['backlog']:6d} "
                    f"written {sample['written_per_s']:6.0f}/s cpu {sample['cpu_pct']:5.1f}% lag p95 {sample['lag_p95_ms']} ms load {sample['load1']:.1f}"
                )
                last_cpu, last_t, last_pub, last_written = (
                    cpu,
                    now,
                    publisher.published,
                    s.get("written", 0),
                )
                if now >= next_probe and publisher.is_alive():
                    for _pk, device_id, code in probes:
                        prober.publish(
                            f"safecampus/{code}/{device_id}/status", '{"status":"ok"}', qos=1
                        )
                    probe_results.append(probe(*probes[probe_index % len(probes)]))
                    harness.log(f"probe: {probe_results[-1]}")
                    probe_index += 1
                    next_probe = now + args.probe_every
            publisher.join()
            elapsed = time.monotonic() - t0
            time.sleep(3)
            final = read_stats(stats_file)
            cpu_total = cpu_seconds(ingestor.pid) - cpu0
            prober.disconnect()
    finally:
        ingestor.terminate()
        try:
            ingestor.wait(timeout=15)
        except subprocess.TimeoutExpired:
            ingestor.kill()
        ingest_log.close()

    received_total = final.get("received", 0) - base.get("received", 0)
    steady = [s for s in samples if s["t_s"] > 15]  # after the ramp-up
    third = max(1, len(steady) // 3)
    first_backlog = sum(s["backlog"] for s in steady[:third]) / third if steady else 0
    last_backlog = sum(s["backlog"] for s in steady[-third:]) / third if steady else 0
    lag95 = [s["lag_p95_ms"] for s in steady if s["lag_p95_ms"] is not None]
    probe_times = [v for r in probe_results for k, v in r.items() if k.endswith("_s")]
    summary = {
        "published": publisher.published,
        "received": received_total,
        "lost": publisher.published - received_total,
        "achieved_per_s": received_total / publisher.elapsed,
        "ingestor_cpu_pct": 100 * cpu_total / elapsed,
        "lag_p95_ms_max": max(lag95) if lag95 else None,
        "lag_p95_ms_median": sorted(lag95)[len(lag95) // 2] if lag95 else None,
        "backlog_first_third": first_backlog,
        "backlog_last_third": last_backlog,
        "ratio_to_broker": (received_total / elapsed) / broker["per_s"],
        "burst_ratio_to_broker": result["burst"]["per_s"] / broker["per_s"],
        "probe_max_s": max((t for t in probe_times if t is not None), default=None),
        "probes_missed": sum(1 for t in probe_times if t is None),
        "malformed": final.get("malformed", 0),
        "db_errors": final.get("db_errors", 0),
        "load_start": load_start,
        "load_end": os.getloadavg(),
    }
    result.update(
        summary=summary, samples=samples, probes=probe_results, machine=harness.machine_info()
    )
    ok = (
        summary["achieved_per_s"] >= 0.98 * rate
        and summary["backlog_last_third"] <= max(2 * rate, summary["backlog_first_third"] + rate)
        and summary["probe_max_s"] is not None
        and summary["probe_max_s"] < 5
        and not summary["probes_missed"]
    )
    result["verdict"] = "keeps up" if ok else "does NOT keep up"
    path = harness.write_results(f"ingest-s1-{int(args.duration)}s.json", result)

    print(
        f"\nIngest benchmark — {cameras:,} cameras, target {rate:,.0f} msg/s, {args.duration:.0f} s, load {load_start[0]:.1f} → {summary['load_end'][0]:.1f} (2-core machine shared with others)\n"
    )
    harness.print_table(
        [
            {"what": "broker alone (" + broker["tool"] + ")", "msg_s": broker["per_s"]},
            {
                "what": "ingestor ceiling (one heartbeat per camera, unpaced)",
                "msg_s": result["burst"]["per_s"],
                "ratio": summary["burst_ratio_to_broker"],
            },
            {
                "what": "ingestor steady (achieved)",
                "msg_s": summary["achieved_per_s"],
                "ratio": summary["ratio_to_broker"],
                "cpu": summary["ingestor_cpu_pct"],
                "lag95": summary["lag_p95_ms_median"],
                "lag95max": summary["lag_p95_ms_max"],
            },
        ],
        [
            ("what", "measure"),
            ("msg_s", "msg/s", 0),
            ("ratio", "÷ broker", 2),
            ("cpu", "ingestor CPU %", 1),
            ("lag95", "lag p95 ms (median)", 0),
            ("lag95max", "lag p95 ms (worst 10 s)", 0),
        ],
    )
    print(
        f"\npublished {summary['published']:,}, received {summary['received']:,} (lost {summary['lost']:,}); "
        f"backlog first third {summary['backlog_first_third']:.0f}, last third {summary['backlog_last_third']:.0f} messages; "
        f"malformed {summary['malformed']}, db errors {summary['db_errors']}"
    )
    print(
        "status change → API: "
        + ", ".join(
            f"fault {r.get('fault_s') and round(r['fault_s'], 2)} s / recovery {r.get('online_s') and round(r['online_s'], 2)} s"
            for r in probe_results
        )
    )
    print(f"verdict: {result['verdict']}   results: {path}")


if __name__ == "__main__":
    main()
