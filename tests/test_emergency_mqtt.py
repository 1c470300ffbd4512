"""Alarm presses through a real Mosquitto into the real ingestor: skipped unless MQTT_URL is set
(CI sets it on its PostgreSQL run). The SIGKILL burst is bench/alarm_durability.py."""

import json
import os
import time

import pytest

from safecampus.devices import mqtt
from safecampus.devices.ingest import Ingestor
from safecampus.devices.models import AlarmButton
from safecampus.emergency.models import Alarm, Incident

from .test_devices_mqtt import _publish_later

pytestmark = [
    pytest.mark.skipif(not os.environ.get("MQTT_URL"), reason="MQTT_URL is not set"),
    # One broker for both xdist workers: the tests that talk to it take turns.
    pytest.mark.xdist_group("mqtt"),
]


def test_presses_are_written_once_each_and_garbage_is_dropped(world):
    url = os.environ["MQTT_URL"]
    serial = f"{os.getpid() % 1000000:06d}"
    buttons = [
        AlarmButton.objects.create(
            school=world.a1,
            name=f"按钮{i}",
            device_id=f"9913{serial}134{i:07d}",
            place="gate_house",
        )
        for i in range(3)
    ]
    topic = lambda b: mqtt.topic("TA01", b.device_id, "alarm")  # noqa: E731
    now = time.time()
    messages = [
        (topic(buttons[0]), json.dumps({"event_id": "P-1", "ts": now})),
        (topic(buttons[1]), json.dumps({"event_id": "P-1", "ts": now})),  # another device: new
        (topic(buttons[0]), json.dumps({"event_id": "P-1", "ts": now})),  # re-sent: the same
        (topic(buttons[2]), json.dumps({"event_id": "D-1", "drill": True})),
        (topic(buttons[2]), "not json"),
        (topic(buttons[2]), json.dumps({"event_id": "has space"})),
        (mqtt.topic("TB01", buttons[0].device_id, "alarm"), json.dumps({"event_id": "X-1"})),
        (mqtt.topic("TA01", "00000000000000000000", "alarm"), json.dumps({"event_id": "U-1"})),
    ]
    publisher = _publish_later(url, messages, delay=1.0)
    ingestor = Ingestor(url=url, flush_interval=0.5, log_interval=1)
    ingestor.run(duration=4)
    publisher.join(5)
    alarms = Alarm.objects.filter(origin__in=[b.device_id for b in buttons])
    assert sorted(alarms.values_list("origin", "event_id")) == sorted(
        [
            (buttons[0].device_id, "P-1"),
            (buttons[1].device_id, "P-1"),
            (buttons[2].device_id, "D-1"),
        ]
    )
    assert Incident.objects.filter(is_drill=True).count() == 1
    assert ingestor.counters["alarms"] == 4  # the re-sent press is taken and found, not added
    assert ingestor.counters["malformed"] >= 3 and ingestor.counters["unknown"] >= 1
