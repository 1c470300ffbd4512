"""The kinds of rule set and their shipped defaults.

Every threshold of the platform is data in a versioned rule set (STANDARDS.md), never a
constant in code: each kind declares the shape of its data (a pydantic model that validates
an administrator's edits) and the rule sets shipped with the platform. Later modules add
their kinds here (guard staffing, protection grades, device thresholds …).
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field, model_validator

LEVELS = ("major", "significant", "general", "low")


class RiskMatrix(BaseModel):
    """Likelihood × severity → risk level (重大/较大/一般/低)."""

    likelihood: list[str] = Field(min_length=2, max_length=10, description="可能性等级，由低到高")
    severity: list[str] = Field(min_length=2, max_length=10, description="严重程度等级，由低到高")
    # matrix[l][s]: the level for likelihood index l and severity index s.
    matrix: list[list[str]]

    @model_validator(mode="after")
    def _shape(self):
        if len(self.matrix) != len(self.likelihood) or any(
            len(row) != len(self.severity) for row in self.matrix
        ):
            raise ValueError("矩阵的行数须等于可能性等级数，列数须等于严重程度等级数")
        bad = {cell for row in self.matrix for cell in row} - set(LEVELS)
        if bad:
            raise ValueError(f"矩阵中只能填 {'、'.join(LEVELS)}，不能填 {'、'.join(sorted(bad))}")
        return self

    def level(self, likelihood: int, severity: int) -> str:
        """Level for 1-based likelihood and severity grades."""
        return self.matrix[likelihood - 1][severity - 1]


class HazardDeadline(BaseModel):
    """Default rectification deadlines and reminders by hazard level."""

    general_days: int = Field(ge=1, le=365, description="一般隐患整改期限（天）")
    major_days: int = Field(ge=1, le=730, description="重大隐患整改期限（天）")
    remind_days_before: int = Field(ge=0, le=60, description="到期前几天提醒")
    major_listed_supervision: bool = Field(description="重大隐患是否默认挂牌督办")


class Patrol(BaseModel):
    key_area_visits_per_day: int = Field(ge=1, le=48, description="重点部位每日巡查次数下限")


@dataclass(frozen=True)
class Builtin:
    name: str
    version: str
    effective_from: date
    authority: str
    source: str
    data: dict
    default: bool = True


@dataclass(frozen=True)
class Kind:
    label: str
    schema: type[BaseModel]
    builtins: list[Builtin] = field(default_factory=list)


_L = ["极不可能", "不太可能", "可能", "很可能", "几乎肯定"]
_S = ["轻微", "一般", "较重", "严重", "特别严重"]


def _score_matrix() -> list[list[str]]:
    # The common 5×5 grading: score = likelihood × severity; ≥ 15 major, 9–14 significant,
    # 4–8 general, 1–3 low.
    def level(score: int) -> str:
        return (
            "major"
            if score >= 15
            else "significant"
            if score >= 9
            else "general"
            if score >= 4
            else "low"
        )

    return [[level(li * si) for si in range(1, 6)] for li in range(1, 6)]


KINDS: dict[str, Kind] = {
    "risk_matrix": Kind(
        _("风险评估矩阵"),
        RiskMatrix,
        [
            Builtin(
                "风险矩阵（可能性 × 严重程度，5×5）",
                "2026.1",
                date(2026, 1, 1),
                "平台内置",
                "国家风险分级管控通行做法：分值 ≥15 重大、9–14 较大、4–8 一般、1–3 低",
                {"likelihood": _L, "severity": _S, "matrix": _score_matrix()},
            )
        ],
    ),
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


def validate_data(kind: str, data: dict) -> dict:
    """The data, checked against its kind's shape (raises pydantic.ValidationError)."""
    return KINDS[kind].schema.model_validate(data).model_dump()
