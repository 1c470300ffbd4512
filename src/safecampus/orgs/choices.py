"""Choice sets of the org tree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区市")
    SCHOOL = "school", _("学校")


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    NINE_YEAR = "nine_year", _("九年一贯制")
    TWELVE_YEAR = "twelve_year", _("十二年一贯制")
    VOCATIONAL = "vocational", _("中职")
    SPECIAL = "special", _("特殊教育")
    UNIVERSITY = "university", _("高校")
    TRAINING = "training", _("校外培训机构")


# The article's headline figure "1,587 schools and kindergartens" counts these types; the
# universities and the off-campus training institutions are reported beside it.
BASIC_SCHOOL_TYPES = [
    SchoolType.KINDERGARTEN,
    SchoolType.PRIMARY,
    SchoolType.JUNIOR,
    SchoolType.SENIOR,
    SchoolType.NINE_YEAR,
    SchoolType.TWELVE_YEAR,
    SchoolType.VOCATIONAL,
    SchoolType.SPECIAL,
]

# Badge colours per school type (Tabler colour names), one place for page and chart. Keyed by
# str: a school's `school_type` (a plain str field) is the key it is read with.
SCHOOL_TYPE_COLOURS: dict[str, str] = {
    SchoolType.KINDERGARTEN: "pink",
    SchoolType.PRIMARY: "green",
    SchoolType.JUNIOR: "teal",
    SchoolType.SENIOR: "blue",
    SchoolType.NINE_YEAR: "cyan",
    SchoolType.TWELVE_YEAR: "indigo",
    SchoolType.VOCATIONAL: "orange",
    SchoolType.SPECIAL: "purple",
    SchoolType.UNIVERSITY: "red",
    SchoolType.TRAINING: "yellow",
}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")
