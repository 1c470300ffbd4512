"""The school workbook: one layout for export, the import template and import (the columns'
synonyms are the names the districts' own ledgers use)."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import Ownership, SchoolType
from .models import School

DIRECT = "市直属"
YES, NO = "是", "否"

TYPE_BY_LABEL = {str(t.label): t.value for t in SchoolType}
OWNERSHIP_BY_LABEL = {str(o.label): o.value for o in Ownership}
COLUMNS = [
    Column("code", "学校代码", 14, synonyms=("代码", "学校标识码", "学校编码"), max_length=32),
    Column("name", "学校名称", 30, synonyms=("学校", "单位名称", "校名"), max_length=100),
    Column(
        "district",
        "所属区市",
        14,
        required=False,
        synonyms=("区市", "所属区县", "区县", "所在区市"),
        max_length=100,
        hint=_("区市名称或代码，或“市直属”；只管辖一个区市时可不填"),
    ),
    Column(
        "school_type",
        "学校类型",
        12,
        synonyms=("学段", "办学类型", "类型"),
        choices=list(TYPE_BY_LABEL),
    ),
    Column(
        "ownership",
        "办学性质",
        10,
        synonyms=("性质", "公办/民办"),
        choices=list(OWNERSHIP_BY_LABEL),
    ),
    Column("boarding", "寄宿制", 8, synonyms=("是否寄宿", "是否寄宿制", "寄宿"), choices=[YES, NO]),
    Column(
        "students",
        "学生数",
        10,
        synonyms=("在校生数", "在校学生数", "学生人数"),
        hint=_("非负整数"),
    ),
    Column(
        "boarders", "寄宿生数", 10, required=False, synonyms=("寄宿学生数",), hint=_("非负整数")
    ),
    Column("staff", "教职工数", 10, synonyms=("教职工人数", "教职员工数"), hint=_("非负整数")),
    Column("address", "地址", 36, required=False, synonyms=("学校地址", "详细地址")),
    Column("longitude", "经度", 12, required=False, hint=_("-180 到 180")),
    Column("latitude", "纬度", 12, required=False, hint=_("-90 到 90")),
]


def school_row(school: School) -> list[Any]:
    return [
        school.unit.code,
        school.unit.name,
        school.district.name if school.district is not None else DIRECT,
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


def workbook_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    return workbook.workbook_bytes(COLUMNS, rows, title="学校")
