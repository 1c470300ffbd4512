"""The kinds of rule set and their shipped defaults.

Every threshold of the platform is data in a versioned rule set (STANDARDS.md), never a
constant in code: each kind declares the shape of its data (a pydantic model that validates
an administrator's edits) and the rule sets shipped with the platform. Later modules add
their kinds here.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

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


class StaffingTier(BaseModel):
    min_headcount: int = Field(ge=0, description="人数下限（含）")
    guards: int = Field(ge=0, le=100, description="应配专职保安员人数")


class GuardStaffing(BaseModel):
    """Full-time guards a school must have, by headcount (人防)."""

    basis: Literal["students", "students_and_staff"] = Field(
        description="计算人数的口径：students 学生数；students_and_staff 师生总数"
    )
    tiers: list[StaffingTier] = Field(min_length=1, description="人数分档，由低到高")
    extra_from: int = Field(ge=1, description="自此人数起逐档增配")
    extra_every: int = Field(ge=1, description="每增加多少人增配 1 名")
    boarders_every: int | None = Field(
        default=None, ge=1, description="寄宿生每多少人另增配 1 名（地方规定，可空）"
    )
    max_age: int = Field(ge=18, le=70, description="专职保安员年龄上限（不含）")
    licence_required: bool = Field(description="须持有效保安员证")

    @model_validator(mode="after")
    def _ordered(self):
        mins = [t.min_headcount for t in self.tiers]
        if mins != sorted(set(mins)) or mins[0] != 0:
            raise ValueError("人数分档须从 0 开始、由低到高且不重复")
        return self

    def headcount(self, *, students: int, staff: int) -> int:
        return students + staff if self.basis == "students_and_staff" else students

    def required(self, *, students: int, staff: int, boarders: int = 0) -> int:
        n = self.headcount(students=students, staff=staff)
        guards = next(t.guards for t in reversed(self.tiers) if n >= t.min_headcount)
        if n >= self.extra_from:
            guards += (n - self.extra_from) // self.extra_every
        if self.boarders_every and boarders:
            guards += boarders // self.boarders_every
        return guards


class GradeTier(BaseModel):
    min_students: int = Field(ge=0, description="人数下限（含）")
    grade: int = Field(ge=1, le=3, description="防护级别（1 为最高）")


class PlaceRequirement(BaseModel):
    place: str = Field(pattern=r"^[a-z_]+$", description="部位代码")
    label: str = Field(min_length=1, max_length=30, description="部位名称")
    measures: list[str] = Field(description="应有的防范措施")
    grade1_measures: list[str] = Field(default_factory=list, description="一级防护另需的措施")
    video: bool = Field(description="须有视频监控")


class ProtectionGrade(BaseModel):
    """Protection grade by headcount and the measures each place of a school must have (技防)."""

    k12: list[GradeTier] = Field(min_length=1, description="中小学：学生数 → 防护级别")
    kindergarten: list[GradeTier] = Field(min_length=1, description="幼儿园：幼儿数 → 防护级别")
    places: list[PlaceRequirement] = Field(min_length=1, description="重点部位及其防范措施")

    @model_validator(mode="after")
    def _unique_places(self):
        codes = [p.place for p in self.places]
        if len(codes) != len(set(codes)):
            raise ValueError("部位代码不能重复")
        return self

    def grade(self, *, kindergarten: bool, students: int) -> int:
        tiers = sorted(
            self.kindergarten if kindergarten else self.k12, key=lambda t: t.min_students
        )
        return next(t.grade for t in reversed(tiers) if students >= t.min_students)


class VideoRetention(BaseModel):
    days: int = Field(ge=1, le=365, description="监控录像保存天数下限")


class EquipmentCheck(BaseModel):
    check_interval_days: int = Field(ge=1, le=366, description="设备检查间隔（天）")
    fault_fix_hours: int = Field(ge=1, le=720, description="故障修复时限（小时），逾期转为隐患")


class DeviceStatus(BaseModel):
    heartbeat_interval_s: int = Field(ge=5, le=3600, description="心跳间隔（秒）")
    offline_after_missed: int = Field(ge=1, le=20, description="连续丢失几次心跳判为离线")

    @property
    def offline_after_s(self) -> int:
        return self.heartbeat_interval_s * self.offline_after_missed


class EmergencyResponse(BaseModel):
    acknowledge_within_min: int = Field(
        ge=1, le=60, description="报警须在几分钟内接警，逾期自动上报市局"
    )


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
    "guard_staffing": Kind(
        _("专职保安员配备"),
        GuardStaffing,
        [
            Builtin(
                "公治〔2015〕168号 保安员配备",
                "2015",
                date(2015, 6, 1),
                "公安部、教育部",
                "公治〔2015〕168号《中小学幼儿园安全防范工作规范（试行）》：师生 100 人以下至少 1 名专职保安员；"
                "100–1000 人至少 2 名；1000 人以上每增加 500 名学生增配 1 名。保安员持证上岗、年龄 60 岁以下",
                {
                    "basis": "students_and_staff",
                    "tiers": [
                        {"min_headcount": 0, "guards": 1},
                        {"min_headcount": 100, "guards": 2},
                        {"min_headcount": 1001, "guards": 3},
                    ],
                    "extra_from": 1001,
                    "extra_every": 500,
                    "boarders_every": None,
                    "max_age": 60,
                    "licence_required": True,
                },
                default=False,
            ),
            Builtin(
                "GB/T 29315-2022 保安员配备",
                "2022",
                date(2022, 6, 1),
                "国家市场监督管理总局、国家标准化管理委员会",
                "GB/T 29315-2022《中小学、幼儿园安全防范要求》：学生 100 人以下至少 1 名；100–999 人至少 2 名；"
                "1000 人以上至少 3 名，每增加 500 人增配 1 名；门卫室 24 小时值守",
                {
                    "basis": "students",
                    "tiers": [
                        {"min_headcount": 0, "guards": 1},
                        {"min_headcount": 100, "guards": 2},
                        {"min_headcount": 1000, "guards": 3},
                    ],
                    "extra_from": 1000,
                    "extra_every": 500,
                    "boarders_every": None,
                    "max_age": 60,
                    "licence_required": True,
                },
            ),
        ],
    ),
    "protection_grade": Kind(
        _("防护级别与重点部位"),
        ProtectionGrade,
        [
            Builtin(
                "学校安全防范级别与重点部位要求",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（依据省级技防要求附录）",
                "中小学 ≥1500 人一级、1000–1499 人二级、<1000 人三级；幼儿园 ≥300 人一级、150–299 人二级、"
                "<150 人三级。校门外、周界、校门口、门卫室、操场、教学楼走廊及出入口的防范措施",
                {
                    "k12": [
                        {"min_students": 0, "grade": 3},
                        {"min_students": 1000, "grade": 2},
                        {"min_students": 1500, "grade": 1},
                    ],
                    "kindergarten": [
                        {"min_students": 0, "grade": 3},
                        {"min_students": 150, "grade": 2},
                        {"min_students": 300, "grade": 1},
                    ],
                    "places": [
                        {
                            "place": "outside_gate",
                            "label": "校门外",
                            "measures": ["视频监控"],
                            "grade1_measures": ["人脸抓拍"],
                            "video": True,
                        },
                        {
                            "place": "perimeter",
                            "label": "周界",
                            "measures": ["实体屏障", "入侵报警或紧急报警"],
                            "video": False,
                        },
                        {
                            "place": "main_entrance",
                            "label": "校门口",
                            "measures": ["防冲撞设施", "视频监控", "出入口控制"],
                            "video": True,
                        },
                        {
                            "place": "gate_house",
                            "label": "门卫室",
                            "measures": ["一键式紧急报警", "视频监控", "公共广播"],
                            "video": True,
                        },
                        {
                            "place": "playground",
                            "label": "操场",
                            "measures": ["视频监控"],
                            "video": True,
                        },
                        {
                            "place": "corridor",
                            "label": "教学楼走廊及出入口",
                            "measures": ["视频监控"],
                            "video": True,
                        },
                    ],
                },
            )
        ],
    ),
    "video_retention": Kind(
        _("监控录像保存"),
        VideoRetention,
        [
            Builtin(
                "视频监控录像保存期限",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（多省技防规定）",
                "学校视频监控录像保存不少于 30 天（一般场所 15 天）",
                {"days": 30},
            )
        ],
    ),
    "equipment_check": Kind(
        _("设备检查与故障修复"),
        EquipmentCheck,
        [
            Builtin(
                "安防设备检查与故障修复时限",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（地市规定）",
                "安防设备每月检查一次，故障 24 小时内修复，逾期列入隐患整改",
                {"check_interval_days": 30, "fault_fix_hours": 24},
            )
        ],
    ),
    "device_status": Kind(
        _("设备在线判定"),
        DeviceStatus,
        [
            Builtin(
                "GB/T 28181 心跳与离线判定",
                "2022",
                date(2022, 1, 1),
                "国家市场监督管理总局、国家标准化管理委员会",
                "GB/T 28181-2022：设备每 60 秒发送一次心跳（Keepalive），连续 3 次未收到判为离线",
                {"heartbeat_interval_s": 60, "offline_after_missed": 3},
            )
        ],
    ),
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


def validate_data(kind: str, data: dict) -> dict:
    """The data, checked against its kind's shape (raises pydantic.ValidationError)."""
    return KINDS[kind].schema.model_validate(data).model_dump()
