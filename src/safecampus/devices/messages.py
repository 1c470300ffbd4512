"""Device status messages: the one validator of MQTT payloads and of HTTP batch items.

A status message says that a device is alive and whether it works:

    {"ts": 1767225600.5, "status": "ok"}
    {"ts": "2026-01-01T08:00:00+08:00", "status": "fault", "fault": "VIDEO_LOSS"}

`ts` (optional) is when the device sent it — Unix seconds or ISO 8601 with an offset. It only
measures delivery lag: the platform's own clock decides last-seen and fault times, so that a
device with a wrong clock is neither kept online nor pushed offline by it. Over MQTT the device
id comes from the topic (docs/devices.md), over HTTP from the item's `device_id`.
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

DEVICE_ID = re.compile(r"^\d{20}$")
FAULT_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
MAX_PAYLOAD_BYTES = 1024
# Fault codes the demo and the simulator use; a device may send any code of that shape.
FAULT_CODES = {
    "camera": ["VIDEO_LOSS", "STORAGE_FULL", "TAMPER", "IMAGE_BLUR", "NTP_FAIL"],
    "alarm": ["LINE_CUT", "BATTERY_LOW", "TAMPER"],
}


class Malformed(ValueError):
    """A message that cannot be taken; the reason is logged and counted, the message dropped."""


@dataclass(frozen=True, slots=True)
class StatusMessage:
    device_id: str
    fault: str  # "" when the device reports it works
    sent_at: float | None  # the device's `ts` in Unix seconds, if it gave one


def timestamp_from(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise Malformed(_("ts 须为 Unix 秒数或 ISO 8601 时间"))
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0 or value > 1e11:
            raise Malformed(_("ts 须为 Unix 秒数或 ISO 8601 时间"))
        return float(value)
    if isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.timestamp()
    raise Malformed(_("ts 须为 Unix 秒数或带时区的 ISO 8601 时间"))


def status_from_dict(device_id, body) -> StatusMessage:
    """Validate one status message (already decoded) for `device_id`."""
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise Malformed(_("设备编码须为 20 位数字（GB/T 28181）"))
    if not isinstance(body, dict):
        raise Malformed(_("消息须为 JSON 对象"))
    status = body.get("status")
    if status == "ok":
        fault = ""
    elif status == "fault":
        code = body.get("fault")
        if not isinstance(code, str) or not FAULT_CODE.match(code):
            raise Malformed(_("故障消息须带 fault 故障代码（1–40 位字母、数字或 _.:-）"))
        fault = code
    else:
        raise Malformed(_("status 须为 ok 或 fault"))
    return StatusMessage(device_id, fault, timestamp_from(body.get("ts")))


def json_body(payload: bytes):
    """The JSON of a device's MQTT payload (raw bytes, at most 1 KB)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Malformed(_("消息超过 1 KB"))
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise Malformed(_("消息不是有效的 JSON")) from None


def status_from_payload(device_id: str, payload: bytes) -> StatusMessage:
    """Validate an MQTT payload (raw bytes) for the device named by its topic."""
    return status_from_dict(device_id, json_body(payload))
