"""The rectification list (整改清单): every hazard found, and the tracked way to its closing."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel, AuditedQuerySet

from .choices import (
    STATUS_COLOURS,
    HazardAction,
    HazardLevel,
    HazardSource,
    HazardStatus,
    hazard_overdue,
)


class HazardQuerySet(AuditedQuerySet):
    def open(self):
        return self.exclude(status=HazardStatus.CLOSED)

    def overdue(self, today: date | None = None):
        """Open hazards past their deadline; derived, never stored."""
        return self.open().filter(deadline__lt=today or timezone.localdate())


# Hazard.objects is declared a ClassVar like AuditedModel's: the stubs take `as_manager()`
# assigned in a subclass for an instance attribute, which may not override a class variable.
# At run time this is the manager as_manager() makes.
HazardManager = models.Manager.from_queryset(HazardQuerySet)


class Hazard(AuditedModel):
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="hazards"
    )
    aspect = models.ForeignKey(
        "risks.Aspect",
        verbose_name=_("方面"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    catalog_point = models.ForeignKey(
        "risks.CatalogRiskPoint",
        verbose_name=_("对应风险点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField(
        _("隐患等级"), max_length=10, choices=HazardLevel.choices, default=HazardLevel.GENERAL
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=HazardSource.choices, default=HazardSource.REPORT
    )
    place = models.CharField(_("部位"), max_length=100, blank=True)
    description = models.CharField(_("隐患描述"), max_length=1000)
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now, db_index=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发现人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"),
        max_length=24,
        choices=HazardStatus.choices,
        default=HazardStatus.REPORTED,
        db_index=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan = models.CharField(_("整改方案"), max_length=1000, blank=True)
    measures = models.CharField(_("整改措施"), max_length=1000, blank=True)
    money = models.DecimalField(
        _("整改资金（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField(_("整改期限"), null=True, blank=True, db_index=True)
    result = models.CharField(_("整改结果"), max_length=1000, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # Listed supervision (挂牌督办) of a major hazard by a district or the city.
    supervised_by = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("督办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supervision_deadline = models.DateField(_("督办期限"), null=True, blank=True)
    # A phone that retries a report sends the same key: the second request finds the first.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Denormalised from the school for the ledger's district filter and roll-ups.
    district = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("区市"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The school's place in the tree, copied at report time and kept in step when units move
    # (OrgUnit.save): the access choke point filters on it without joining school and unit,
    # which made every ledger, statistic and export of a large scope pay for two joins.
    unit_path = models.CharField(max_length=255, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[HazardManager["Hazard"]] = HazardManager()
    scope_path = "unit_path"
    scope_view_action = "hazard.view"
    audit_fields = [
        "level",
        "source",
        "place",
        "description",
        "status",
        "owner_id",
        "plan",
        "measures",
        "money",
        "deadline",
        "result",
        "closed_at",
        "supervised_by_id",
        "supervisor_id",
        "supervision_deadline",
    ]

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        ordering = ["-found_at", "-pk"]
        indexes = [
            models.Index(fields=["district", "found_at"], name="hazard_district_found_idx"),
            models.Index(fields=["status", "deadline"], name="hazard_status_deadline_idx"),
            # Covers the statistics and the ledger's count for a scope's path prefix
            # (PostgreSQL answers them from the index alone; other databases ignore INCLUDE
            # and the operator class).
            models.Index(
                fields=["unit_path"],
                include=["found_at", "status", "level", "deadline", "supervised_by", "district"],
                opclasses=["varchar_pattern_ops"],
                name="hazard_scope_covering_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.description[:30]}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.unit_path:
            self.unit_path = self.school.unit.path
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return hazard_overdue(self.status, self.deadline, timezone.localdate())

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]


class HazardEvent(models.Model):
    """The timeline of a hazard: every step, by whom and when. Written only by the services."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=HazardAction.choices)
    from_status = models.CharField(max_length=24, choices=HazardStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=HazardStatus.choices)
    note = models.CharField(max_length=1000, blank=True)

    scope_path = "hazard__unit_path"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action}"


class HazardPhoto(AuditedModel):
    """A photo of the hazard as found, or of the rectified result; stored re-encoded."""

    STAGES = [("found", _("发现时")), ("result", _("整改后"))]

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("阶段"), max_length=10, choices=STAGES)
    image = models.FileField(_("图片"), upload_to="hazards/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    scope_path = "hazard__unit_path"
    scope_view_action = "hazard.view"
    audit_fields = ["hazard_id", "stage", "image", "width", "height"]

    class Meta:
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.stage}"
