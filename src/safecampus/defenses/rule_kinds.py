"""Guard staffing (人防) and the protection grade with the measures each place needs (技防)."""

from datetime import date
from typing import Literal

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field, model_validator

from safecampus.rules.kinds import Builtin, Kind


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


KINDS: dict[str, Kind] = {
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
}
