"""Alarm presses from one-button alarm devices: the one validator of MQTT payloads
(`safecampus/<school code>/<device id>/alarm`, QoS 1) and HTTP bodies, and the write.

    {"event_id": "20261129-000123", "ts": 1795000000.5}
    {"event_id": "T-0007", "ts": "2026-11-29T08:00:00+08:00", "drill": true}

`event_id` is the device's own id of the press (1–64 of A–Z a–z 0–9 _ . : -): a device that
re-sends after a lost acknowledgement sends the same id, and the platform keeps one alarm.
`ts` is when the button was pressed by the device's clock; a clock that is clearly wrong never
costs the alarm — the platform's receiving time stands in for it. `drill` marks an exercise.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.devices.messages import DEVICE_ID, Malformed, json_body, timestamp_from

from .choices import AlarmSource
from .services import AlarmIn, alarms_receive_batch

EVENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class AlarmMessage:
    device_id: str
    event_id: str
    sent_at: float | None
    is_drill: bool


def alarm_from_dict(device_id, body) -> AlarmMessage:
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise Malformed(_("设备编码须为 20 位数字（GB/T 28181）"))
    if not isinstance(body, dict):
        raise Malformed(_("消息须为 JSON 对象"))
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
        raise Malformed(_("event_id 须为 1–64 位字母、数字或 _.:-（设备自身的报警事件编号）"))
    drill = body.get("drill", False)
    if not isinstance(drill, bool):
        raise Malformed(_("drill 须为 true 或 false"))
    return AlarmMessage(device_id, event_id, timestamp_from(body.get("ts")), drill)


def alarm_from_payload(device_id: str, payload: bytes) -> AlarmMessage:
    return alarm_from_dict(device_id, json_body(payload))


def _pressed_at(sent_at: float | None, received: datetime) -> datetime:
    if sent_at is None:
        return received
    at = datetime.fromtimestamp(sent_at, UTC)
    if received - timedelta(days=1) <= at <= received + timedelta(minutes=5):
        return at
    return received


def device_alarm_in(message: AlarmMessage, button, received: datetime | None = None) -> AlarmIn:
    """The alarm of one press of `button` (an active AlarmButton, with its school's unit and
    district), as `alarms_receive_batch` takes it."""
    received = received or timezone.now()
    return AlarmIn(
        school=button.school,
        origin=button.device_id,
        event_id=message.event_id,
        source=AlarmSource.DEVICE,
        device=button,
        place=f"{button.get_place_display()} · {button.name}",
        pressed_at=_pressed_at(message.sent_at, received),
        is_drill=message.is_drill,
    )


def device_alarm(message: AlarmMessage, button, received: datetime | None = None):
    """Write one press of `button` (an active AlarmButton). Answers (alarm, created)."""
    (result,) = alarms_receive_batch([device_alarm_in(message, button, received)])
    if isinstance(result, Exception):
        raise result
    return result
