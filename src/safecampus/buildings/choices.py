"""Building uses, structures, safety statuses and the remediation workflow, with their labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BuildingUse(models.TextChoices):
    TEACHING = "teaching", _("教学楼")
    DORMITORY = "dormitory", _("宿舍楼")
    CANTEEN = "canteen", _("食堂")
    LABORATORY = "laboratory", _("实验楼")
    OFFICE = "office", _("办公楼")
    GYMNASIUM = "gymnasium", _("体育馆")
    LIBRARY = "library", _("图书馆")
    OTHER = "other", _("其他")


class Structure(models.TextChoices):
    MASONRY = "masonry", _("砖混")
    FRAME = "frame", _("框架")
    FRAME_SHEAR = "frame_shear", _("框剪")
    STEEL = "steel", _("钢结构")
    BRICK_WOOD = "brick_wood", _("砖木")
    OTHER = "other", _("其他")


class SeismicStatus(models.TextChoices):
    COMPLIANT = "compliant", _("达标")
    NEEDS_RETROFIT = "needs_retrofit", _("需加固")
    NEEDS_REBUILD = "needs_rebuild", _("需拆除重建")
    RETROFITTING = "retrofitting", _("加固中")
    RETROFITTED = "retrofitted", _("已加固")


class FireStatus(models.TextChoices):
    COMPLIANT = "compliant", _("达标")
    HAZARD = "hazard", _("存在隐患")
    RECTIFYING = "rectifying", _("整改中")
    REMEDIATED = "remediated", _("已整改")


# A building "needs remediation" while either status is one of these.
SEISMIC_NEEDING = (
    SeismicStatus.NEEDS_RETROFIT,
    SeismicStatus.NEEDS_REBUILD,
    SeismicStatus.RETROFITTING,
)
FIRE_NEEDING = (FireStatus.HAZARD, FireStatus.RECTIFYING)

SEISMIC_COLOURS: dict[str, str] = {
    SeismicStatus.COMPLIANT: "green",
    SeismicStatus.NEEDS_RETROFIT: "orange",
    SeismicStatus.NEEDS_REBUILD: "red",
    SeismicStatus.RETROFITTING: "yellow",
    SeismicStatus.RETROFITTED: "teal",
}
FIRE_COLOURS: dict[str, str] = {
    FireStatus.COMPLIANT: "green",
    FireStatus.HAZARD: "red",
    FireStatus.RECTIFYING: "yellow",
    FireStatus.REMEDIATED: "teal",
}


class RemediationKind(models.TextChoices):
    FIRE = "fire", _("消防")
    SEISMIC = "seismic", _("抗震")
    BOTH = "both", _("消防抗震")


# The project kinds that count for a roll-up of one kind: a combined project counts for both.
KINDS_COUNTING_FOR: dict[str, tuple[RemediationKind, ...]] = {
    RemediationKind.FIRE: (RemediationKind.FIRE, RemediationKind.BOTH),
    RemediationKind.SEISMIC: (RemediationKind.SEISMIC, RemediationKind.BOTH),
    RemediationKind.BOTH: (RemediationKind.BOTH,),
}


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("规划中")
    IN_PROGRESS = "in_progress", _("施工中")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    REJECTED = "rejected", _("验收不通过")


PROJECT_STATUS_COLOURS: dict[str, str] = {
    ProjectStatus.PLANNED: "secondary",
    ProjectStatus.IN_PROGRESS: "yellow",
    ProjectStatus.AWAITING_ACCEPTANCE: "azure",
    ProjectStatus.ACCEPTED: "green",
    ProjectStatus.REJECTED: "red",
}


class ProjectAction(models.TextChoices):
    CREATE = "create", _("立项")
    START = "start", _("开工")
    PROGRESS = "progress", _("进度更新")
    SUBMIT = "submit", _("竣工，申请验收")
    ACCEPT = "accept", _("验收通过")
    REJECT = "reject", _("验收不通过")
    RESUME = "resume", _("返工整改")
