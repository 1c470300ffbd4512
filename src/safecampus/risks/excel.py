"""The risk-catalog workbook: one row per control measure, the risk point's columns repeated
on each of its measures — the sheet layout in which the experts' lists are kept."""

from django.utils.translation import gettext_lazy as _

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

from .choices import CheckFrequency, RiskLevel
from .models import Aspect

LEVEL_BY_LABEL = {str(level.label): level.value for level in RiskLevel}
FREQUENCY_BY_LABEL = {str(f.label): f.value for f in CheckFrequency}
COLUMNS = [
    Column("code", "风险点编码", 14, synonyms=("编码", "风险点编号"), max_length=32),
    Column(
        "aspect",
        "方面",
        22,
        synonyms=("安全方面", "所属方面"),
        max_length=100,
        choices=lambda: [str(a) for a in Aspect.objects.all()],
        hint=_("十六个方面之一：编号或名称，如“03”或“消防安全”"),
    ),
    Column("place", "场所/部位", 18, synonyms=("场所", "部位", "场所部位"), max_length=100),
    Column("name", "风险点", 28, synonyms=("风险点名称",)),
    Column("hazard", "潜在风险隐患", 40, synonyms=("风险隐患", "潜在隐患"), max_length=500),
    Column("accident", "易发安全事故", 18, synonyms=("易发事故", "事故类型")),
    Column("level", "风险等级", 10, synonyms=("等级",), choices=list(LEVEL_BY_LABEL)),
    Column("measure", "管控措施", 48, synonyms=("措施",), max_length=500),
    Column("department", "责任部门", 12, max_length=50),
    Column("post", "责任岗位", 14, synonyms=("岗位",), max_length=50),
    Column("frequency", "检查频次", 10, synonyms=("频次",), choices=list(FREQUENCY_BY_LABEL)),
]


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
