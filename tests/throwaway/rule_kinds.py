from datetime import date

from pydantic import BaseModel, Field

from safecampus.rules.kinds import Builtin, Kind


class DutyRoster(BaseModel):
    shifts_per_day: int = Field(ge=1, le=6, description="每日值班班次")


KINDS = {
    "duty_roster": Kind(
        "值班班次",
        DutyRoster,
        [Builtin("值班要求（测试）", "1", date(2026, 1, 1), "测试", "测试", {"shifts_per_day": 3})],
    )
}
