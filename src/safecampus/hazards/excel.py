"""The hazard ledger (隐患台账) as a workbook, with the same filters as the page."""

from django.utils import timezone

from safecampus.core import excel as workbook
from safecampus.core.excel import Column

COLUMNS = [
    Column("school", "学校", 28),
    Column("district", "区市", 12),
    Column("aspect", "方面", 20),
    Column("place", "部位", 16),
    Column("description", "隐患描述", 40),
    Column("level", "等级", 10),
    Column("source", "来源", 10),
    Column("found_at", "发现时间", 18),
    Column("status", "状态", 10),
    Column("owner", "整改责任人", 12),
    Column("deadline", "整改期限", 12),
    Column("overdue", "是否逾期", 8),
    Column("plan", "整改方案", 30),
    Column("measures", "整改措施", 30),
    Column("money", "整改资金（元）", 12),
    Column("result", "整改结果", 30),
    Column("closed_at", "销号时间", 18),
    Column("supervised_by", "督办单位", 12),
]


def hazard_row(h) -> list:
    return [
        h.school.unit.name,
        h.district.name if h.district_id else "市直属",
        h.aspect.name if h.aspect_id else "",
        h.place,
        h.description,
        h.get_level_display(),
        h.get_source_display(),
        timezone.localtime(h.found_at).strftime("%Y-%m-%d %H:%M"),
        h.get_status_display(),
        str(h.owner) if h.owner_id else "",
        h.deadline.isoformat() if h.deadline else "",
        "是" if h.is_overdue else "否",
        h.plan,
        h.measures,
        float(h.money) if h.money is not None else None,
        h.result,
        timezone.localtime(h.closed_at).strftime("%Y-%m-%d %H:%M") if h.closed_at else "",
        h.supervised_by.name if h.supervised_by_id else "",
    ]


def ledger_bytes(hazards) -> bytes:
    rows = (
        hazard_row(h) for h in hazards.select_related("supervised_by").iterator(chunk_size=2000)
    )
    return workbook.workbook_bytes(COLUMNS, rows, title="隐患台账")
