"""Choice sets of the staffing and physical defenses (人防、物防)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class Period(models.TextChoices):
    ARRIVAL = "arrival", _("上学")
    DISMISSAL = "dismissal", _("放学")


class DutyKind(models.TextChoices):
    POLICE = "police", _("民警")
    TEACHER = "teacher", _("教师")
    GUARD = "guard", _("保安员")
    VOLUNTEER = "volunteer", _("家长志愿者")


# School days a gate-post roster must cover (ISO weekdays, Monday = 1).
SCHOOL_DAYS = "12345"
WEEKDAY_LABELS = {
    "1": _("周一"),
    "2": _("周二"),
    "3": _("周三"),
    "4": _("周四"),
    "5": _("周五"),
    "6": _("周六"),
    "7": _("周日"),
}


class EquipmentGroup(models.TextChoices):
    GUARD_KIT = "guard_kit", _("安保器械")
    FIRE = "fire", _("消防器材")


class EquipmentKind(models.TextChoices):
    """The standard guard kit of a school gate house and the fire equipment of a school."""

    HELMET = "helmet", _("防暴头盔")
    STAB_VEST = "stab_vest", _("防刺背心")
    CUT_GLOVES = "cut_gloves", _("防割手套")
    STEEL_FORK = "steel_fork", _("钢叉")
    SHIELD = "shield", _("盾牌")
    BATON = "baton", _("橡胶警棍")
    FLASHLIGHT = "flashlight", _("强光手电")
    TEAR_SPRAY = "tear_spray", _("催泪喷射器")
    EXTINGUISHER = "extinguisher", _("灭火器")
    HYDRANT = "hydrant", _("消防栓")
    EMERGENCY_LIGHT = "emergency_light", _("应急照明")
    EXIT_SIGN = "exit_sign", _("疏散指示")
    SMOKE_MASK = "smoke_mask", _("防烟面具")


GUARD_KIT = [
    EquipmentKind.HELMET,
    EquipmentKind.STAB_VEST,
    EquipmentKind.CUT_GLOVES,
    EquipmentKind.STEEL_FORK,
    EquipmentKind.SHIELD,
    EquipmentKind.BATON,
    EquipmentKind.FLASHLIGHT,
    EquipmentKind.TEAR_SPRAY,
]


def equipment_group(kind: str) -> str:
    return EquipmentGroup.GUARD_KIT if kind in GUARD_KIT else EquipmentGroup.FIRE


class Indicator(models.TextChoices):
    """The four 100% indicators (四个100%) of STANDARDS.md."""

    GUARDS = "guards", _("专职保安员配备")
    CLOSURE = "closure", _("封闭化管理")
    ALARM_VIDEO = "alarm_video", _("一键报警和视频监控")
    GATE_POSTS = "gate_posts", _("护学岗")
