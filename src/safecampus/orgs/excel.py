"""The school workbook: one layout for export, the import template and import."""

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import Ownership, SchoolType

DIRECT = "市直属"
YES, NO = "是", "否"

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


def workbook_bytes(rows) -> bytes:
    return workbook.workbook_bytes(COLUMNS, rows, title="学校")


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    return workbook.read_rows(data, COLUMNS)
