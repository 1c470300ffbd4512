from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentType(models.TextChoices):
    INTRUSION = "intrusion", _("不法侵害/暴力事件")
    FIRE = "fire", _("火灾")
    EARTHQUAKE = "earthquake", _("地震")
    MEDICAL = "medical", _("急症伤病")
    FOOD_POISONING = "food_poisoning", _("食物中毒")
    STAMPEDE = "stampede", _("拥挤踩踏")
    TRAFFIC = "traffic", _("交通事故")
    DROWNING = "drowning", _("溺水")
    BULLYING = "bullying", _("欺凌")
    NATURAL_DISASTER = "natural_disaster", _("自然灾害")
    PUBLIC_HEALTH = "public_health", _("公共卫生事件")
    OTHER = "other", _("其他")


class Severity(models.IntegerChoices):
    """The four grades of the national emergency response law (I is the gravest)."""

    I = 1, _("Ⅰ级 特别重大")  # noqa: E741 — the grade's own name
    II = 2, _("Ⅱ级 重大")
    III = 3, _("Ⅲ级 较大")
    IV = 4, _("Ⅳ级 一般")


SEVERITY_COLOURS = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}


class IncidentStatus(models.TextChoices):
    RAISED = "raised", _("待接警")
    ACKNOWLEDGED = "acknowledged", _("已接警")
    RESPONDING = "responding", _("处置中")
    RESOLVED = "resolved", _("已处置")
    CLOSED = "closed", _("已结案")


STATUS_COLOURS: dict[str, str] = {
    IncidentStatus.RAISED: "red",
    IncidentStatus.ACKNOWLEDGED: "orange",
    IncidentStatus.RESPONDING: "yellow",
    IncidentStatus.RESOLVED: "green",
    IncidentStatus.CLOSED: "secondary",
}
OPEN_STATUSES = (
    IncidentStatus.RAISED,
    IncidentStatus.ACKNOWLEDGED,
    IncidentStatus.RESPONDING,
)


class IncidentSource(models.TextChoices):
    DEVICE = "device", _("一键报警")
    MANUAL = "manual", _("人工报警")
    OFFICER = "officer", _("上级发起")


class AlarmSource(models.TextChoices):
    DEVICE = "device", _("报警按钮")
    MANUAL = "manual", _("页面/手机报警")


class EventKind(models.TextChoices):
    """The lines of an incident's timeline; also what a command board receives."""

    RAISED = "raised", _("发起")
    ALARM = "alarm", _("报警")
    ACKNOWLEDGED = "acknowledged", _("接警")
    ASSIGNED = "assigned", _("指派")
    RESPONDING = "responding", _("开始处置")
    STEP = "step", _("预案步骤完成")
    NOTE = "note", _("处置记录")
    NOTIFIED = "notified", _("已通知")
    ESCALATED = "escalated", _("上报市局")
    ALARM_RESET = "alarm_reset", _("报警复位")
    RESOLVED = "resolved", _("处置完毕")
    CLOSED = "closed", _("结案")
