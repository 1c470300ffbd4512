"""Tasks the benchmarks run inside Django, against the database in DATABASE_URL.

Run by `harness.django_task()` with the bench environment (production settings); each task
prints its result as JSON on the last line of stdout. Not meant to be run by hand, though

    DATABASE_URL=... SECRET_KEY=... DJANGO_SETTINGS_MODULE=safecampus.config.settings.production \
        .venv/bin/python bench/djtasks.py sessions city_officer

works. Tasks:

  sessions USER...                 a logged-in session key per user  -> {user: key}
  session_keys USER...             a new session key for each argument, repeats allowed -> [key]
  device_tokens < [school_id]      a school-wide device token per school, issued by the school's
                                   district officer -> {school_id: "scd_…"}
  alarm_write --n N --prefix P [--batch K] < [device_id]
                                   time N alarm writes in-process (the ingestor's write, K
                                   presses per transaction) and the SQL of one, the CPU per
                                   alarm, and the board feed read
                                   -> {batch, write_ms: [...], cpu_ms_per_alarm, queries: [...], feed_ms: ...}
  capture [--cpu-runs N] < [{key, path, kind, token|session}]
                                   the SQL each GET runs in-process, and the median CPU time
                                   of N more in-process GETs -> {key: {status, queries, cpu_ms}}
  workbook --out PATH [--types basic|all] [--user admin]
                                   the school workbook of the user's scope -> {rows, path, bytes}
  import --file PATH [--user admin] [--repeat N]
                                   time the school import (imports.pipeline) -> {runs: [{seconds, created, ...}]}
"""

import argparse
import json
import os
import statistics
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings.production")
    import django

    django.setup()


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def task_sessions(args) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from safecampus.accounts.middleware import LAST_SEEN

    keys = {}
    for username in args.users:
        user = _user(username)
        if getattr(user, "password_expired", None) and user.password_expired():
            print(
                f"warning: {username}'s password has expired; pages will redirect to the change form",
                file=sys.stderr,
            )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[LAST_SEEN] = int(time.time())
        session.create()
        keys[username] = session.session_key
    return keys


def task_session_keys(args) -> list:
    keys = task_sessions(argparse.Namespace(users=sorted(set(args.users))))
    # One session per argument: the first use of a name takes the key made above, repeats
    # get their own.
    out, used = [], set()
    for username in args.users:
        if username in used:
            out.append(task_sessions(argparse.Namespace(users=[username]))[username])
        else:
            used.add(username)
            out.append(keys[username])
    return out


def task_device_tokens(args) -> dict:
    from safecampus.access.models import RoleAssignment
    from safecampus.audit.context import Actor, acting_as
    from safecampus.devices.services import device_token_issue
    from safecampus.orgs.models import School

    out = {}
    for school in School.objects.filter(pk__in=json.load(sys.stdin)).select_related("unit"):
        officer = (
            RoleAssignment.objects.filter(role="district_officer", unit_id=school.district_id)
            .select_related("user")
            .first()
        )
        if officer is None:
            raise SystemExit(f"school {school.unit.code} has no district officer")
        user = officer.user
        with acting_as(Actor(user_id=user.pk, username=user.username, channel="cli")):
            _token, raw = device_token_issue(user=user, school=school, name="bench")
        out[str(school.pk)] = raw
    return out


def _table(sql: str) -> str:
    for marker in (' FROM "', ' INTO "', 'UPDATE "'):
        if marker in sql:
            return sql.split(marker, 1)[1].split('"', 1)[0]
    return ""


