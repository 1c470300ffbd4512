"""Workbooks as the bureaus use them: the one reader of every import and the one writer of every
export and template.

Reading is streaming (openpyxl read-only, row by row) and bounded by settings: the file size
(MAX_UPLOAD_BYTES), the data rows (IMPORT_MAX_ROWS) and each cell's length (its column's
`max_length`). A ledger as a district officer keeps it reads as it is: title rows above the
header are skipped, the header row is found among the first rows, columns are recognised by
their header or a synonym (or an explicit mapping), and 合计/小计 rows and signature lines
(「填表人：…　审核人：…」) are not data.

Writing never fails on stored data and never turns text into a formula: characters a workbook
cannot hold are replaced, and text beginning with =, +, -, @, tab or CR is written as text.
"""

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import iterparse  # openpyxl's own: defusedxml where installed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SCAN_ROWS = 30  # the header row is looked for among the first rows
BLANK_RUN_ENDS_SHEET = 1000  # so many empty rows in a row end the data (formatted, unused rows)
EXCERPT = 50  # characters of a bad value echoed in an error
TOTAL_WORDS = frozenset({"合计", "小计", "总计", "共计", "合计数"})
FOOTER_PREFIXES = ("填表人", "审核人", "制表人", "负责人", "单位负责人", "填报单位", "填报日期")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters no text of the platform holds (C0 and C1, DEL; tab, LF and CR are text).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_BYTES


def max_upload_label() -> str:
    return f"{max_upload_bytes() / (1024 * 1024):g} MB"


@dataclass(frozen=True)
class Column:
    """One column of a layout. An import recognises it by `header` or any of `synonyms`;
    `choices` become a dropdown in the template; a longer cell than `max_length` is a row
    error."""

    key: str
    header: str | Promise
    width: int
    required: bool = True
    synonyms: tuple[str, ...] = ()
    max_length: int = 200
    choices: Sequence[str] | Callable[[], Sequence[str]] = ()
    hint: str | Promise = ""  # the format, shown in the template's instructions

    def choice_labels(self) -> list[str]:
        return [str(c) for c in (self.choices() if callable(self.choices) else self.choices)]


class WorkbookError(ValueError):
    """The file cannot be read as the expected workbook at all."""


class ColumnsMissing(WorkbookError):
    """Required columns were not recognised: the user maps the file's columns to them."""

    def __init__(self, missing: list[str], layout: "Layout"):
        self.missing, self.layout = missing, layout
        super().__init__(
            _("缺少列：%(columns)s（请使用模板，或把文件中的列对应到这些列）")
            % {"columns": "、".join(missing)}
        )


def excerpt(value: Any) -> str:
    """A cell value as it may be echoed back: short, one line."""
    text = as_text(value).replace("\n", " ")
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


@dataclass
class RowError:
    """One problem of an import, named by row, column and the bad value for the person who
    fixes the file."""

    row: int
    column: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        if self.value:
            return _("第 %(row)d 行［%(column)s］“%(value)s”：%(message)s") % vars(self)
        return _("第 %(row)d 行［%(column)s］%(message)s") % vars(self)


class ImportRejected(Exception):
    """The file had errors; nothing was imported. At most IMPORT_MAX_ERRORS are listed:
    `more_errors` were found beyond them and `unchecked_rows` rows were not checked."""

    def __init__(
        self,
        errors: list[RowError],
        *,
        more_errors: int = 0,
        unchecked_rows: int = 0,
        unrecognised: Sequence[str] = (),
    ):
        self.errors = sorted(errors, key=lambda e: e.row)
        self.more_errors, self.unchecked_rows = more_errors, unchecked_rows
        self.unrecognised = list(unrecognised)
        message = _("%(n)d 处错误，未导入任何数据") % {"n": len(errors) + more_errors}
        if more_errors or unchecked_rows:
            message += _(
                "；仅列出前 %(shown)d 处，还有 %(more)d 处错误未列出、%(rows)d 行未检查"
            ) % {
                "shown": len(errors),
                "more": more_errors,
                "rows": unchecked_rows,
            }
        super().__init__(message)


