"""How soon an alarm must be acknowledged before it escalates to the city (应急响应时限)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from safecampus.rules.kinds import Builtin, Kind


class EmergencyResponse(BaseModel):
    acknowledge_within_min: int = Field(
        ge=1, le=60, description="报警须在几分钟内接警，逾期自动上报市局"
    )


KINDS: dict[str, Kind] = {
    "emergency_response": Kind(
        _("应急响应时限"),
        EmergencyResponse,
        [
            Builtin(
                "一键报警接警时限",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（市局规定）",
                "校园一键报警须在 5 分钟内由学校或区市值班人员接警，逾期未接警自动上报市局值班",
                {"acknowledge_within_min": 5},
            )
        ],
    ),
}
