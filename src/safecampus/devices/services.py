"""Writes of the technical-defense registry: cameras and alarm buttons, the camera workbook,
device tokens, the HTTP status batch, and turning long faults into hazards."""

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.texts import Text
from safecampus.orgs.models import School
from safecampus.rules.selectors import rule_partitions

from . import excel
from .messages import DEVICE_ID, Malformed, status_from_dict
from .models import AlarmButton, AlarmTest, Camera, DeviceKind, DeviceState, DeviceToken, Place
from .telemetry import faults_write, heartbeats_write

logger = logging.getLogger("safecampus.devices")

MODELS: dict[str, type[Camera] | type[AlarmButton]] = {
    DeviceKind.CAMERA: Camera,
    DeviceKind.ALARM: AlarmButton,
}
# Fields a person edits, per kind (forms, API, audit).
FIELDS: dict[str, list[str]] = {
    DeviceKind.CAMERA: ["name", "device_id", "place", "installed_on", "model", "stream_url"],
    DeviceKind.ALARM: [
        "name",
        "device_id",
        "place",
        "installed_on",
        "linked_to_police",
        "police_unit",
        "last_tested_on",
    ],
}
STREAM_SCHEMES = ("rtsp://", "rtmp://", "http://", "https://")
MAX_BATCH = 1000


def device_id_taken(device_id: str, *, exclude=None) -> bool:
    """Device IDs are unique across cameras and alarm buttons (one GB/T 28181 namespace)."""
    for model in (Camera, AlarmButton):
        qs = model.objects.filter(device_id=device_id)
        if exclude is not None and isinstance(exclude, model):
            qs = qs.exclude(pk=exclude.pk)
        if qs.exists():
            return True
    return False


def _check(kind: str, values: dict) -> dict:
    """Clean the editable fields; BusinessRuleError names the first problem in words."""
    values = {k: v for k, v in values.items() if k in FIELDS[kind]}
    for key in ("model", "stream_url", "police_unit"):
        if key in values and values[key] is None:
            values[key] = ""  # a cleared text field is blank, never NULL
    if "linked_to_police" in values and not isinstance(values["linked_to_police"], bool):
        raise BusinessRuleError(_("请说明是否已联网公安"))
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"] or len(values["name"]) > 100:
            raise BusinessRuleError(_("名称不能为空，且不超过 100 字"))
    if "device_id" in values:
        values["device_id"] = (values["device_id"] or "").strip()
        if not DEVICE_ID.match(values["device_id"]):
            raise BusinessRuleError(_("设备编码须为 20 位数字（GB/T 28181）"))
    if "place" in values and values["place"] not in Place.values:
        raise BusinessRuleError(_("未知部位"))
    today = timezone.localdate()
    for key, label in (("installed_on", _("安装日期")), ("last_tested_on", _("最近测试日期"))):
        if isinstance(values.get(key), date) and values[key] > today:
            raise BusinessRuleError(_("%(f)s不能晚于今天") % {"f": label})
    if values.get("stream_url"):
        values["stream_url"] = values["stream_url"].strip()
        if not values["stream_url"].startswith(STREAM_SCHEMES) or len(values["stream_url"]) > 300:
            raise BusinessRuleError(_("视频流地址须以 rtsp://、rtmp://、http:// 或 https:// 开头"))
    for key, limit in (("model", 60), ("police_unit", 100)):
        if key in values:
            values[key] = (values[key] or "").strip()
            if len(values[key]) > limit:
                raise BusinessRuleError(_("%(f)s过长") % {"f": key})
    return values


def state_for(device) -> DeviceState:
    return DeviceState(
        device_id=device.device_id,
        kind=device.kind,
        school_id=device.school_id,
        camera=device if device.kind == DeviceKind.CAMERA else None,
        alarm=device if device.kind == DeviceKind.ALARM else None,
    )


@transaction.atomic
def device_create(*, user, kind: str, school: School, **values):
    """Register a camera or alarm button at a school (with an empty live state)."""
    require(user, "device.manage", school.unit)
    values = _check(kind, values)
    missing = [f for f in ("name", "device_id", "place") if not values.get(f)]
    if missing:
        raise BusinessRuleError(_("请填写名称、设备编码和部位"))
    if device_id_taken(values["device_id"]):
        raise BusinessRuleError(_("设备编码 %(id)s 已被登记") % {"id": values["device_id"]})
    device = MODELS[kind].objects.create(school=school, **values)
    state_for(device).save()
    _tested(device)
    return device


