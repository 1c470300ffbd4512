"""The buildings workbook: one layout for export, the import template and the import."""

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import BuildingUse, FireStatus, SeismicStatus, Structure

COLUMNS = [
    Column("school_code", "学校代码", 14),
    Column("school_name", "学校名称", 28, required=False),  # for people; the code decides
    Column("name", "楼栋名称", 20),
    Column("use", "用途", 10),
    Column("structure", "结构", 10),
    Column("storeys", "层数", 8),
    Column("floor_area_m2", "建筑面积（m²）", 14),
    Column("year_built", "建成年份", 10),
    Column("seismic_status", "抗震状态", 12),
    Column("fire_status", "消防状态", 12),
    Column("note", "备注", 30, required=False),
]
HEADER = {c.key: c.header for c in COLUMNS}
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


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    return workbook.read_rows(data, COLUMNS)
