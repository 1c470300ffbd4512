"""Checks: checklist templates built from the catalogs, campaigns (self-inspection,
unannounced spot checks 四不两直, cross-district checks, special campaigns), the inspection of
one school and its item results."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel


class CampaignKind(models.TextChoices):
    SELF = "self", _("自查")
    SPOT = "spot", _("四不两直抽查")
    CROSS = "cross", _("交叉检查")
    SPECIAL = "special", _("专项整治")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    IN_PROGRESS = "in_progress", _("检查中")
    SUBMITTED = "submitted", _("已提交")


class Outcome(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class ChecklistTemplate(AuditedModel):
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"
    scope_inherited = True
    scope_view_action = "inspection.view"

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(AuditedModel):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("检查内容"), max_length=500)
    aspect = models.ForeignKey(
        "risks.Aspect", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    catalog_point = models.ForeignKey(
        "risks.CatalogRiskPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path = "template__unit__path"
    scope_inherited = True
    scope_view_action = "inspection.view"

    class Meta:
        ordering = ["template", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class Campaign(AuditedModel):
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=CampaignKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.PROTECT, related_name="+"
    )
    # Which schools the campaign covers: school types (empty: all) within the organizer's unit.
    school_types = models.JSONField(_("学校类型"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"
    scope_view_action = "inspection.view"

    class Meta:
        verbose_name = _("检查行动")
        verbose_name_plural = _("检查行动")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class Inspection(AuditedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="inspections")
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("受检学校"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查组"),
        related_name="inspection_teams",
        blank=True,
    )
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    selection_reason = models.CharField(_("抽取依据"), max_length=300, blank=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "school__unit__path"
    scope_member_lookup = "team"
    scope_view_action = "inspection.view"
    audit_fields = [
        "campaign_id",
        "school_id",
        "planned_on",
        "status",
        "started_at",
        "submitted_at",
        "selection_reason",
    ]

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["campaign", "planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "school"], name="inspection_once_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.school}"


class InspectionResult(AuditedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=4, choices=Outcome.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    taken_at = models.DateTimeField(_("时间"), default=timezone.now)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    hazard = models.ForeignKey(
        "hazards.Hazard", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path = "inspection__school__unit__path"
    scope_member_lookup = "inspection__team"
    scope_view_action = "inspection.view"

    class Meta:
        ordering = ["inspection", "item__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"], name="inspectionresult_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.item_id} {self.outcome}"


class InspectionPhoto(AuditedModel):
    """A photo taken on site for one item of an inspection in progress, stored re-encoded
    (core/images.py). It stays with the item's result; when the item fails, the hazard it
    opens gets the photo too (the same stored file)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    image = models.FileField(_("图片"), upload_to="inspections/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # SHA-256 of the file as sent. A phone that retries an upload sends the same bytes again,
    # and finds the first photo instead of adding a second (no key to lose between tries).
    digest = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    scope_path = "inspection__school__unit__path"
    scope_member_lookup = "inspection__team"
    scope_view_action = "inspection.view"
    audit_fields = ["inspection_id", "item_id", "image", "width", "height"]

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item", "digest"], name="inspectionphoto_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.item_id} {self.image.name}"
