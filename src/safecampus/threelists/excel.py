"""A school's three lists as the workbook a bureau expects: one sheet per list."""

from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from safecampus.accounts.models import User
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.excel import Column, sheets_bytes
from safecampus.core.texts import Text
from safecampus.hazards.excel import COLUMNS as RECTIFICATION_COLUMNS
from safecampus.hazards.excel import hazard_row
from safecampus.hazards.filters import HazardFilters
from safecampus.hazards.selectors import hazard_list
from safecampus.orgs.models import School

from . import selectors

RISK_COLUMNS = [
    Column("code", "编码", 14),
    Column("aspect", "方面", 20),
    Column("place", "场所/部位", 18),
    Column("name", "风险点", 28),
    Column("hazard", "潜在风险隐患", 40),
    Column("accident", "易发安全事故", 18),
    Column("level", "风险等级", 10),
    Column("likelihood", "可能性", 8),
    Column("severity", "严重程度", 8),
]
RESPONSIBILITY_COLUMNS = [
    Column("code", "风险点编码", 14),
    Column("name", "风险点", 24),
    Column("measure", "管控措施", 44),
    Column("department", "责任部门", 12),
    Column("post", "责任岗位", 12),
    Column("person", "责任人", 10),
    Column("frequency", "检查频次", 10),
    Column("last", "最近检查", 18),
]


def three_lists_bytes(*, user: User, school: School) -> bytes:
    points = selectors.school_risk_points(user=user, school=school).order_by("code")
    items = selectors.responsibility_items(user=user, school=school).order_by(
        "risk_point__code", "pk"
    )
    hazards = hazard_list(
        user=user, filters=HazardFilters.model_validate({"school": school.pk})
    ).order_by("found_at")
    audit_event(
        AuditAction.EXPORT, school, message=Text(N_("导出三个清单：%(school)s"), school=str(school))
    )
    return sheets_bytes(
        [
            (
                "风险清单",
                RISK_COLUMNS,
                (
                    [
                        p.code,
                        p.aspect.name,
                        p.place,
                        p.name,
                        p.hazard,
                        p.accident,
                        p.get_level_display(),
                        p.likelihood,
                        p.severity,
                    ]
                    for p in points
                ),
            ),
            (
                "责任清单",
                RESPONSIBILITY_COLUMNS,
                (
                    [
                        i.risk_point.code,
                        i.risk_point.name,
                        i.text,
                        i.department,
                        i.post,
                        str(i.person) if i.person_id else "",
                        i.get_frequency_display(),
                        timezone.localtime(i.last_checked_at).strftime("%Y-%m-%d %H:%M")
                        if i.last_checked_at
                        else "",
                    ]
                    for i in items
                ),
            ),
            (
                "整改清单",
                RECTIFICATION_COLUMNS,
                (hazard_row(h) for h in hazards.select_related("supervised_by").iterator()),
            ),
        ]
    )
