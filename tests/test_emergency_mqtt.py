"""Alarm presses through a real Mosquitto into the real ingestor: skipped unless MQTT_URL is set
(CI sets it on its PostgreSQL run). The SIGKILL burst is bench/alarm_durability.py."""

import json
import os
import time

import pytest

from safecampus.devices import mqtt
from safecampus.devices.models import AlarmButton
from safecampus.emergency.models import Alarm, Incident

from .test_devices_mqtt import _publish_when_subscribed, _run_until, ingestor_for, topic

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
    press = lambda b: topic("TA01", b.device_id, "alarm")  # noqa: E731
    now = time.time()
    messages = [
        (press(buttons[0]), json.dumps({"event_id": "P-1", "ts": now})),
        (press(buttons[1]), json.dumps({"event_id": "P-1", "ts": now})),  # another device: new
        (press(buttons[0]), json.dumps({"event_id": "P-1", "ts": now})),  # re-sent: the same
        (press(buttons[2]), json.dumps({"event_id": "D-1", "drill": True})),
        (press(buttons[2]), "not json"),
        (press(buttons[2]), json.dumps({"event_id": "has space"})),
        (topic("TB01", buttons[0].device_id, "alarm"), json.dumps({"event_id": "X-1"})),
        (topic("TA01", "00000000000000000000", "alarm"), json.dumps({"event_id": "U-1"})),
        # The deployments' prefix: not this run's ingestor's.
        (mqtt.topic("TA01", buttons[1].device_id, "alarm"), json.dumps({"event_id": "Z-1"})),
    ]
    ingestor = ingestor_for(url)
    publisher = _publish_when_subscribed(url, ingestor, messages)
    counters = ingestor.counters
    _run_until(ingestor, lambda: counters["received"] >= 8 and counters["alarms"] >= 4)
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
    # Exactly this run's messages: none of the deployments' prefix, none of another run's.
    assert ingestor.counters["received"] == 8
    assert ingestor.counters["malformed"] == 3 and ingestor.counters["unknown"] == 1
