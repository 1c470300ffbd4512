"""Rectification deadlines and reminders by hazard level (隐患整改期限)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from safecampus.rules.kinds import Builtin, Kind


class HazardDeadline(BaseModel):
    """Default rectification deadlines and reminders by hazard level."""

    general_days: int = Field(ge=1, le=365, description="一般隐患整改期限（天）")
    major_days: int = Field(ge=1, le=730, description="重大隐患整改期限（天）")
    remind_days_before: int = Field(ge=0, le=60, description="到期前几天提醒")
    major_listed_supervision: bool = Field(description="重大隐患是否默认挂牌督办")


KINDS: dict[str, Kind] = {
    "hazard_deadline": Kind(
        _("隐患整改期限"),
        HazardDeadline,
        [
            Builtin(
                "隐患整改期限（默认）",
                "2026.1",
                date(2026, 1, 1),
                "平台内置",
                "一般隐患立查立改、限期 30 日；重大隐患制定方案限期 90 日并挂牌督办（各地可按本地规定修改）",
                {
                    "general_days": 30,
                    "major_days": 90,
                    "remind_days_before": 3,
                    "major_listed_supervision": True,
                },
            )
        ],
    ),
}
