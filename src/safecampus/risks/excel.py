"""The risk-catalog workbook: one row per control measure, the risk point's columns repeated
on each of its measures — the sheet layout in which the experts' lists are kept."""

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import CheckFrequency, RiskLevel

COLUMNS = [
    Column("code", "风险点编码", 14),
    Column("aspect", "方面", 22),
    Column("place", "场所/部位", 18),
    Column("name", "风险点", 28),
    Column("hazard", "潜在风险隐患", 40),
    Column("accident", "易发安全事故", 18),
    Column("level", "风险等级", 10),
    Column("measure", "管控措施", 48),
    Column("department", "责任部门", 12),
    Column("post", "责任岗位", 14),
    Column("frequency", "检查频次", 10),
]
LEVEL_BY_LABEL = {str(level.label): level.value for level in RiskLevel}
FREQUENCY_BY_LABEL = {str(f.label): f.value for f in CheckFrequency}


def catalog_rows(points):
    """Rows of the given points (with prefetched measures and aspect)."""
    for point in points:
        for measure in point.measures.all():
            yield [
                point.code,
                str(point.aspect),
                point.place,
                point.name,
                point.hazard,
                point.accident,
                point.get_level_display(),
                measure.text,
                measure.department,
                measure.post,
                measure.get_frequency_display(),
            ]


def workbook_bytes(rows) -> bytes:
    return workbook.workbook_bytes(COLUMNS, rows, title="风险清单")


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    return workbook.read_rows(data, COLUMNS)
