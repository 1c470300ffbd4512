"""Emergency command (应急指挥): alarms, incidents, their timelines, and emergency plans.

An alarm is what a sender reports (a button press, a teacher's phone); an incident is what the
command handles. Every alarm opens an incident of its own, so that simultaneous alarms are all
shown (GB 50394) and none is folded into another by a guess. Alarms latch: they are reset by
hand, never disarmed or deleted — database triggers refuse DELETE for every client.

The timeline (`IncidentEvent`) is also the command boards' feed: its ids are the cursor a
board that reconnects replays from.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

from .choices import (
    OPEN_STATUSES,
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    AlarmSource,
    EventKind,
    IncidentSource,
    IncidentStatus,
    IncidentType,
    Severity,
)


class EmergencyPlan(AuditedModel):
    """An emergency plan (应急预案) for one incident type, published by the city (and read by
    every unit below it) or adopted by a school as its own copy. The steps are the checklist an
    incident follows; an incident keeps the steps it started with, so that editing a plan never
    rewrites a past response."""

    # Set on a plan the API shows (not a field): its schools' copies in the caller's scope.
    copy_count: int

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("制定单位"), on_delete=models.PROTECT, related_name="+"
    )
    incident_type = models.CharField(_("事件类型"), max_length=20, choices=IncidentType.choices)
    title = models.CharField(_("预案名称"), max_length=200)
    summary = models.TextField(_("适用范围与要点"), blank=True)
    # [{"text": "…", "role": "…"}, …] in order; the role says who does it.
    steps = models.JSONField(_("处置步骤"), default=list)
    version = models.PositiveIntegerField(_("版本"), default=1)
    adopted_from = models.ForeignKey(
        "self",
        verbose_name=_("来源预案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    active = models.BooleanField(_("在用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    scope_path = "unit__path"
    scope_inherited = True  # the city's plans are read by every district and school below it
    scope_view_action = "plan.view"

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["unit__path", "incident_type", "title"]
        indexes = [models.Index(fields=["unit", "incident_type"], name="plan_unit_type_idx")]

    def __str__(self) -> str:
        return self.title


class Incident(AuditedModel):
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    incident_type = models.CharField(_("事件类型"), max_length=20, choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(
        _("事件等级"), choices=Severity.choices, default=Severity.IV
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.RAISED,
        db_index=True,
    )
    source = models.CharField(_("来源"), max_length=10, choices=IncidentSource.choices)
    is_drill = models.BooleanField(_("演练"), default=False)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    description = models.CharField(_("情况描述"), max_length=1000, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("发生时间"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("接警时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接警人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("现场负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("上报市局时间"), null=True, blank=True)
    report = models.TextField(_("总结报告"), blank=True)
    plan = models.ForeignKey(
        EmergencyPlan,
        verbose_name=_("启用预案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The plan's steps as they were when the incident started (see EmergencyPlan).
    plan_steps = models.JSONField(default=list, blank=True)
    # A retried report (double tap, flaky network) finds the first instead of adding a second.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "school__unit__path"
    scope_view_action = "incident.view"

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(
                fields=["status", "raised_at"],
                name="incident_open_idx",
                condition=models.Q(status__in=OPEN_STATUSES),
            )
        ]

    def __str__(self) -> str:
        return f"{IncidentType(self.incident_type).label} · {self.school_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    def severity_colour(self) -> str:
        return SEVERITY_COLOURS[self.severity]


class Alarm(AuditedModel):
    """One press of a one-button alarm, or one alarm raised by hand from a page or a phone.

    `(origin, event_id)` is unique: the device's own event id (or the phone's client key) makes
    a re-sent alarm the same alarm. Latched until reset by hand; never deleted (triggers)."""

    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=10, choices=AlarmSource.choices)
    # The device id for a button, "user:<pk>" for a person.
    origin = models.CharField(_("报警源"), max_length=40)
    event_id = models.CharField(_("事件编号"), max_length=64)
    device = models.ForeignKey(
        "devices.AlarmButton",
        verbose_name=_("报警按钮"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    place = models.CharField(_("部位"), max_length=100, blank=True)
    pressed_at = models.DateTimeField(_("报警时间"))
    received_at = models.DateTimeField(_("平台接收时间"), default=timezone.now)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报警人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="alarms"
    )
    reset_at = models.DateTimeField(_("复位时间"), null=True, blank=True)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复位人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reset_note = models.CharField(_("复位说明"), max_length=500, blank=True)

    scope_path = "school__unit__path"
    scope_view_action = "incident.view"

    class Meta:
        verbose_name = _("报警")
        verbose_name_plural = _("报警")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "event_id"], name="alarm_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.origin}/{self.event_id}"

    @property
    def latched(self) -> bool:
        return self.reset_at is None

    def delete(self, *args, **kwargs):
        raise PermissionError("报警记录不可删除（GB 50394）")


class IncidentEvent(models.Model):
    """A line of the timeline, by whom and when; written only by the services, never changed.
    Its id is the command boards' replay cursor."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    scope_path = "incident__school__unit__path"
    scope_view_action = "incident.view"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"
