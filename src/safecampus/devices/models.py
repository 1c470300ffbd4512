"""Technical defenses (技防): cameras and one-button alarms of a school, and their live state.

The registry (what is installed where) is business data and audited like any other record.
The live state a device reports (heartbeats, faults) is telemetry: it is kept in
`DeviceState`, one row per device, outside the audit trail — a city of ~100,000 cameras sends
~1,600 heartbeats a second, and none of them is a change a person made.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

# GB/T 28181 device IDs: 20 digits (centre code 8, industry 2, type 3, network 1, serial 6).
device_id_validator = RegexValidator(r"^\d{20}$", _("设备编码须为 20 位数字（GB/T 28181）"))


class Place(models.TextChoices):
    """The places of the protection-grade rule set (rules kind `protection_grade`)."""

    OUTSIDE_GATE = "outside_gate", _("校门外")
    PERIMETER = "perimeter", _("周界")
    MAIN_ENTRANCE = "main_entrance", _("校门口")
    GATE_HOUSE = "gate_house", _("门卫室")
    PLAYGROUND = "playground", _("操场")
    CORRIDOR = "corridor", _("教学楼走廊及出入口")
    OTHER = "other", _("其他部位")


class DeviceKind(models.TextChoices):
    CAMERA = "camera", _("摄像头")
    ALARM = "alarm", _("一键式紧急报警")


class Status(models.TextChoices):
    """What the platform makes of a device's reports (derived, never stored): heard from within
    the `device_status` rule's threshold or not, and whether its last report was a fault."""

    ONLINE = "online", _("在线")
    FAULT = "fault", _("故障")
    OFFLINE = "offline", _("离线")


STATUS_COLOURS = {Status.ONLINE: "green", Status.FAULT: "orange", Status.OFFLINE: "red"}


class Device(AuditedModel):
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    device_id = models.CharField(
        _("设备编码"), max_length=20, unique=True, validators=[device_id_validator]
    )
    place = models.CharField(_("部位"), max_length=16, choices=Place.choices)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    # The day it was taken out of service (set when deactivated): with `installed_on`, what a
    # school had on a past day.
    removed_on = models.DateField(_("停用日期"), null=True, blank=True)

    scope_path = "school__unit__path"
    scope_view_action = "device.view"
    kind: str = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Camera(Device):
    model = models.CharField(_("型号"), max_length=60, blank=True)
    stream_url = models.CharField(_("视频流地址"), max_length=300, blank=True)

    kind = DeviceKind.CAMERA

    class Meta:
        verbose_name = _("摄像头")
        verbose_name_plural = _("摄像头")
        ordering = ["school", "place", "name"]
        indexes = [models.Index(fields=["school", "place"], name="camera_school_place_idx")]


class AlarmButton(Device):
    linked_to_police = models.BooleanField(_("已联网公安"), default=False)
    police_unit = models.CharField(_("联网接警单位"), max_length=100, blank=True)
    last_tested_on = models.DateField(_("最近测试日期"), null=True, blank=True)

    kind = DeviceKind.ALARM

    class Meta:
        verbose_name = _("一键式紧急报警")
        verbose_name_plural = _("一键式紧急报警")
        ordering = ["school", "name"]


class AlarmTest(models.Model):
    """A test of a one-button alarm with the police (the rule asks for one a month), dated:
    whether a button had been tested in time on a past day is read from these.
    `AlarmButton.last_tested_on` is the latest; the services add a row when it moves."""

    alarm = models.ForeignKey(AlarmButton, on_delete=models.CASCADE, related_name="tests")
    tested_on = models.DateField()

    scope_path = "alarm__school__unit__path"
    scope_view_action = "device.view"

    class Meta:
        ordering = ["alarm", "tested_on"]
        constraints = [
            models.UniqueConstraint(fields=["alarm", "tested_on"], name="alarmtest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.tested_on}"


class DeviceState(models.Model):
    """What a device last reported. Keyed by the device's GB/T 28181 ID so that the ingestor
    writes without looking up registry rows; `school` is copied for the roll-ups, and the
    one-to-one link to the registry row (`Camera.state`, `AlarmButton.state`) lets lists join
    the state instead of looking it up per row.

    Heartbeats rewrite `last_seen_at` ~1,600 times a second: it is deliberately not indexed, so
    that PostgreSQL can update the row in place (a HOT update) without touching any index."""

    device_id = models.CharField(max_length=20, primary_key=True)
    kind = models.CharField(max_length=8, choices=DeviceKind.choices)
    # Indexed by (school, kind) below; a second index on school alone would only cost writes.
    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    camera = models.OneToOneField(
        Camera, null=True, blank=True, on_delete=models.CASCADE, related_name="state"
    )
    alarm = models.OneToOneField(
        AlarmButton, null=True, blank=True, on_delete=models.CASCADE, related_name="state"
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    fault_code = models.CharField(max_length=40, blank=True)
    fault_since = models.DateTimeField(null=True, blank=True)
    # The hazard a fault left unfixed past the `equipment_check` limit opened (once per fault);
    # cleared when the device recovers, so that a later fault opens a new one.
    fault_hazard = models.ForeignKey(
        "hazards.Hazard", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["school", "kind"], name="devicestate_school_kind_idx"),
            models.Index(
                fields=["fault_since"],
                name="devicestate_faults_idx",
                condition=models.Q(fault_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.last_seen_at}"


class DeviceToken(AuditedModel):
    """A bearer token a device or a school's gateway reports status with over HTTP. Only its
    SHA-256 is stored; the value is shown once. Limited to one device (`device_id`) or to every
    device of its school (blank)."""

    PREFIX = "scd_"

    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    device_id = models.CharField(
        _("限定设备编码"), max_length=20, blank=True, validators=[device_id_validator]
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("令牌尾号"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    scope_path = "school__unit__path"
    scope_view_action = "device.view"
    # Never the hash; the trail shows which token (name, hint) was issued or revoked.
    audit_fields = ["school_id", "device_id", "name", "hint", "revoked_at"]

    class Meta:
        verbose_name = _("设备上报令牌")
        verbose_name_plural = _("设备上报令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
