"""The buildings workbook: one layout for export, the import template and the import."""

from collections.abc import Callable

from django.db.models import Choices
from django.utils.translation import gettext_lazy as _

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import BuildingUse, FireStatus, SeismicStatus, Structure


def _labels(choices: type[Choices]) -> Callable[[], list[str]]:
    """The labels of `choices` for a column's dropdown, in the language active when the
    template or page that shows them is made."""
    return lambda: [str(label) for label in choices.labels]


COLUMNS = [
    Column("school_code", "学校代码", 14, synonyms=("代码", "学校标识码"), max_length=32),
    # For people; the code decides.
    Column("school_name", "学校名称", 28, required=False, synonyms=("学校",), max_length=100),
    Column("name", "楼栋名称", 20, synonyms=("楼栋", "建筑名称", "校舍名称"), max_length=100),
    Column("use", "用途", 10, synonyms=("使用功能", "用途类别"), choices=_labels(BuildingUse)),
    Column("structure", "结构", 10, synonyms=("结构类型", "建筑结构"), choices=_labels(Structure)),
    Column("storeys", "层数", 8, synonyms=("楼层数", "地上层数"), hint=_("1 到 200 的整数")),
    Column(
        "floor_area_m2",
        "建筑面积（m²）",
        14,
        synonyms=("建筑面积", "面积", "建筑面积（平方米）"),
        hint=_("平方米，不超过 1,000,000"),
    ),
    Column(
        "year_built",
        "建成年份",
        10,
        synonyms=("建成时间", "建设年份", "竣工年份"),
        hint=_("四位年份"),
    ),
    Column(
        "seismic_status",
        "抗震状态",
        12,
        synonyms=("抗震设防", "抗震情况"),
        choices=_labels(SeismicStatus),
    ),
    Column(
        "fire_status",
        "消防状态",
        12,
        synonyms=("消防情况", "消防验收"),
        choices=_labels(FireStatus),
    ),
    Column("note", "备注", 30, required=False, synonyms=("说明",), max_length=500),
]
# Label -> value for each choice column, read from the same choices as the forms and the API.
LABELS = {
    "use": {str(c.label): c.value for c in BuildingUse},
    "structure": {str(c.label): c.value for c in Structure},
    "seismic_status": {str(c.label): c.value for c in SeismicStatus},
    "fire_status": {str(c.label): c.value for c in FireStatus},
}


def building_row(building) -> list:
    return [
        building.school.unit.code,
        building.school.unit.name,
        building.name,
        building.get_use_display(),
        building.get_structure_display(),
        building.storeys,
        float(building.floor_area_m2),
        building.year_built,
        building.get_seismic_status_display(),
        building.get_fire_status_display(),
        building.note,
    ]


def workbook_bytes(rows) -> bytes:
    return workbook.workbook_bytes(COLUMNS, rows, title="校舍")