def _tested(device) -> None:
    """Keep the dated tests of an alarm button in step with its latest test date."""
    tested_on = getattr(device, "last_tested_on", None)
    if tested_on is not None:
        AlarmTest.objects.get_or_create(alarm=device, tested_on=tested_on)


@transaction.atomic
def device_update(*, user, device, **values):
    """Change a device's registry fields. A new device ID means new hardware: its live state
    starts afresh."""
    require(user, "device.manage", device.school.unit)
    values = _check(device.kind, values)
    new_id = values.get("device_id", device.device_id)
    if new_id != device.device_id and device_id_taken(new_id, exclude=device):
        raise BusinessRuleError(_("设备编码 %(id)s 已被登记") % {"id": new_id})
    old_id = device.device_id
    changed = False
    for key, value in values.items():
        if getattr(device, key) != value:
            setattr(device, key, value)
            changed = True
    if changed:
        device.save()
        _tested(device)
    if new_id != old_id:
        DeviceState.objects.filter(device_id=old_id).delete()
        state_for(device).save()
    return device


@transaction.atomic
def device_set_active(*, user, device, active: bool):
    """Deactivate (taken out of service: no longer counted, its messages ignored) or bring back."""
    require(user, "device.manage", device.school.unit)
    if device.active != active:
        device.active = active
        device.removed_on = None if active else timezone.localdate()
        device.save()
    return device


# --- The camera workbook ----------------------------------------------------------------------


def cameras_export(*, user, cameras) -> bytes:
    """The cameras (already scoped and filtered) as a workbook; the export is audited."""
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出摄像头 %(count)s 台"), count=cameras.count())
    )
    return excel.cameras_bytes(cameras)


# --- Device tokens and the HTTP status batch ---------------------------------------------------


@transaction.atomic
def device_token_issue(
    *, user, school: School, name: str, device_id: str = ""
) -> tuple[DeviceToken, str]:
    """A token for one device of the school, or (blank device_id) for all of them. Answers the
    token and its value, which is shown this once."""
    require(user, "device.manage", school.unit)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BusinessRuleError(_("请填写令牌名称（不超过 100 字）"))
    device_id = (device_id or "").strip()
    if device_id and not any(
        m.objects.filter(school=school, device_id=device_id).exists() for m in MODELS.values()
    ):
        raise BusinessRuleError(_("本校没有设备编码为 %(id)s 的设备") % {"id": device_id})
    raw = DeviceToken.new_key()
    token = DeviceToken.objects.create(
        school=school,
        device_id=device_id,
        name=name,
        key_hash=DeviceToken.hash(raw),
        hint=raw[-4:],
        created_by=user,
    )
    return token, raw


@transaction.atomic
def device_token_revoke(*, user, token: DeviceToken) -> DeviceToken:
    require(user, "device.manage", token.school.unit)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save()
    return token


