"""The cost of sealing the audit trail (issue 12 item 5): one audit entry written plainly (one
INSERT, as before the chain) against one written into the HMAC-SM3 chain (lock the head, read
the database's time, seal, INSERT, move the head), alone and in batches of 500; N processes
appending at once (serialised on the chain head), after which the chain must verify; the
verifier's speed; and (PostgreSQL) how long one-entry writers — an alarm's transaction — wait
while a long writer (an import writing rows and their entries for `--long-seconds`) runs,
with its entries appended as they come and held back to its end (`chain_deferred`).

    python bench/audit_chain.py                 # PostgreSQL (BENCH_PG_URL) and SQLite
    python bench/audit_chain.py --only sqlite --entries 1000 --processes 2
    python bench/audit_chain.py --only postgresql --long-seconds 5

Works on a throw-away database (PostgreSQL: safecampus_bench_audit_<pid>, dropped at the end;
SQLite: a temporary file) and a throw-away key.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from harness import PG_URL, db_create, db_drop, ensure_venv  # noqa: E402


def _setup(database_url: str | None, data_dir: str) -> None:
    os.environ["SAFECAMPUS_DATA_DIR"] = data_dir
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["DJANGO_SETTINGS_MODULE"] = "safecampus.config.settings.base"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def _entry(i: int):
    from safecampus.audit.models import AuditEntry

    return AuditEntry(
        action="export",
        username="bench",
        channel="cli",
        object_type="hazards.hazard",
        object_id=str(i),
        object_repr=f"隐患 {i}",
        after={"status": "reported", "description": "教学楼二楼消防栓箱门损坏" * 3},
        message="导出隐患台账",
    )


def _plain_one(i: int) -> None:
    from django.db import models, transaction

    from safecampus.audit.models import AuditEntry

    plain: models.QuerySet = models.QuerySet(AuditEntry)
    with transaction.atomic():
        plain.bulk_create([_entry(i)])


def _chained_one(i: int) -> None:
    from django.db import transaction

    with transaction.atomic():
        _entry(i).save()


def _plain_batch(n: int) -> None:
    from django.db import models, transaction

    from safecampus.audit.models import AuditEntry

    plain: models.QuerySet = models.QuerySet(AuditEntry)
    with transaction.atomic():
        plain.bulk_create([_entry(i) for i in range(n)])


def _chained_batch(n: int) -> None:
    from django.db import transaction

    from safecampus.audit.models import AuditEntry

    with transaction.atomic():
        AuditEntry.objects.bulk_create([_entry(i) for i in range(n)])


def _timed(fn, arg, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(arg if arg is not None else i)
        times.append(time.perf_counter() - start)
    return times


def _worker(database_url: str | None, data_dir: str, n: int, start_at, queue) -> None:
    _setup(database_url, data_dir)
    start_at.wait()
    begin = time.perf_counter()
    for i in range(n):
        _chained_one(i)
    queue.put(time.perf_counter() - begin)


def _long_writer(database_url, data_dir, seconds: float, deferred: bool, start_at, done) -> None:
    """One transaction of `seconds` writing entries in steps of 20 every 50 ms, as an import's
    write phase does with its rows' entries."""
    _setup(database_url, data_dir)
    from contextlib import nullcontext

    from django.db import transaction

    from safecampus.audit.chain import chain_deferred
    from safecampus.audit.models import AuditEntry

    start_at.wait()
    with transaction.atomic(), chain_deferred() if deferred else nullcontext():
        end, i = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            AuditEntry.objects.bulk_create([_entry(i + k) for k in range(20)])
            i += 20
            time.sleep(0.05)  # the rows themselves
    done.set()


def measure_long_writer(database_url: str, data_dir: str, seconds: float) -> None:
    from django.db import connections

    for deferred in (False, True):
        connections.close_all()
        ctx = multiprocessing.get_context("spawn")
        start_at, done = ctx.Event(), ctx.Event()
        writer = ctx.Process(
            target=_long_writer, args=(database_url, data_dir, seconds, deferred, start_at, done)
        )
        writer.start()
        time.sleep(8.0)  # it sets Django up
        start_at.set()
        time.sleep(0.2)  # it is writing
        waits = []
        while not done.is_set():
            begin = time.perf_counter()
            _chained_one(0)
            waits.append(time.perf_counter() - begin)
            time.sleep(0.02)
        writer.join()
        waits.sort()
        how = "held back to its end" if deferred else "appended as written "
        print(
            f"  one-entry writers during a {seconds:.0f} s writer, its entries {how}: "
            f"{len(waits)} appends, median {statistics.median(waits) * 1000:7.1f} ms, "
            f"p99 {waits[int(0.99 * (len(waits) - 1))] * 1000:7.1f} ms, max {waits[-1] * 1000:7.1f} ms"
        )


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"median {statistics.median(values) * 1000:7.3f} ms   p95 {p95 * 1000:7.3f} ms"


