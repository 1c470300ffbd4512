"""The staffing and physical defenses of a school (人防、物防): guards, gate posts with their
rosters and sign-ins, protective equipment, campus closure and visitor registration.

Every record belongs to a school and is read through the access choke point (`scope_path`);
every change is in the audit trail (`AuditedModel`). The technical defenses (cameras, alarms)
live in the `devices` app; the four 100% verdicts are computed from both (`indicators.py`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

from .choices import (
    SCHOOL_DAYS,
    WEEKDAY_LABELS,
    DutyKind,
    Employment,
    EquipmentKind,
    Period,
    equipment_group,
)

# Birth years a working guard can have; the rule set's age limit is applied on top.
MIN_BIRTH_YEAR = 1940
MIN_GUARD_AGE = 16


class SchoolRecord(AuditedModel):
    """A record of one school's defenses."""

    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )

    scope_path = "school__unit__path"
    scope_view_action = "defense.view"

    class Meta:
        abstract = True


class Guard(SchoolRecord):
    name = models.CharField(_("姓名"), max_length=50)
    licence_no = models.CharField(_("保安员证号"), max_length=30, blank=True)
    licence_expiry = models.DateField(_("证件有效期至"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"))
    employment = models.CharField(
        _("用工方式"), max_length=10, choices=Employment.choices, default=Employment.FULL_TIME
    )
    company = models.CharField(_("保安公司"), max_length=100, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    # When the guard came and went: the staffing on a past day is read from these (the four
    # 100% as of a date). Blank `hired_on` is an unknown start, counted as always there.
    hired_on = models.DateField(_("上岗日期"), null=True, blank=True)
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("保安员")
        verbose_name_plural = _("保安员")
        ordering = ["school", "-active", "name", "pk"]
        indexes = [models.Index(fields=["school", "active"], name="guard_school_active_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors: dict[str, str | Promise] = {}
        this_year = timezone.localdate().year
        if self.birth_year is not None and not (
            MIN_BIRTH_YEAR <= self.birth_year <= this_year - MIN_GUARD_AGE
        ):
            errors["birth_year"] = _("出生年份须在 %(low)d 到 %(high)d 之间") % {
                "low": MIN_BIRTH_YEAR,
                "high": this_year - MIN_GUARD_AGE,
            }
        if self.employment == Employment.FULL_TIME and not self.licence_no.strip():
            errors["licence_no"] = _("专职保安员须填写保安员证号")
        if self.licence_expiry and not self.licence_no.strip():
            errors["licence_expiry"] = _("填写有效期须同时填写证号")
        if errors:
            raise ValidationError(errors)

    @property
    def age(self) -> int:
        """Age this year (the birth year is all a guard register records)."""
        return timezone.localdate().year - self.birth_year


class GatePost(SchoolRecord):
    """A gate post (护学岗) at arrival or dismissal time."""

    name = models.CharField(_("岗位名称/位置"), max_length=100)
    period = models.CharField(_("时段"), max_length=10, choices=Period.choices)
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("护学岗")
        verbose_name_plural = _("护学岗")
        ordering = ["school", "period", "starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_period_display()}）"

    def clean(self):
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError({"ends_at": _("结束时间须晚于开始时间")})


weekdays_validator = RegexValidator(r"^1?2?3?4?5?6?7?$", _("上岗日须为 1–7 的数字（周一为 1）"))


class GatePostDuty(AuditedModel):
    """Someone on a gate post's roster, on some weekdays."""

    post = models.ForeignKey(GatePost, on_delete=models.CASCADE, related_name="duties")
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("身份"), max_length=10, choices=DutyKind.choices)
    # ISO weekdays as digits in order, "12345" = Monday to Friday.
    weekdays = models.CharField(
        _("上岗日"), max_length=7, default=SCHOOL_DAYS, validators=[weekdays_validator]
    )
    # The days the roster entry holds (blank: open-ended), so that a past day's roster can be
    # read back: someone who stood the post until last term no longer covers it today.
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("截止日期"), null=True, blank=True)

    scope_path = "post__school__unit__path"
    scope_view_action = "defense.view"

    class Meta:
        verbose_name = _("护学岗人员")
        verbose_name_plural = _("护学岗人员")
        ordering = ["post", "kind", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def weekday_labels(self) -> str:
        if self.weekdays == SCHOOL_DAYS:
            return str(_("周一至周五"))
        return "、".join(str(WEEKDAY_LABELS[d]) for d in self.weekdays)

    def clean(self):
        if not self.weekdays:
            raise ValidationError({"weekdays": _("请至少选择一个上岗日")})


class GatePostSignIn(AuditedModel):
    """Someone signed in at a gate post on a day. Idempotent: by the phone's client key, and
    one sign-in per person, post and day."""

    post = models.ForeignKey(GatePost, on_delete=models.PROTECT, related_name="sign_ins")
    on_date = models.DateField(_("日期"))
    period = models.CharField(_("时段"), max_length=10, choices=Period.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签到人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=150)
    signed_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "post__school__unit__path"
    scope_view_action = "defense.view"

    class Meta:
        verbose_name = _("护学岗签到")
        verbose_name_plural = _("护学岗签到")
        ordering = ["-on_date", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "on_date", "user"], name="gatepostsignin_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} {self.on_date} {self.name}"


class Equipment(SchoolRecord):
    """How many of one kind of protective equipment a school keeps, and when it was checked."""

    kind = models.CharField(_("器材"), max_length=20, choices=EquipmentKind.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    last_checked_on = models.DateField(_("最近检查日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("防护器材")
        verbose_name_plural = _("防护器材")
        ordering = ["school", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind"],
                name="equipment_one_row_per_kind",
                violation_error_message=_("该校已有这种器材的记录，请修改其数量"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.quantity}"

    @property
    def group(self) -> str:
        return equipment_group(self.kind)

    def clean(self):
        if self.last_checked_on and self.last_checked_on > timezone.localdate():
            raise ValidationError({"last_checked_on": _("检查日期不能晚于今天")})


class EquipmentChange(models.Model):
    """A dated change of a school's count of one kind of equipment (bought: positive; written
    off: negative): the count on a past day is the sum of the changes up to it. Written by the
    services beside the audited `Equipment` row, never changed; not tied to that row, so that
    the history outlives a deleted one."""

    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EquipmentKind.choices)
    on = models.DateField()
    change = models.IntegerField()

    scope_path = "school__unit__path"
    scope_view_action = "defense.view"

    class Meta:
        ordering = ["school", "kind", "on", "pk"]
        indexes = [models.Index(fields=["school", "kind", "on"], name="equipmentchange_idx")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.kind} {self.on} {self.change:+d}"


class CampusSecurity(SchoolRecord):
    """The school's closed-campus management and perimeter (one row per school)."""

    school = models.OneToOneField(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    closed_management = models.BooleanField(_("实行封闭化管理"), default=False)
    entry_registration = models.BooleanField(_("落实出入登记"), default=False)
    anti_ram_barriers = models.BooleanField(_("校门设防冲撞设施"), default=False)
    perimeter_fence = models.BooleanField(_("周界设实体围墙或栅栏"), default=False)
    gate_house_24h = models.BooleanField(_("门卫室 24 小时值守"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    audit_fields = [
        "closed_management",
        "entry_registration",
        "anti_ram_barriers",
        "perimeter_fence",
        "gate_house_24h",
    ]

    class Meta:
        verbose_name = _("封闭化管理")
        verbose_name_plural = _("封闭化管理")

    def __str__(self) -> str:
        return str(self.school_id)


id_last4_validator = RegexValidator(
    r"^\d{3}[\dX]$", _("只登记证件号后 4 位（数字，最后一位可为 X）")
)


class EntryRecord(SchoolRecord):
    """A visitor's entry and exit (出入登记). Only the last four characters of the ID number
    are kept: the minimum a gate needs to tell visitors apart (PIPL, minimum collection)."""

    visitor_name = models.CharField(_("来访人"), max_length=50)
    id_last4 = models.CharField(_("证件号后 4 位"), max_length=4, validators=[id_last4_validator])
    reason = models.CharField(_("事由"), max_length=200)
    host = models.CharField(_("被访人/部门"), max_length=100)
    entered_at = models.DateTimeField(_("进校时间"), default=timezone.now)
    left_at = models.DateTimeField(_("离校时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("出入登记")
        verbose_name_plural = _("出入登记")
        ordering = ["-entered_at", "-pk"]
        indexes = [models.Index(fields=["school", "entered_at"], name="entry_school_at_idx")]

    def __str__(self) -> str:
        return f"{self.visitor_name} {self.entered_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.left_at and self.entered_at and self.left_at < self.entered_at:
            raise ValidationError({"left_at": _("离校时间不能早于进校时间")})
