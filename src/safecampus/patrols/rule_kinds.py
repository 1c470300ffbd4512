"""How often a school patrols its key areas (巡查频次)."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from safecampus.rules.kinds import Builtin, Kind


class Patrol(BaseModel):
    key_area_visits_per_day: int = Field(ge=1, le=48, description="重点部位每日巡查次数下限")


KINDS: dict[str, Kind] = {
    "patrol": Kind(
        _("巡查频次"),
        Patrol,
        [
            Builtin(
                "GB/T 29315-2022 巡查要求",
                "2022",
                date(2022, 6, 1),
                "国家市场监督管理总局、国家标准化管理委员会",
                "GB/T 29315-2022《中小学、幼儿园安全防范要求》：重点部位每日巡查不少于 5 次",
                {"key_area_visits_per_day": 5},
            )
        ],
    ),
}
