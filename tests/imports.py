"""Helpers of the import tests: one import through the pages (upload → columns → preview →
import) or the API, as a person or a client would do it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook


def xlsx(rows, *, title: str = "Sheet") -> bytes:
    """A workbook of the given rows as they are (title rows, header, data, footer …)."""
    wb = Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ledger(header: list, rows: list, *, totals: list | None = None) -> bytes:
    """A district officer's own ledger: a merged title row, a blank row, the header on row 3,
    the rows, a 合计 row and the signature line."""
    wb = Workbook()
    ws = wb.active
    ws.append(["烟台市芝罘区中小学校基本情况统计表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.append(["合计", *(totals or [])])
    ws.append(["填表人：张三　审核人：李四", *[None] * 7, "2026年9月1日"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload_url(key: str, school=None) -> str:
    return f"/imports/{key}/" + (f"?school={school.pk}" if school is not None else "")


def page_import(
    client, key, data, *, school=None, options=None, mapping=None, name="f.xlsx", confirm=True
):
    """Upload the file, send a column mapping if given, then confirm the import if the
    preview passed (and `confirm`). Answers the last response."""
    response = client.post(
        upload_url(key, school), {**(options or {}), "file": SimpleUploadedFile(name, data)}
    )
    staged = response.context.get("staged") if response.context else None
    if staged is None:
        return response
    preview = f"/imports/{key}/{staged.token}/"
    if mapping:
        form = {"step": "mapping", "header": list(mapping)}
        form |= {f"column-{i}": target for i, target in enumerate(mapping.values())}
        response = client.post(preview, form)
    if not confirm or response.context.get("outcome") is None:
        return response
    return client.post(preview, {"step": "import"})


def api_import(
    client, key, data, *, school=None, mapping=None, dry_run=False, filename="f.xlsx", **options
):
    import json

    form = {**options, "file": SimpleUploadedFile(filename, data)}
    if school is not None:
        form["school"] = school.pk
    if mapping is not None:
        form["mapping"] = json.dumps(mapping, ensure_ascii=False)
    if dry_run:
        form["dry_run"] = "true"
    return client.post(f"/api/v1/imports/{key}", form)
