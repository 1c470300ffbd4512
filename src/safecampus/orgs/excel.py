"""The school workbook: one layout for export, the import template and import."""

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .choices import Ownership, SchoolType

DIRECT = "市直属"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    required: bool = True


COLUMNS = [
    Column("code", "学校代码", 14),
    Column("name", "学校名称", 30),
    Column("district", "所属区市", 14),
    Column("school_type", "学校类型", 12),
    Column("ownership", "办学性质", 10),
    Column("boarding", "寄宿制", 8),
    Column("students", "学生数", 10),
    Column("boarders", "寄宿生数", 10, required=False),
    Column("staff", "教职工数", 10),
    Column("address", "地址", 36, required=False),
    Column("longitude", "经度", 12, required=False),
    Column("latitude", "纬度", 12, required=False),
]
HEADERS = [c.header for c in COLUMNS]
TYPE_BY_LABEL = {str(t.label): t.value for t in SchoolType}
OWNERSHIP_BY_LABEL = {str(o.label): o.value for o in Ownership}


def school_row(school) -> list:
    return [
        school.unit.code,
        school.unit.name,
        school.district.name if school.district_id else DIRECT,
        school.get_school_type_display(),
        school.get_ownership_display(),
        YES if school.boarding else NO,
        school.students,
        school.boarders,
        school.staff,
        school.address,
        float(school.unit.longitude) if school.unit.longitude is not None else None,
        float(school.unit.latitude) if school.unit.latitude is not None else None,
    ]


def workbook_bytes(rows, title: str = "学校") -> bytes:
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title
    ws.append(HEADERS)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for idx, column in enumerate(COLUMNS, start=1):
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


class WorkbookError(ValueError):
    """The file cannot be read as the school workbook at all."""


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {column key: raw cell value}) for every non-empty data row."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
        raise WorkbookError(_("文件不是有效的 Excel（.xlsx）文件")) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise WorkbookError(_("工作表为空"))
    header = [str(h).strip() if h is not None else "" for h in header]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        raise WorkbookError(
            _("缺少列：%(columns)s（请使用导出的模板）") % {"columns": "、".join(missing)}
        )
    positions = {c.key: header.index(c.header) for c in COLUMNS}
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append(
            (number, {k: (values[i] if i < len(values) else None) for k, i in positions.items()})
        )
    wb.close()
    return out


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