def device_token_check(raw: str) -> DeviceToken | None:
    """The live token behind a bearer value; marks it used (at most once a minute)."""
    if not raw.startswith(DeviceToken.PREFIX):
        return None
    token = (
        DeviceToken.objects.filter(key_hash=DeviceToken.hash(raw), revoked_at__isnull=True)
        .select_related("school__unit")
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        # Telemetry of the token, not a change a person made: a plain update, not audited.
        DeviceToken._base_manager.filter(pk=token.pk).update(last_used_at=now)
    return token


def _devices_of(token: DeviceToken, device_ids: set[str]) -> set[str]:
    """Which of `device_ids` the token may report for: its device, or active ones of its school."""
    if token.device_id:
        device_ids &= {token.device_id}
    allowed: set[str] = set()
    for model in MODELS.values():
        allowed |= set(
            model.objects.filter(
                school_id=token.school_id, active=True, device_id__in=device_ids
            ).values_list("device_id", flat=True)
        )
    return allowed


@transaction.atomic
def device_status_report(*, token: DeviceToken, items: list) -> dict:
    """A batch of status messages over HTTP. Each item stands alone: the good ones are written,
    the bad ones reported by index with the reason — one misconfigured camera behind a school's
    gateway must not silence the others. Answers {accepted, rejected: [{index, device_id,
    message}]}."""
    if len(items) > MAX_BATCH:
        raise BusinessRuleError(_("一批最多 %(n)d 条消息") % {"n": MAX_BATCH})
    now = timezone.now()
    rejected, good = [], []
    for index, item in enumerate(items):
        device_id = item.get("device_id") if isinstance(item, dict) else None
        try:
            good.append((index, status_from_dict(device_id, item)))
        except Malformed as exc:
            rejected.append(
                {
                    "index": index,
                    "device_id": device_id if isinstance(device_id, str) else None,
                    "message": str(exc),
                }
            )
    allowed = _devices_of(token, {m.device_id for _i, m in good})
    seen: dict[str, datetime] = {}
    faults: dict[str, tuple[str, datetime] | None] = {}
    open_faults = set(
        DeviceState.objects.filter(device_id__in=allowed, fault_since__isnull=False).values_list(
            "device_id", flat=True
        )
    )
    accepted = 0
    for index, message in good:
        if message.device_id not in allowed:
            rejected.append(
                {
                    "index": index,
                    "device_id": message.device_id,
                    "message": _("该令牌无权上报此设备（或设备未登记、已停用）"),
                }
            )
            continue
        accepted += 1
        seen[message.device_id] = now
        if message.fault:
            faults[message.device_id] = (message.fault, now)
        elif message.device_id in open_faults or message.device_id in faults:
            faults[message.device_id] = None
    heartbeats_write(seen)
    faults_write(faults)
    if rejected:
        logger.info("status batch of token %s: %d rejected", token.pk, len(rejected))
    return {"accepted": accepted, "rejected": sorted(rejected, key=lambda r: r["index"])}


# --- Faults left unfixed become hazards ---------------------------------------------------------


def device_faults_escalate(now=None) -> int:
    """Open a hazard on the school's rectification list for every fault older than the
    `equipment_check` rule's `fault_fix_hours` of its school, once per fault: the state row is
    locked and linked to the hazard, and the hazard's client key names the fault (device and
    start), so neither a rerun nor two runs at once open a second one."""
    from safecampus.hazards.choices import HazardSource
    from safecampus.hazards.models import Hazard
    from safecampus.hazards.services import hazard_report
    from safecampus.risks.models import Aspect

    now = now or timezone.now()
    aspect = Aspect.objects.filter(code="04").first()  # 治安防范（人防物防技防）
    labels = dict(Place.choices)
    opened = 0
    for rule, governs in rule_partitions("equipment_check", "school__unit__path"):
        limit = now - timedelta(hours=rule.rules.fault_fix_hours)
        due = DeviceState.objects.filter(
            governs, fault_since__lte=limit, fault_hazard__isnull=True
        ).filter(Q(camera__active=True) | Q(alarm__active=True))
        for device_id in due.values_list("device_id", flat=True):
            with transaction.atomic():
                state = (
                    DeviceState.objects.select_for_update(of=("self",))
                    .select_related("camera", "alarm", "school__unit")
                    .filter(device_id=device_id, fault_since__lte=limit, fault_hazard__isnull=True)
                    .first()
                )
                if state is None:
                    continue  # recovered or handled meanwhile
                device = state.camera or state.alarm
                if device is None or state.fault_since is None:
                    # Neither happens: a state row is made with its device and deleted with
                    # it, and the query above asks for a fault.
                    continue
                key = f"device-fault-{device_id}-{int(state.fault_since.timestamp())}"
                hazard = Hazard.objects.filter(client_key=key).first()
                if hazard is None:
                    since = timezone.localtime(state.fault_since)
                    hazard, _created = hazard_report(
                        user=None,  # no person reports it: the platform found it
                        school=state.school,
                        description=_(
                            "%(kind)s“%(name)s”（设备编码 %(id)s）故障 %(code)s，自 %(since)s 起超过 %(h)d 小时未修复"
                        )
                        % {
                            "kind": DeviceKind(state.kind).label,
                            "name": device.name,
                            "id": device_id,
                            "code": state.fault_code,
                            "since": since.strftime("%Y-%m-%d %H:%M"),
                            "h": rule.rules.fault_fix_hours,
                        },
                        source=HazardSource.DEVICE,
                        place=str(labels.get(device.place, "")),
                        aspect=aspect,
                        found_at=min(now, timezone.now()),
                        client_key=key,
                    )
                    opened += 1
                state.fault_hazard = hazard
                state.save(update_fields=["fault_hazard"])
    return opened
