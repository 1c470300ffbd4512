"""The guard register workbook (保安员花名册): one layout for export, template and import
(imports.py)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core import excel as workbook
from safecampus.core.excel import Column
from safecampus.core.texts import Text

from .choices import Employment
from .models import Guard

YES, NO = "是", "否"
EMPLOYMENT_BY_LABEL = {str(e.label): e.value for e in Employment}
COLUMNS = [
    Column("name", "姓名", 12, synonyms=("保安员姓名", "保安姓名"), max_length=50),
    Column(
        "licence_no",
        "保安员证号",
        20,
        required=False,
        synonyms=("证号", "保安员证编号", "保安员证"),
        max_length=30,
    ),
    Column(
        "licence_expiry",
        "证件有效期至",
        14,
        required=False,
        synonyms=("有效期至", "证件有效期"),
        hint=_("日期，如 2030-06-30"),
    ),
    Column("birth_year", "出生年份", 10, synonyms=("出生年",), hint=_("四位年份，如 1975")),
    Column("employment", "用工方式", 10, synonyms=("用工性质",), choices=list(EMPLOYMENT_BY_LABEL)),
    Column(
        "company",
        "保安公司",
        28,
        required=False,
        synonyms=("所属公司", "保安服务公司"),
        max_length=100,
    ),
    Column("active", "在岗", 8, required=False, synonyms=("是否在岗",), choices=[YES, NO]),
]
FIELDS = [c.key for c in COLUMNS]
EXAMPLE = (
    "张三",
    "鲁公保证字2021000123",
    "2030-06-30",
    1975,
    "专职",
    "烟台市保安服务有限公司",
    YES,
)


def guard_row(guard: Guard) -> list:
    return [
        guard.name,
        guard.licence_no,
        guard.licence_expiry.isoformat() if guard.licence_expiry else "",
        guard.birth_year,
        guard.get_employment_display(),
        guard.company,
        YES if guard.active else NO,
    ]


def guards_export(*, school, guards) -> bytes:
    """The register of the given (already scoped) guards; the export is audited."""
    data = workbook.workbook_bytes(COLUMNS, (guard_row(g) for g in guards), title="保安员")
    audit_event(
        AuditAction.EXPORT,
        school,
        message=Text(N_("导出保安员花名册 %(school)s"), school=school.unit.name),
    )
    return data
