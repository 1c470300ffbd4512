"""The real ingestor against a real Mosquitto: skipped unless MQTT_URL is set (CI sets it on its
PostgreSQL run). The ingestor runs in the test's own thread — its database writes share the
test's transaction — while publishers (and a private broker it loses and gets back) run in
other threads."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from safecampus.devices import mqtt
from safecampus.devices.ingest import Ingestor
from safecampus.devices.models import DeviceState
from safecampus.devices.services import device_create

pytestmark = [
    pytest.mark.skipif(not os.environ.get("MQTT_URL"), reason="MQTT_URL is not set"),
    # One broker for both xdist workers: the tests that talk to it take turns.
    pytest.mark.xdist_group("mqtt"),
]


def _cameras(world, n: int) -> list:
    cameras = []
    for i in range(n):
        camera = device_create(
            user=world.users["district_a"],
            kind="camera",
            school=world.a1,
            name=f"走廊半球{i}",
            device_id=f"99{os.getpid() % 1000000:06d}05132{8}{i:06d}"[:20],
            place="corridor",
        )
        DeviceState.objects.filter(pk=camera.device_id).update(
            last_seen_at=timezone.now() - timedelta(hours=1)
        )
        cameras.append(camera)
    return cameras


def _publish_later(url: str, messages: list[tuple[str, str]], delay: float) -> threading.Thread:
    def run():
        time.sleep(delay)
        client = mqtt.client(url, mqtt.client_id("test-publisher"))
        host, port = client.safecampus_address
        client.connect(host, port)
        client.loop_start()
        for topic, payload in messages:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
        client.disconnect()
        client.loop_stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_ingestor_takes_heartbeats_and_faults_from_the_broker_and_survives_garbage(world):
    url = os.environ["MQTT_URL"]
    cameras = _cameras(world, 3)
    first, second, third = (c.device_id for c in cameras)
    messages = [
        (mqtt.topic("TA01", first), json.dumps({"status": "ok", "ts": time.time()})),
        (mqtt.topic("TA01", second), '{"status": "fault", "fault": "VIDEO_LOSS"}'),
        (mqtt.topic("TA01", third), "garbage"),
        (mqtt.topic("TA01", third), '{"status": "ok", "ts": "x"}'),
        (mqtt.topic("TB01", third), '{"status": "ok"}'),
        (mqtt.topic("TA01", "00000000000000000000"), '{"status": "ok"}'),
    ] * 3
    publisher = _publish_later(url, messages, delay=1.0)
    ingestor = Ingestor(url=url, flush_interval=0.5, log_interval=1)
    ingestor.run(duration=5)
    publisher.join(5)
    states = {s.device_id: s for s in DeviceState.objects.filter(pk__in=[first, second, third])}
    assert states[first].last_seen_at > timezone.now() - timedelta(seconds=10)
    assert states[second].fault_code == "VIDEO_LOSS"
    assert states[third].last_seen_at < timezone.now() - timedelta(minutes=30)
    assert ingestor.counters["malformed"] >= 9 and ingestor.counters["unknown"] >= 3
    assert ingestor.counters["valid"] >= 6 and ingestor.counters["written"] >= 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("mosquitto"), reason="no mosquitto binary to restart")
def test_the_ingestor_reconnects_when_the_broker_restarts(world, tmp_path):
    port = _free_port()
    url = f"mqtt://127.0.0.1:{port}"
    (config := tmp_path / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n"
    )
    camera = _cameras(world, 1)[0]
    brokers = []

    def start():
        brokers.append(
            subprocess.Popen(
                [shutil.which("mosquitto"), "-c", str(config)], stderr=subprocess.DEVNULL
            )
        )

    start()
    time.sleep(0.5)
    heard: list[float] = []

    def restart_and_publish():
        time.sleep(1.5)
        brokers[-1].terminate()
        brokers[-1].wait(5)
        time.sleep(1.0)
        start()
        time.sleep(3.5)  # paho's first reconnect delay is 1 s, then it subscribes again
        heard.append(time.time())
        _publish_later(url, [(mqtt.topic("TA01", camera.device_id), '{"status": "ok"}')], 0).join(5)

    controller = threading.Thread(target=restart_and_publish, daemon=True)
    controller.start()
    ingestor = Ingestor(url=url, flush_interval=0.5, log_interval=1)
    try:
        ingestor.run(duration=9)
    finally:
        controller.join(10)
        for broker in brokers:
            broker.terminate()
            broker.wait(5)
    assert ingestor.counters["connects"] >= 2
    assert ingestor.counters["valid"] == 1
    state = DeviceState.objects.get(pk=camera.device_id)
    assert state.last_seen_at > timezone.now() - timedelta(seconds=15)
