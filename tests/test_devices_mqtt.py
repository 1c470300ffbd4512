"""The real ingestor against a real Mosquitto: skipped unless MQTT_URL is set (CI sets it on its
PostgreSQL run). The ingestor runs in the test's own thread — its database writes share the
test's transaction — while publishers (and a private broker it loses and gets back) run in
other threads.

The broker may be shared with other test runs (another worktree, CI next to a developer): each
run's topics start with a prefix of its own and every client id is unique, so that no run hears
another's messages or takes over another's connection."""

import json
import os
import socket
import subprocess
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from safecampus.devices import mqtt
from safecampus.devices.ingest import Ingestor
from safecampus.devices.models import DeviceState
from safecampus.devices.services import device_create

from .servers import skip_or_fail, system_binary

pytestmark = [
    pytest.mark.skipif(not os.environ.get("MQTT_URL"), reason="MQTT_URL is not set"),
    # One broker for both xdist workers: the tests that talk to it take turns. (Each run's
    # topics and client ids are its own, so this only spares a loaded machine.)
    pytest.mark.xdist_group("mqtt"),
]

# This run's first topic level, instead of the deployments' `safecampus`.
RUN_PREFIX = f"safecampus-test-{uuid.uuid4().hex[:10]}"


def topic(school_code: str, device_id: str, message_type: str = "status") -> str:
    return mqtt.topic(school_code, device_id, message_type, prefix=RUN_PREFIX)


def ingestor_for(url: str) -> Ingestor:
    """An ingestor of this run's topics, with a client id of its own (clean session)."""
    return Ingestor(url=url, flush_interval=0.5, log_interval=1, topic_prefix=RUN_PREFIX)


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


WAIT = 30  # seconds: generous, for a loaded machine; the tests end as soon as they can


def _publish_when_subscribed(
    url: str, ingestor: Ingestor, messages: list[tuple[str, str]]
) -> threading.Thread:
    """Publish (QoS 1, in order) from another thread once the ingestor's subscriptions are in
    place: a message published before would reach no subscriber and be lost."""

    def run():
        if not ingestor.subscribed.wait(WAIT):
            return  # the test's assertions say what is missing
        client = mqtt.client(url, f"safecampus-test-publisher-{uuid.uuid4().hex}")
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


def _run_until(ingestor: Ingestor, done) -> None:
    """Run the ingestor in the test's thread (its writes share the test's transaction) until
    `done()` holds (or WAIT seconds); it writes what it holds as it stops."""

    def watch():
        deadline = time.monotonic() + WAIT
        while not done() and time.monotonic() < deadline and not ingestor.stop.is_set():
            time.sleep(0.05)
        ingestor.stop.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ingestor.run(duration=WAIT + 5)
    watcher.join(5)


def test_the_ingestor_takes_heartbeats_and_faults_from_the_broker_and_survives_garbage(world):
    url = os.environ["MQTT_URL"]
    cameras = _cameras(world, 3)
    first, second, third = (c.device_id for c in cameras)
    messages = [
        (topic("TA01", first), json.dumps({"status": "ok", "ts": time.time()})),
        (topic("TA01", second), '{"status": "fault", "fault": "VIDEO_LOSS"}'),
        (topic("TA01", third), "garbage"),
        (topic("TA01", third), '{"status": "ok", "ts": "x"}'),
        (topic("TB01", third), '{"status": "ok"}'),
        (topic("TA01", "00000000000000000000"), '{"status": "ok"}'),
        # The deployments' prefix: another ingestor's message, never this one's.
        (mqtt.topic("TA01", third), '{"status": "ok"}'),
    ] * 3
    ingestor = ingestor_for(url)
    publisher = _publish_when_subscribed(url, ingestor, messages)
    _run_until(ingestor, lambda: ingestor.counters["received"] >= 18)
    publisher.join(5)
    states = {s.device_id: s for s in DeviceState.objects.filter(pk__in=[first, second, third])}
    assert states[first].last_seen_at > timezone.now() - timedelta(seconds=10)
    assert states[second].fault_code == "VIDEO_LOSS"
    assert states[third].last_seen_at < timezone.now() - timedelta(minutes=30)
    # Exactly this run's messages: none of the deployments' prefix, none of another run's.
    assert ingestor.counters["received"] == 18
    assert ingestor.counters["malformed"] == 9 and ingestor.counters["unknown"] == 3
    assert ingestor.counters["valid"] == 6 and ingestor.counters["written"] >= 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT} s for {what}")
        time.sleep(0.05)


def test_the_ingestor_reconnects_when_the_broker_restarts(world, tmp_path):
    mosquitto = system_binary("mosquitto")
    if mosquitto is None:
        skip_or_fail("no mosquitto binary to restart (Debian package mosquitto)")
    port = _free_port()
    url = f"mqtt://127.0.0.1:{port}"
    (config := tmp_path / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n"
    )
    camera = _cameras(world, 1)[0]
    brokers = []

    def start():
        brokers.append(subprocess.Popen([mosquitto, "-c", str(config)], stderr=subprocess.DEVNULL))  # noqa: S603
        _wait(lambda: _listening(port), "the broker to listen")

    start()
    ingestor = ingestor_for(url)
    failures: list[BaseException] = []

    def restart_and_publish():
        try:
            _wait(ingestor.subscribed.is_set, "the first subscription")
            brokers[-1].terminate()
            brokers[-1].wait(5)
            _wait(lambda: not ingestor.subscribed.is_set(), "the ingestor to notice")
            start()
            # paho reconnects by itself (first after 1 s) and the ingestor subscribes again.
            _publish_when_subscribed(
                url, ingestor, [(topic("TA01", camera.device_id), '{"status": "ok"}')]
            ).join(WAIT + 5)
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            failures.append(exc)
            ingestor.stop.set()

    controller = threading.Thread(target=restart_and_publish, daemon=True)
    controller.start()
    try:
        _run_until(ingestor, lambda: ingestor.counters["valid"] >= 1)
    finally:
        controller.join(WAIT)
        for broker in brokers:
            broker.terminate()
            broker.wait(5)
    assert not failures, failures
    assert ingestor.counters["connects"] == 2
    assert ingestor.counters["valid"] == 1
    state = DeviceState.objects.get(pk=camera.device_id)
    assert state.last_seen_at > timezone.now() - timedelta(minutes=1)
