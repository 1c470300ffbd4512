"""Workbooks as the bureaus use them: one sheet, a header row of Chinese column names, one
record a row. Each layout (schools, risk catalogs, …) declares its columns; reading and
writing, and the checks every import shares, live here."""

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    required: bool = True


class WorkbookError(ValueError):
    """The file cannot be read as the expected workbook at all."""


def workbook_bytes(columns: list[Column], rows, title: str) -> bytes:
    """An .xlsx with the header row (required columns in red) and the given rows."""
    return sheets_bytes([(title, columns, rows)])


def sheets_bytes(sheets) -> bytes:
    """An .xlsx of several sheets, each (title, columns, rows), laid out alike."""
    wb = Workbook()
    wb.remove(wb.active)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append([c.header for c in columns])
        for idx, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=idx)
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center")
            ws.column_dimensions[get_column_letter(idx)].width = column.width
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_rows(data: bytes, columns: list[Column]) -> list[tuple[int, dict]]:
    """(row number, {column key: raw cell value}) for every non-empty data row of the first
    sheet; the header row must name every column (in any order)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
        raise WorkbookError(_("文件不是有效的 Excel（.xlsx）文件")) from exc
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise WorkbookError(_("工作表为空"))
        header = [str(h).strip() if h is not None else "" for h in header]
        missing = [c.header for c in columns if c.header not in header]
        if missing:
            raise WorkbookError(
                _("缺少列：%(columns)s（请使用导出的模板）") % {"columns": "、".join(missing)}
            )
        positions = {c.key: header.index(c.header) for c in columns}
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            out.append(
                (
                    number,
                    {k: (values[i] if i < len(values) else None) for k, i in positions.items()},
                )
            )
    finally:
        wb.close()
    if not out:
        raise WorkbookError(_("文件中没有数据行"))
    return out


@dataclass
class RowError:
    """One problem of an import, named by row and column for the person who fixes the file."""

    row: int
    column: str
    message: str


class ImportRejected(Exception):
    """The file had errors; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))
        super().__init__(_("%(n)d 处错误，未导入任何数据") % {"n": len(errors)})


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def as_count(value) -> int:
    text = as_text(value)
    if not text.isdigit():
        raise ValueError(_("须为非负整数"))
    return int(text)


def as_coordinate(value, low: float, high: float) -> Decimal | None:
    text = as_text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("须为数字")) from None
    if not (low <= number <= high):
        raise ValueError(_("须在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
    return number.quantize(Decimal("0.000001"))


def xlsx_response(data: bytes, filename: str):
    """A workbook as a download (page or API)."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
