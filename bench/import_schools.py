"""How long importing the city's school workbook (1,587 schools and kindergartens) takes.

    .venv/bin/python bench/import_schools.py [--types basic|all] [--repeat 3] [--fresh]

1. Builds the workbook from the scale-1 bench database (safecampus_bench_s1, the demo city of
   烟台市): every school of `--types basic` (the 1,587 schools and kindergartens) or `all`
   (also the 14 universities and 420 training institutions: 2,021 rows), exported by the
   app's own orgs.excel exactly as the export button writes it.
2. (a) "update": imports it back into the same database. Every row matches an existing school
   by code and nothing changed, so this is the validate-and-compare path with no row writes.
3. (b) "fresh": imports it into a copy of that database with every school removed but the
   city, its 14 districts and the users kept (CREATE DATABASE … TEMPLATE, then DELETE of the
   school units, their profiles and their role assignments). Every row is created.

Each is timed two ways: through the production server (POST /api/v1/imports/schools as the
city admin, multipart upload, wall time seen by the client) and in-process (the
import_run(SchoolImporter) call alone, no HTTP). (b) gets a new database copy per run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

harness.ensure_venv()

SKELETON = "safecampus_bench_import_skel"
RUN_DB = "safecampus_bench_import_run"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = [
    ("scenario", "scenario"),
    ("via", "via"),
    ("rows", "rows"),
    ("runs", "runs"),
    ("median_s", "median s", 2),
    ("min_s", "min s", 2),
    ("max_s", "max s", 2),
    ("rows_per_s", "rows/s", 0),
    ("outcome", "outcome"),
]


def post_import(base_url: str, token: str, path: Path) -> tuple[float, dict]:
    import httpx

    data = path.read_bytes()
    started = time.perf_counter()
    response = httpx.post(
        f"{base_url}/api/v1/imports/schools",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (path.name, data, XLSX)},
        timeout=300,
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"import: HTTP {response.status_code} {response.text[:500]}")
    return seconds, response.json()


def make_skeleton(source: harness.BenchDB) -> harness.BenchDB:
    """A copy of `source` without schools: the org tree down to the districts, and the users."""
    harness.db_drop(SKELETON)
    harness.db_create(
        SKELETON, template=source.name, comment=f"{harness.MARKER} import skeleton of {source.name}"
    )
    skeleton = harness.BenchDB(SKELETON)
    with skeleton.connect(autocommit=False) as conn:
        conn.execute(
            "DELETE FROM access_roleassignment WHERE unit_id IN (SELECT id FROM orgs_orgunit WHERE kind = 'school')"
        )
        conn.execute("DELETE FROM orgs_school")
        conn.execute("DELETE FROM orgs_orgunit WHERE kind = 'school'")
        conn.commit()
    with skeleton.connect() as conn:
        conn.execute("VACUUM ANALYZE")
    return skeleton


def fresh_copy(skeleton: harness.BenchDB) -> harness.BenchDB:
    harness.db_drop(RUN_DB)
    harness.db_drop(SKELETON)
    harness.db_create(RUN_DB, template=skeleton.name, comment=f"{harness.MARKER} import run")
    return harness.BenchDB(RUN_DB)


def row(scenario: str, via: str, rows: int, seconds: list[float], outcome: dict) -> dict:
    median = statistics.median(seconds)
    return {
        "scenario": scenario,
        "via": via,
        "rows": rows,
        "runs": len(seconds),
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "rows_per_s": rows / median,
        "seconds": seconds,
        "outcome": " ".join(
            f"{k} {outcome.get(k, 0)}" for k in ("created", "updated", "unchanged")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--types",
        choices=["basic", "all"],
        default="basic",
        help="basic: the 1,587 schools and kindergartens; all: also universities and training (2,021)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--fresh", action="store_true", help="regenerate the scale-1 database first"
    )
    parser.add_argument(
        "--limit-s",
        type=float,
        default=10.0,
        help="the requirement: import under this many seconds",
    )
    args = parser.parse_args()

    source = harness.prepare_database(1, fresh=args.fresh)
    harness.RESULTS_DIR.mkdir(exist_ok=True)
    workbook = harness.RESULTS_DIR / f"schools-{args.types}.xlsx"
    info = harness.django_task(source, "workbook", "--out", str(workbook), "--types", args.types)
    n = info["rows"]
    harness.log(
        f"workbook {workbook.relative_to(harness.REPO)}: {n} rows, {info['bytes'] / 1024:.0f} KiB"
    )

    results = []
    # (a) update: the same rows, unchanged, into the database they came from.
    with harness.Server(source, workers=args.workers) as server:
        token = harness.api_token(server.base_url, "admin")
        runs = [post_import(server.base_url, token, workbook) for _ in range(args.repeat)]
    results.append(row("update (unchanged)", "HTTP API", n, [s for s, _ in runs], runs[-1][1]))
    inproc = harness.django_task(
        source, "import", "--file", str(workbook), "--repeat", str(args.repeat)
    )
    results.append(
        row(
            "update (unchanged)",
            "in-process",
            n,
            [r["seconds"] for r in inproc["runs"]],
            inproc["runs"][-1],
        )
    )
    parse_seconds = inproc["parse_seconds"]

    # (b) fresh: every row created, in a copy of the city without schools.
    skeleton = make_skeleton(source)
    harness.log(
        f"{SKELETON}: {skeleton.scalar('SELECT count(*) FROM orgs_orgunit')} org units, "
        f"{skeleton.scalar('SELECT count(*) FROM orgs_school')} schools"
    )
    api_runs, inproc_runs = [], []
    for _ in range(args.repeat):
        target = fresh_copy(skeleton)
        with harness.Server(target, workers=args.workers) as server:
            token = harness.api_token(server.base_url, "admin")
            api_runs.append(post_import(server.base_url, token, workbook))
        target = fresh_copy(skeleton)
        inproc_runs.append(
            harness.django_task(target, "import", "--file", str(workbook))["runs"][0]
        )
    harness.db_drop(RUN_DB)
    harness.db_drop(SKELETON)
    results.append(row("fresh (all new)", "HTTP API", n, [s for s, _ in api_runs], api_runs[-1][1]))
    results.append(
        row(
            "fresh (all new)", "in-process", n, [r["seconds"] for r in inproc_runs], inproc_runs[-1]
        )
    )

    print(
        f"\nSafeCampus school import — {n}-row workbook ({args.types}, {info['bytes'] / 1024:.0f} KiB) on PostgreSQL, "
        f"{args.repeat} runs each; HTTP API = POST /api/v1/imports/schools to the production server "
        f"({args.workers} worker), in-process = import_run() alone\n"
    )
    harness.print_table(results, COLUMNS)
    print(f"\nworkbook parse alone (openpyxl read_rows): {parse_seconds:.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    worst = max(r["max_s"] for r in results)
    verdict = "meets" if worst < args.limit_s else "MISSES"
    print(f"slowest run {worst:.2f} s: {verdict} the {args.limit_s:g} s requirement")
    expected = {"update (unchanged)": "unchanged", "fresh (all new)": "created"}
    for r in results:
        if f"{expected[r['scenario']]} {n}" not in r["outcome"]:
            print(
                f"warning: {r['scenario']} via {r['via']} gave {r['outcome']}, expected {expected[r['scenario']]} {n}"
            )
    path = harness.write_results(
        f"import-{args.types}.json",
        {
            "benchmark": "import_schools",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "args": vars(args),
            "workbook": {**info, "path": str(workbook)},
            "parse_seconds": parse_seconds,
            "machine": harness.machine_info(),
            "rows": results,
        },
    )
    print(f"results: {path.relative_to(harness.REPO)}")


if __name__ == "__main__":
    main()