# --- values ---------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def as_count(value: Any) -> int:
    text = as_text(value)
    if not text.isdigit():
        raise ValueError(_("须为非负整数"))
    return int(text)


def as_coordinate(value: Any, low: float, high: float) -> Decimal | None:
    text = as_text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("须为数字")) from None
    if not number.is_finite() or not (low <= number <= high):
        raise ValueError(_("须在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
    return number.quantize(Decimal("0.000001"))


# --- reading --------------------------------------------------------------------------------


def normalise_header(text: Any) -> str:
    """A header as compared: no spaces or line breaks, no required-marks, no unit in brackets
    at the end ("在校生数（人）" → "在校生数")."""
    text = re.sub(r"\s+", "", as_text(text)).strip("*＊")
    return re.sub(r"[（(][^（）()]*[)）]$", "", text) or text


@dataclass
class Layout:
    """Where a sheet's columns are: the header row, each column key's position, and the
    file's columns that are not imported — unrecognised or set aside by the user's mapping
    (listed to the user, never silently dropped)."""

    header_row: int
    headers: list[str]
    positions: dict[str, int]
    unrecognised: list[str] = field(default_factory=list)


def _known_headers(columns: Sequence[Column]) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in columns:
        for name in (column.header, column.key, *column.synonyms):
            known.setdefault(normalise_header(name), column.key)
    return known


def _layout(
    number: int, values: Sequence[Any], columns: Sequence[Column], mapping: dict[str, str]
) -> tuple[Layout, int]:
    known = _known_headers(columns)
    keys = {c.key for c in columns}
    headers = [excerpt(v) for v in values]  # a header too is echoed back: kept short
    layout = Layout(header_row=number, headers=headers, positions={})
    for index, header in enumerate(headers):
        if not header:
            continue
        # The user's choice wins ("" = ignore the column); else the name or a synonym.
        key = mapping[header] if header in mapping else known.get(normalise_header(header), "")
        if key in keys and key not in layout.positions:
            layout.positions[key] = index
    used = set(layout.positions.values())
    layout.unrecognised = [h for i, h in enumerate(headers) if h and i not in used]
    return layout, len(layout.positions)


def _is_blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _is_total_or_footer(values: Sequence[Any]) -> bool:
    """A 合计/小计 row (such a word in any cell) or a signature line (its first cell)."""
    first = True
    for value in values:
        if not isinstance(value, str):
            first = first and value is None
            continue
        text = value.strip()
        if not text:
            continue
        if len(text) <= 8 and re.sub(r"\s+", "", text) in TOTAL_WORDS:
            return True
        if first and text.startswith(FOOTER_PREFIXES):
            return True
        first = False
    return False


MAX_COLUMNS = 200  # cells further right are not read (no ledger is that wide)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _TEXT = _MAIN + "row", _MAIN + "c", _MAIN + "v", _MAIN + "t"


# A sheet row's cell values as read (text, numbers, booleans, dates, None), from column A.
RowValues = tuple[Any, ...]


def _first_sheet_rows(data: bytes) -> tuple[Any, Iterator[tuple[int, RowValues]]]:
    """(the open sheet stream, its rows as (row number, values)), parsed as they stream.

    openpyxl's own read-only worksheet is not used: without a <dimension> element (files
    written in write-only mode have none) it reads the whole sheet to size it before the first
    row, a dimension claiming 16,384 columns pads every row to that width, and its cell parser
    costs ~0.3 ms a row. The parts it reads first — the shared strings, the workbook, the
    styles (which number formats are dates) — are read by openpyxl as usual; the rows by the
    lean parser below (values only: numbers, text, booleans, dates)."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    sheets = [rel for _sheet, rel in reader.parser.find_sheets() if "worksheet" in rel.Type]
    source = reader.archive.open(sheets[0].target)
    strings, epoch = reader.shared_strings, reader.wb.epoch
    # The style ids with a date format: set on the workbook by apply_stylesheet (not typed).
    dates: set[int] = getattr(reader.wb, "_date_formats")  # noqa: B009

    def value(cell: Any) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(_TEXT))
        raw = cell.findtext(_VALUE)
        if raw is None:
            return None
        if kind == "s":
            return strings[int(raw)]
        if kind == "b":
            return raw == "1"
        if kind != "n":  # str (a formula's text), e (an error), d (an ISO date)
            return raw
        number = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
        if int(cell.get("s", 0)) in dates:
            return from_excel(number, epoch)
        return number

    def rows() -> Iterator[tuple[int, RowValues]]:
        number = 0
        for _event, element in iterparse(source, events=("end",)):
            if element.tag != _ROW:
                continue
            number = int(element.get("r") or number + 1)
            values: list[Any] = []
            for cell in element.iter(_CELL):
                ref = cell.get("r")
                column = (
                    column_index_from_string(ref.rstrip("0123456789")) if ref else len(values) + 1
                )
                if column > MAX_COLUMNS:
                    break
                values.extend([None] * (column - 1 - len(values)))
                values.append(value(cell))
            element.clear()
            yield number, tuple(values)

    return source, rows()


@dataclass
class SheetReader:
    """The data rows of an uploaded workbook's first sheet, streamed.

    `layout` is known after `open()`; iterate `rows()` for (row number, {key: value}).
    Raises WorkbookError for a file that is not a workbook, too large, without a recognisable
    header row, without a required column, or with more data rows than IMPORT_MAX_ROWS."""

    data: bytes
    columns: Sequence[Column]
    mapping: dict[str, str] = field(default_factory=dict)
    layout: Layout | None = None
    data_rows: int = 0

    def __enter__(self) -> "SheetReader":
        if len(self.data) > max_upload_bytes():
            raise WorkbookError(_("文件不能超过 %(size)s") % {"size": max_upload_label()})
        try:
            self._source, self._rows = _first_sheet_rows(self.data)
        except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
            raise WorkbookError(_("文件不是有效的 Excel（.xlsx）文件")) from exc
        try:
            self._find_header()
        except BaseException:
            self._source.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._source.close()

    def _find_header(self) -> None:
        """The header row: of the first rows, the one naming most of the columns; with none
        named, the fullest row (its columns then wait for a mapping: ColumnsMissing)."""
        best: Layout | None = None
        best_score, fullest, fullest_count = 0, None, 0
        self._scanned: list[tuple[int, RowValues]] = []
        for number, values in self._rows:
            self._scanned.append((number, values))
            filled = sum(1 for v in values if as_text(v))
            if filled:
                layout, score = _layout(number, values, self.columns, self.mapping)
                if score > best_score:
                    best, best_score = layout, score
                if filled > fullest_count:
                    fullest, fullest_count = layout, filled
            if number >= HEADER_SCAN_ROWS:
                break
        best = best or fullest
        if best is None:
            raise WorkbookError(_("工作表为空"))
        self.layout = best
        self._scanned = [(n, v) for n, v in self._scanned if n > best.header_row]
        missing = [
            str(c.header) for c in self.columns if c.required and c.key not in best.positions
        ]
        if missing:
            raise ColumnsMissing(missing, best)

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(sheet row number, {column key: raw value}) for every data row, counting them and
        refusing the file past IMPORT_MAX_ROWS."""
        assert self.layout is not None
        positions = self.layout.positions
        limit = settings.IMPORT_MAX_ROWS
        blank_run = 0

        def following() -> Iterator[tuple[int, RowValues]]:
            yield from self._scanned
            yield from self._rows

        for number, values in following():
            if values is None or _is_blank(values):
                blank_run += 1
                if blank_run >= BLANK_RUN_ENDS_SHEET:
                    return
                continue
            blank_run = 0
            if _is_total_or_footer(values):
                continue
            self.data_rows += 1
            if self.data_rows > limit:
                raise WorkbookError(
                    _("文件的数据超过 %(n)s 行的上限，请分成几个文件导入") % {"n": f"{limit:,}"}
                )
            yield (
                number,
                {k: (values[i] if i < len(values) else None) for k, i in positions.items()},
            )


def read_rows(data: bytes, columns: Sequence[Column]) -> list[tuple[int, dict[str, Any]]]:
    """Every data row at once (small workbooks: tests, the demo)."""
    with SheetReader(data, columns) as reader:
        rows = list(reader.rows())
    if not rows:
        raise WorkbookError(_("文件中没有数据行"))
    return rows


# --- writing --------------------------------------------------------------------------------


def safe_value(value: Any, sheet: Any) -> Any:
    """A value as written: characters a workbook cannot hold replaced, and text that a
    spreadsheet would take for a formula kept as text."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if value.startswith(FORMULA_PREFIXES):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def _header_cells(sheet: Any, columns: Sequence[Column]) -> list[Cell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cells.append(cell)
    return cells


def workbook_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """An .xlsx with the header row (required columns in red) and the given rows."""
    return sheets_bytes([(title, columns, rows)])


def sheets_bytes(sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx of several sheets, each (title, columns, rows), laid out alike: the one writer
    of every export (streamed: write-only mode)."""
    wb = Workbook(write_only=True)
    for title, columns, rows in sheets:
        ws = wb.create_sheet(str(title))
        for idx, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(idx)].width = column.width
        ws.freeze_panes = "A2"
        ws.append(_header_cells(ws, columns))
        for row in rows:
            ws.append([safe_value(v, ws) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_bytes(
    columns: Sequence[Column],
    *,
    title: str,
    instructions: Sequence[str],
    example: Sequence[Any],
) -> bytes:
    """The import template: the data sheet (header row, dropdowns for the coded columns), an
    instructions sheet 说明 (what each column takes, an example row) and the lists behind the
    dropdowns on a hidden sheet."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one sheet, a worksheet
    ws.title = str(title)
    ws.append([str(c.header) for c in columns])
    for idx, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(idx)].width = column.width
    ws.freeze_panes = "A2"

    lists = wb.create_sheet(_("选项"))
    lists.sheet_state = "hidden"
    coded = [(idx, c, c.choice_labels()) for idx, c in enumerate(columns, start=1) if c.choices]
    for list_col, (idx, column, labels) in enumerate(coded, start=1):
        letter = get_column_letter(list_col)
        lists.cell(row=1, column=list_col, value=str(column.header))
        for row, label in enumerate(labels, start=2):
            lists.cell(row=row, column=list_col, value=label)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(labels) + 1}",
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle=str(column.header),
            error=_("请从下拉列表中选择"),
        )
        validation.add(f"{get_column_letter(idx)}2:{get_column_letter(idx)}5000")
        ws.add_data_validation(validation)

    notes = wb.create_sheet(_("说明"))
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 30
    for line in instructions:
        notes.append([str(line)])
    notes.append([])
    notes.append([_("列名"), _("必填"), _("填写要求"), _("也可用的列名")])
    for column in columns:
        rule = str(column.hint)
        if column.choices:
            rule = (rule + "；" if rule else "") + _("可选：%(v)s") % {
                "v": "、".join(column.choice_labels())
            }
        rule = (rule + "；" if rule else "") + _("最长 %(n)d 字") % {"n": column.max_length}
        notes.append(
            [
                str(column.header),
                _("是") if column.required else _("否"),
                rule,
                "、".join(column.synonyms),
            ]
        )
    notes.append([])
    notes.append([_("示例（第一张表中填写，一行一条记录）：")])
    notes.append([str(c.header) for c in columns])
    notes.append(list(example))
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook as a download (page or API)."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