def task_alarm_write(args) -> dict:
    """The ingestor's write of presses (emergency.ingest.AlarmHandler.write_batch: the button
    lookup, then alarms_receive_batch: incidents, alarms, timeline lines, notifications, audit;
    commit; the board publish after commit), timed N times in this process — one press per
    transaction, or `--batch K` presses per transaction as the ingestor writes what queued up
    meanwhile — plus the SQL of one write and this process's CPU per alarm
    (time.process_time()), and the command board's periodic catch-up read (board_events) of an
    up-to-date city officer right after them. The handler's lookups (plans, recipients,
    endpoints) are warmed first with one press per device, as they are in a running ingestor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safecampus.audit.context import Actor, acting_as
    from safecampus.emergency.ingest import AlarmHandler
    from safecampus.emergency.intake import AlarmMessage
    from safecampus.emergency.selectors import board_cursor, board_events

    devices = json.load(sys.stdin)
    handler = AlarmHandler(ingestor=None)
    school_of = {}
    from safecampus.devices.models import AlarmButton

    for device_id, code in AlarmButton.objects.filter(device_id__in=devices).values_list(
        "device_id", "school__unit__code"
    ):
        school_of[device_id] = code
    serial = iter(range(10**9))

    def presses(k: int) -> list:
        out = []
        for _ in range(k):
            i = next(serial)
            device_id = devices[i % len(devices)]
            out.append(
                (
                    AlarmMessage(device_id, f"{args.prefix}-{i}", time.time(), False),
                    school_of[device_id],
                    time.time(),
                )
            )
        return out

    times, queries = [], []
    with acting_as(Actor(channel="task", username="ingest")):
        for start in range(0, len(devices), 50):  # warm-up: every device once
            handler.write_batch(presses(min(50, len(devices) - start)))
        with CaptureQueriesContext(connection) as captured:  # the SQL of one write
            handler.write_batch(presses(args.batch))
        queries = [
            {"sql": q["sql"][:300], "table": _table(q["sql"]), "ms": float(q["time"]) * 1000}
            for q in captured.captured_queries
        ]
        rounds = max(1, args.n // args.batch)
        cpu = time.process_time()
        for _ in range(rounds):
            batch = presses(args.batch)
            started = time.perf_counter()
            handler.write_batch(batch)
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu) * 1000 / (rounds * args.batch)
    # A board that is up to date re-reads the last REPLAY_MARGIN lines of the last
    # RECOMMIT_WINDOW on every catch-up round (consumers.CATCH_UP_S) and drops what it has.
    user = _user(args.user)
    cursor = board_cursor()
    feed = []
    for _ in range(5):
        started = time.perf_counter()
        events = board_events(user=user, after=cursor)
        feed.append((time.perf_counter() - started) * 1000)
    return {
        "batch": args.batch,
        "write_ms": times,
        "cpu_ms_per_alarm": cpu_ms,
        "queries": queries,
        "feed_ms": statistics.median(feed),
        "feed_events": len(events),
    }


def task_capture(args) -> dict:
    """Send each GET through Django in-process (the same middleware and views as the server)
    and record every SQL statement it runs. The second of two requests is kept, so one-off
    first-request work does not count. Then `--cpu-runs` more requests, timed with
    time.process_time(): this process's CPU only (views, templates, ORM, psycopg decoding; not
    PostgreSQL, not the ASGI server), so other load on the machine hardly changes it."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    requests = json.load(sys.stdin)
    out = {}
    for item in requests:
        client = Client(HTTP_HOST="127.0.0.1")
        headers = {}
        if item["kind"] == "api":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {item['token']}"
        else:
            client.cookies["sessionid"] = item["session"]
        client.get(item["path"], **headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(item["path"], **headers)
        # Read now: the next request's request_started signal clears the connection's log.
        queries = [
            {"sql": q["sql"], "django_ms": float(q["time"]) * 1000}
            for q in captured.captured_queries
        ]
        cpu = []
        for _ in range(args.cpu_runs):
            started = time.process_time()
            client.get(item["path"], **headers)
            cpu.append((time.process_time() - started) * 1000)
        out[item["key"]] = {
            "status": response.status_code,
            "queries": queries,
            "cpu_ms": statistics.median(cpu) if cpu else None,
        }
    return out


def task_workbook(args) -> dict:
    from safecampus.orgs import excel
    from safecampus.orgs.choices import BASIC_SCHOOL_TYPES
    from safecampus.orgs.selectors import school_list

    user = _user(args.user)
    schools = school_list(user=user, action="school.export")
    if args.types == "basic":
        schools = schools.filter(school_type__in=BASIC_SCHOOL_TYPES)
    rows = list(schools)
    data = excel.workbook_bytes(excel.school_row(s) for s in rows)
    with open(args.out, "wb") as fh:
        fh.write(data)
    return {"rows": len(rows), "path": args.out, "bytes": len(data)}


def task_import(args) -> dict:
    from safecampus.audit.context import Actor, acting_as
    from safecampus.core.excel import read_rows
    from safecampus.imports.pipeline import import_run
    from safecampus.orgs import excel
    from safecampus.orgs.importers import SchoolImporter

    user = _user(args.user)
    with open(args.file, "rb") as fh:
        data = fh.read()
    started = time.perf_counter()
    parsed = len(read_rows(data, excel.COLUMNS))  # the workbook parse alone, for the breakdown
    parse_seconds = time.perf_counter() - started
    runs = []
    for _ in range(args.repeat):
        with acting_as(Actor(user_id=user.pk, username=user.username, channel="cli")):
            started = time.perf_counter()
            importer = SchoolImporter(user=user)
            filename = os.path.basename(args.file)
            result = import_run(importer=importer, data=data, filename=filename).result
            seconds = time.perf_counter() - started
        runs.append(
            {
                "seconds": seconds,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
    return {"runs": runs, "parse_seconds": parse_seconds, "parsed_rows": parsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="task", required=True)
    p = sub.add_parser("sessions")
    p.add_argument("users", nargs="+")
    p = sub.add_parser("session_keys")
    p.add_argument("users", nargs="+")
    sub.add_parser("device_tokens")
    p = sub.add_parser("alarm_write")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--prefix", required=True)
    p.add_argument("--batch", type=int, default=1, help="presses per transaction")
    p.add_argument("--user", default="city_officer")
    p = sub.add_parser("capture")
    p.add_argument("--cpu-runs", type=int, default=0)
    p = sub.add_parser("workbook")
    p.add_argument("--out", required=True)
    p.add_argument("--types", choices=["basic", "all"], default="basic")
    p.add_argument("--user", default="admin")
    p = sub.add_parser("import")
    p.add_argument("--file", required=True)
    p.add_argument("--user", default="admin")
    p.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    _setup()
    result = globals()[f"task_{args.task}"](args)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
