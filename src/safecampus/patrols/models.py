"""Online hazard patrols (隐患网上巡查): QR-coded check points of a school and the visits that
guards log by scanning them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel


def new_token() -> str:
    """The secret a check point's QR code carries: 144 random bits, URL-safe (24 characters).
    Unguessable, so knowing one school's codes reveals nothing about another's."""
    return secrets.token_urlsafe(18)


class CheckPoint(AuditedModel):
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="check_points",
    )
    name = models.CharField(_("巡查点名称"), max_length=60)
    place = models.CharField(_("位置与说明"), max_length=200, blank=True)
    is_key_area = models.BooleanField(_("重点部位"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("设立时间"), default=timezone.now)

    scope_path = "school__unit__path"
    scope_view_action = "patrol.view"
    # The token is left out of the trail: it is the key the printed code carries.
    audit_fields = ["school_id", "name", "place", "is_key_area", "active"]

    # Set on the point a scan answers (not fields): today's visits, and the daily number
    # required of a key area (api.scan_point).
    today_visits: int
    required: int | None

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["school", "-is_key_area", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="checkpoint_name_per_school")
        ]

    def __str__(self) -> str:
        return self.name


class PatrolVisit(AuditedModel):
    """One scan of a check point: who, when, a note, and the hazard found there if any."""

    check_point = models.ForeignKey(
        CheckPoint, verbose_name=_("巡查点"), on_delete=models.PROTECT, related_name="visits"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("巡查人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("巡查时间"), default=timezone.now)
    # The local (Asia/Shanghai) date of visited_at, stored so that the daily counts are one
    # indexed GROUP BY on every database instead of a time-zone conversion per row.
    day = models.DateField(_("日期"))
    note = models.CharField(_("巡查情况"), max_length=500, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("发现的隐患"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # A phone that retries a scan sends the same key: the second request finds the first.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "check_point__school__unit__path"
    scope_view_action = "patrol.view"
    audit_fields = [
        "check_point_id",
        "user_id",
        "visited_at",
        "note",
        "hazard_id",
        "latitude",
        "longitude",
    ]

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["check_point", "day"], name="patrolvisit_point_day_idx"),
            models.Index(fields=["day"], name="patrolvisit_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.check_point} {timezone.localtime(self.visited_at):%Y-%m-%d %H:%M}"
