from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("检查发现")
    PATROL = "patrol", _("巡查发现")
    MEASURE_CHECK = "measure_check", _("措施检查")
    REPORT = "report", _("随手上报")
    DEVICE = "device", _("设备故障超时")


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ASSIGNED = "assigned", _("已派发")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING_VERIFICATION = "awaiting_verification", _("待验收")
    CLOSED = "closed", _("已销号")


def hazard_overdue(status: str, deadline: date | None, today: date) -> bool:
    """Open and past its deadline: derived, never stored (the model, the ledger and the API)."""
    return status != HazardStatus.CLOSED and deadline is not None and deadline < today


STATUS_COLOURS: dict[str, str] = {
    HazardStatus.REPORTED: "red",
    HazardStatus.ASSIGNED: "orange",
    HazardStatus.RECTIFYING: "yellow",
    HazardStatus.AWAITING_VERIFICATION: "azure",
    HazardStatus.CLOSED: "green",
}


class HazardAction(models.TextChoices):
    REPORT = "report", _("上报")
    ASSIGN = "assign", _("派发整改")
    START = "start", _("开始整改")
    SUBMIT = "submit", _("提交验收")
    ACCEPT = "accept", _("验收通过，销号")
    REJECT = "reject", _("验收不通过，退回整改")
    SUPERVISE = "supervise", _("挂牌督办")