def _prepare(database_url: str | None, data_dir: str) -> None:
    _setup(database_url, data_dir)
    from django.conf import settings
    from django.core.management import call_command

    from safecampus.core.crypto import key_create

    key_create(settings.SAFECAMPUS_AUDIT_KEY_FILE)
    call_command("migrate", verbosity=0)


def measure_plain(database_url: str | None, data_dir: str, entries: int) -> None:
    """Before: the INSERT alone, in a database of its own (its unsealed rows would break the
    other's chain)."""
    _prepare(database_url, data_dir)
    _timed(_plain_one, None, 50)  # warm up: connection, caches
    print(
        f"  one entry per transaction,   plain INSERT (before)        {_ms(_timed(_plain_one, None, entries))}"
    )
    _batches("plain INSERT (before)", _plain_batch, entries)


def _batches(name: str, fn, entries: int) -> None:
    times = _timed(fn, 500, max(entries // 500, 3))
    per = statistics.median(times) / 500 * 1e6
    print(
        f"  500 entries per transaction, {name:28s} median {statistics.median(times) * 1000:7.1f} ms = {per:6.1f} µs/entry"
    )


def measure_chained(
    database_url: str | None, data_dir: str, entries: int, processes: int, long_seconds: float
) -> None:
    _prepare(database_url, data_dir)
    from django.db import connections

    from safecampus.audit.chain import chain_verify

    _timed(_chained_one, None, 50)
    print(
        f"  one entry per transaction,   sealed chain append (after) {_ms(_timed(_chained_one, None, entries))}"
    )
    _batches("sealed chain append (after)", _chained_batch, entries)
    connections.close_all()
    # Fresh interpreters: no connection or pool is shared with this process.
    ctx = multiprocessing.get_context("spawn")
    start_at, queue = ctx.Event(), ctx.Queue()
    per = max(entries // processes, 1)
    workers = [
        ctx.Process(target=_worker, args=(database_url, data_dir, per, start_at, queue))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    time.sleep(8.0)  # each sets Django up
    begin = time.perf_counter()
    start_at.set()
    for w in workers:
        w.join()
    wall = time.perf_counter() - begin
    print(
        f"  {processes} processes × {per} sealed appends at once: {wall:.2f} s, {processes * per / wall:,.0f} entries/s"
    )
    begin = time.perf_counter()
    report = chain_verify()
    took = time.perf_counter() - begin
    state = "whole" if report.broken is None else f"BROKEN: {report.broken}"
    print(
        f"  audit-verify: {report.checked:,} entries in {took:.2f} s ({report.checked / took:,.0f}/s), chain {state}"
    )
    if report.broken is not None:
        raise SystemExit(1)
    if database_url and long_seconds:
        measure_long_writer(database_url, data_dir, long_seconds)
        report = chain_verify()
        print(
            f"  after the long writers: chain {'whole' if report.broken is None else report.broken}"
        )
        if report.broken is not None:
            raise SystemExit(1)


def _in_process(target, *args) -> None:
    proc = multiprocessing.get_context("spawn").Process(target=target, args=args)
    proc.start()
    proc.join()
    if proc.exitcode:
        raise SystemExit(proc.exitcode)


def main() -> None:
    ensure_venv()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--long-seconds", type=float, default=5, help="0: no long writer")
    args = parser.parse_args()
    for target in [args.only] if args.only else ["postgresql", "sqlite"]:
        print(f"\n== {target}: {args.entries} entries per measure")
        for kind in ("plain", "chained"):
            data_dir = tempfile.mkdtemp(prefix="safecampus-bench-audit-")
            name = f"safecampus_bench_audit_{kind}_{os.getpid()}" if target == "postgresql" else ""
            if name:
                db_create(name)
            url = f"{PG_URL}/{name}" if name else None
            try:
                if kind == "plain":
                    _in_process(measure_plain, url, data_dir, args.entries)
                else:
                    _in_process(
                        measure_chained,
                        url,
                        data_dir,
                        args.entries,
                        args.processes,
                        args.long_seconds,
                    )
            finally:
                if name:
                    db_drop(name)


if __name__ == "__main__":
    main()
