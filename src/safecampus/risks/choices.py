"""Choice sets of the risk catalogs and the three lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import SchoolType


class CatalogGroup(models.TextChoices):
    """Which schools a catalog is written for."""

    K12 = "k12", _("中小学")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    TRAINING = "training", _("校外培训机构")
    UNIVERSITY = "university", _("高校")


# Keyed by a school's school_type as stored (a str).
GROUP_OF_SCHOOL_TYPE: dict[str, CatalogGroup] = {
    SchoolType.KINDERGARTEN: CatalogGroup.KINDERGARTEN,
    SchoolType.TRAINING: CatalogGroup.TRAINING,
    SchoolType.UNIVERSITY: CatalogGroup.UNIVERSITY,
}


def catalog_group_for(school_type: str) -> str:
    """The catalog group of a school type: every other type is a K-12 school."""
    return GROUP_OF_SCHOOL_TYPE.get(school_type, CatalogGroup.K12)


class RiskLevel(models.TextChoices):
    """The four colours of the national risk-grading practice."""

    MAJOR = "major", _("重大")
    SIGNIFICANT = "significant", _("较大")
    GENERAL = "general", _("一般")
    LOW = "low", _("低")


RISK_LEVEL_COLOURS: dict[str, str] = {
    RiskLevel.MAJOR: "red",
    RiskLevel.SIGNIFICANT: "orange",
    RiskLevel.GENERAL: "yellow",
    RiskLevel.LOW: "blue",
}


class CheckFrequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    SEMESTER = "semester", _("每学期")
    YEARLY = "yearly", _("每年")


# Days between two checks of a measure, by frequency: what "due" means for a responsibility.
FREQUENCY_DAYS = {
    CheckFrequency.DAILY: 1,
    CheckFrequency.WEEKLY: 7,
    CheckFrequency.MONTHLY: 30,
    CheckFrequency.QUARTERLY: 91,
    CheckFrequency.SEMESTER: 182,
    CheckFrequency.YEARLY: 365,
}
