"""What an oversized workbook costs the server: a school workbook of one million data rows
(built once with openpyxl's write-only mode and kept in the temp folder) sent to the import
pipeline, which must refuse it at IMPORT_MAX_ROWS while streaming.

    .venv/bin/python bench/import_limits.py [--rows 1000000] [--max-rows 20000]

Runs in one process against an in-memory SQLite database (the test settings), as a district
officer. Prints, for the pipeline call alone and for the whole API request
(POST /api/v1/imports/schools through Django's test client): wall time, the increase of the
process's peak RSS (resource.getrusage) and the peak of Python allocations (tracemalloc, in
a separate run since tracing slows it down), and the answer's size and message.

The limit the task set: refused in under 5 s with under 100 MB of extra memory (before the
pipeline: 72 s, 1.8 GB and a 259 MB answer).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings.test")
for name in ("DATABASE_URL", "REDIS_URL", "MQTT_URL"):
    os.environ.pop(name, None)

HEADER = ["学校代码", "学校名称", "学校类型", "办学性质", "寄宿制", "学生数", "教职工数"]


def workbook(rows: int) -> Path:
    """The big workbook, built once (write-only mode streams it to disk)."""
    path = Path(tempfile.gettempdir()) / f"safecampus-bench-schools-{rows}-v2.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("学校")
    ws.append(HEADER)
    for n in range(rows):  # short, mostly repeated cells: a small file of many rows
        ws.append([n, "校", "小学", "公办", "否", 100, 10])
    wb.save(path)
    print(f"built {path} ({rows:,} rows) in {time.perf_counter() - started:.1f} s")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--max-rows", type=int, default=None, help="IMPORT_MAX_ROWS (default: settings)"
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=None,
        help="MAX_UPLOAD_BYTES (default: settings, 20 MB; a million rows of the seven required "
        "columns take ~25 MB, so raise it to reach the row limit with them)",
    )
    args = parser.parse_args()

    path = workbook(args.rows)
    data = path.read_bytes()

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    if args.max_rows is not None:
        settings.IMPORT_MAX_ROWS = args.max_rows
    if args.max_bytes is not None:
        settings.MAX_UPLOAD_BYTES = args.max_bytes
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.FILE_UPLOAD_MAX_MEMORY_SIZE = args.max_bytes
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)

    from safecampus.access.models import RoleAssignment
    from safecampus.accounts.models import User
    from safecampus.core.excel import WorkbookError
    from safecampus.imports.pipeline import import_run
    from safecampus.orgs.importers import SchoolImporter
    from safecampus.orgs.models import OrgUnit

    city = OrgUnit.objects.create(kind="city", name="测试市", code="T1", path="/T1/", depth=1)
    district = OrgUnit.objects.create(
        kind="district", name="甲区", code="TA", parent=city, path="/T1/TA/", depth=2
    )
    user = User.objects.create_user(username="district_a", password="x" * 20)
    user.password_changed_at = timezone.now()
    user.save()
    RoleAssignment.objects.create(user=user, unit=district, role="district_officer")

    print(
        f"workbook: {args.rows:,} data rows, {len(data) / 1e6:.1f} MB; "
        f"MAX_UPLOAD_BYTES={settings.MAX_UPLOAD_BYTES:,}, IMPORT_MAX_ROWS={settings.IMPORT_MAX_ROWS:,}, "
        f"IMPORT_MAX_ERRORS={settings.IMPORT_MAX_ERRORS}"
    )

    def pipeline() -> str:
        try:
            import_run(importer=SchoolImporter(user=user), data=data, filename=path.name)
        except WorkbookError as exc:
            return str(exc)
        return "imported (not refused!)"

    def api() -> str:
        client = Client()
        client.force_login(user)
        response = client.post(
            "/api/v1/imports/schools", {"file": SimpleUploadedFile(path.name, data)}
        )
        body = response.json()["error"] if response.status_code == 400 else response.json()
        return f"HTTP {response.status_code}, {len(response.content):,} bytes: {body}"[:240]

    for label, call in (("pipeline", pipeline), ("API request", api)):
        before = peak_rss_mb()
        started = time.perf_counter()
        answer = call()
        seconds = time.perf_counter() - started
        rss = peak_rss_mb() - before
        tracemalloc.start()
        call()
        _current, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{label:12} {seconds:6.2f} s   peak RSS +{rss:6.1f} MB   "
            f"peak Python allocations {traced / 1e6:6.1f} MB\n             → {answer}"
        )


if __name__ == "__main__":
    main()
