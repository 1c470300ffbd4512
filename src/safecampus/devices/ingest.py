"""The long-running ingestor of device messages (`safecampus ingest`).

    broker ──(paho network thread)──▶ dispatcher by message type ──▶ handler.handle()
                                           (validate, coalesce in memory, count)
    main thread, once a second ──────▶ handler.flush() ──▶ one UPDATE … FROM (VALUES …)

Heartbeats are coalesced: of the messages of one device in a second only the latest matters, so
a second's worth of messages becomes one statement. A message that cannot be taken is counted
and logged (a sample, rate-limited) and dropped; nothing a device sends stops the ingestor, and
a database error keeps the batch for the next second. paho reconnects by itself when the broker
restarts, and the subscriptions are renewed on every connect.

Each message type is a handler, keyed by the last topic level, that an app declares on its
AppConfig (`ingest_handlers`, core/registry.py): `message_type`, `qos`, `handle()`, `flush()`
and `refresh()`, as `StatusHandler` below. Alarm presses (`emergency.ingest.AlarmHandler`,
declared by the emergency app) are QoS 1, written by the main thread as they arrive
(`work_until()`, one handler at most; what is queued together goes in one transaction) and
acknowledged to the broker only after that commit (manual acknowledgement), where status
messages are QoS 0 and may be coalesced. With a session name the ingestor keeps a persistent
MQTT session, so that presses taken by the broker while it was down are delivered on restart.
"""

import json
import logging
import os
import signal
import statistics
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, close_old_connections, connection, transaction

from safecampus.core.heap import freeze_after_startup
from safecampus.core.registry import each, load

from . import mqtt
from .messages import Malformed, status_from_payload
from .models import AlarmButton, Camera, DeviceState
from .telemetry import faults_write, heartbeats_write

logger = logging.getLogger("safecampus.devices.ingest")


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class StatusHandler:
    """Heartbeats and faults (`…/<device id>/status`, QoS 0)."""

    message_type = "status"
    qos = 0

    def __init__(self, ingestor: "Ingestor"):
        self.ingestor = ingestor
        self.lock = threading.Lock()
        self.seen: dict[str, float] = {}
        self.faults: dict[str, tuple[str, float] | None] = {}
        self.sent: list[float] = []  # the devices' `ts` of this batch, for the lag
        self.faulted: dict[str, str] = {}  # device → fault code, as last written

    def handle(self, school_code: str, device_id: str, payload: bytes, received: float) -> None:
        message = status_from_payload(device_id, payload)
        registered = self.ingestor.registry.get(device_id)
        if registered is None:
            raise Unknown(device_id)
        if registered != school_code:
            raise Malformed(f"device {device_id} belongs to school {registered}, not {school_code}")
        with self.lock:
            if received > self.seen.get(device_id, 0.0):
                self.seen[device_id] = received
            if message.sent_at is not None:
                self.sent.append(message.sent_at)
            if message.fault:
                if self.faulted.get(device_id) != message.fault:
                    self.faults[device_id] = (message.fault, received)
                    self.faulted[device_id] = message.fault
            elif device_id in self.faulted:
                self.faults[device_id] = None
                del self.faulted[device_id]

    def take(self):
        with self.lock:
            batch = (self.seen, self.faults, self.sent)
            self.seen, self.faults, self.sent = {}, {}, []
        return batch

    def give_back(self, batch) -> None:
        """A batch the database refused goes back, merged under anything newer."""
        seen, faults, sent = batch
        with self.lock:
            for device_id, at in seen.items():
                if at > self.seen.get(device_id, 0.0):
                    self.seen[device_id] = at
            for device_id, change in faults.items():
                self.faults.setdefault(device_id, change)
            self.sent[:0] = sent

    def flush(self) -> tuple[int, list[float]]:
        """Write the batch; answers (rows written, the batch's sent times)."""
        batch = self.take()
        seen, faults, sent = batch
        if not seen and not faults:
            return 0, sent
        try:
            with transaction.atomic():
                written = heartbeats_write({d: _at(t) for d, t in seen.items()})
                faults_write({d: (c[0], _at(c[1])) if c else None for d, c in faults.items()})
        except DatabaseError:
            self.give_back(batch)
            raise
        return written, sent

    def refresh(self) -> None:
        """Reload the open faults from the database (the HTTP endpoint writes them too)."""
        faulted = dict(
            DeviceState.objects.filter(fault_since__isnull=False).values_list(
                "device_id", "fault_code"
            )
        )
        with self.lock:
            # Transitions taken but not yet written stay as this handler last saw them.
            for device_id, change in self.faults.items():
                if change is None:
                    faulted.pop(device_id, None)
                else:
                    faulted[device_id] = change[0]
            self.faulted = faulted


class Unknown(Exception):
    """A well-formed message from a device that is not registered (or no longer in use)."""


class Ingestor:
    def __init__(
        self,
        *,
        url: str | None = None,
        flush_interval: float = 1.0,
        refresh_interval: float = 60.0,
        log_interval: float = 10.0,
        stats_file: str | None = None,
        group: str | None = None,
        session: str | None = None,
        topic_prefix: str = mqtt.PREFIX,
    ):
        self.url = url
        self.topic_prefix = mqtt.check_prefix(topic_prefix)
        self.flush_interval = flush_interval
        self.refresh_interval = refresh_interval
        self.log_interval = log_interval
        self.stats_file = Path(stats_file) if stats_file else None
        self.group = group
        self.session = session
        # The handlers the apps declare (`ingest_handlers`, core/registry.py), by message type.
        self.handlers = {
            h.message_type: h for h in (load(path)(self) for _app, path in each("ingest_handlers"))
        }
        arriving = [h for h in self.handlers.values() if hasattr(h, "work_until")]
        if len(arriving) > 1:
            raise ImproperlyConfigured("at most one ingest handler may write as messages arrive")
        # The main thread writes this handler's messages as they arrive (alarms) while it
        # waits for the next batch of the others (heartbeats, once a second).
        self.arriving = arriving[0] if arriving else None
        self.registry: dict[str, str] = {}  # active device → its school's code
        self.counters: Counter = Counter()
        self.reasons: Counter = Counter()  # why messages were dropped, since the last log
        self.lags: deque = deque(maxlen=200_000)  # (when written, seconds since sent)
        self.connected = False
        # Set once the broker has acknowledged the subscriptions of the current connection:
        # from then on no message on this ingestor's topics is missed (cleared on disconnect).
        self.subscribed = threading.Event()
        self._subscription: int | None = None
        self.stop = threading.Event()
        self._samples_logged = 0
        self.started = time.time()

    # --- messages (paho's network thread) --------------------------------------------------------

    def dispatch(self, topic: str, payload: bytes, received: float | None = None, ack=None) -> None:
        """Route one message by its type (the last topic level). Never raises. `ack` sends the
        broker its acknowledgement: at once for a message taken or dropped here, after commit
        for a handler that `acks_itself`."""
        received = received or time.time()
        if not self._dispatch(topic, payload, received, ack) and ack is not None:
            ack()

    def _dispatch(self, topic, payload, received, ack) -> bool:
        """Answers whether a handler kept the message to acknowledge it itself."""
        self.counters["received"] += 1
        try:
            prefix, school_code, device_id, message_type = topic.split("/")
            if prefix != self.topic_prefix:
                raise ValueError
        except ValueError:
            self._drop(
                "malformed",
                "topic",
                topic,
                f"topic is not {self.topic_prefix}/<school>/<device>/<type>",
            )
            return False
        handler = self.handlers.get(message_type)
        if handler is None:
            self._drop("malformed", "type", topic, f"unknown message type {message_type!r}")
            return False
        acks_itself = getattr(handler, "acks_itself", False)
        try:
            if acks_itself:
                handler.handle(school_code, device_id, payload, received, ack)
            else:
                handler.handle(school_code, device_id, payload, received)
        except Malformed as exc:
            self._drop("malformed", "payload", topic, str(exc))
        except Unknown:
            self._drop("unknown", "unregistered", topic, "device not registered or not in use")
        except Exception:  # a bug must not stop the ingestor either
            self.counters["errors"] += 1
            logger.exception("message on %s could not be handled", topic)
        else:
            self.counters["valid"] += 1
            return acks_itself
        return False

    def _drop(self, counter: str, reason: str, topic: str, detail: str) -> None:
        self.counters[counter] += 1
        self.reasons[reason] += 1
        if self._samples_logged < 10:  # a sample per log interval, not a flood
            self._samples_logged += 1
            logger.warning("dropped message on %s: %s", topic[:200], detail[:200])

    def _on_message(self, client, userdata, message) -> None:
        mid, qos = message.mid, message.qos
        self.dispatch(message.topic, message.payload, ack=lambda: client.ack(mid, qos))

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.error("broker refused the connection: %s", reason_code)
            return
        self.connected = True
        self.counters["connects"] += 1
        topics = []
        for handler in self.handlers.values():
            topic = mqtt.topic("+", "+", handler.message_type, prefix=self.topic_prefix)
            if self.group:
                # Shared subscription: several ingestors split the messages between them.
                topic = f"$share/{self.group}/{topic}"
            topics.append((topic, handler.qos))
        # One SUBSCRIBE for all, so that one acknowledgement says they are all in place.
        _result, self._subscription = client.subscribe(topics)
        logger.info("connected to the broker, subscribed to %s", ", ".join(self.handlers))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid != self._subscription:
            return
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            logger.error("the broker refused subscriptions: %s", refused)
            return
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected = False
        self.subscribed.clear()
        if not self.stop.is_set():
            logger.warning("lost the broker (%s); reconnecting", reason_code)

    # --- the database (main thread) ------------------------------------------------------------

    def refresh(self) -> None:
        registry: dict[str, str] = {}
        for model in (Camera, AlarmButton):
            registry.update(
                model.objects.filter(active=True).values_list("device_id", "school__unit__code")
            )
        self.registry = registry
        for handler in self.handlers.values():
            handler.refresh()

    def flush(self) -> None:
        for handler in self.handlers.values():
            try:
                written, sent = handler.flush()
            except DatabaseError:
                self.counters["db_errors"] += 1
                logger.exception("database write failed; the batch is kept for the next try")
                connection.close()  # a fresh connection next time (e.g. after a restart)
                continue
            self.counters["written"] += written
            self.counters["flushes"] += 1
            now = time.time()
            self.lags.extend((now, now - s) for s in sent if -60 < now - s < 3600)
            while self.lags and self.lags[0][0] < now - 60:
                self.lags.popleft()

    def stats(self, window: float | None = None) -> dict:
        window = window or self.log_interval
        since = time.time() - window
        recent = [lag for at, lag in self.lags if at >= since]
        quantiles = statistics.quantiles(recent, n=100) if len(recent) >= 2 else recent * 99
        return {
            "pid": os.getpid(),
            "at": time.time(),
            "uptime_s": round(time.time() - self.started, 1),
            "connected": self.connected,
            "devices": len(self.registry),
            **{
                k: self.counters[k]
                for k in (
                    "received",
                    "valid",
                    "malformed",
                    "unknown",
                    "errors",
                    "written",
                    "alarms",
                    "flushes",
                    "db_errors",
                    "connects",
                )
            },
            "lag_ms": {
                "window_s": window,
                "n": len(recent),
                "p50": round(quantiles[49] * 1000, 1) if recent else None,
                "p95": round(quantiles[94] * 1000, 1) if recent else None,
                "max": round(max(recent) * 1000, 1) if recent else None,
            },
        }

    def _write_stats(self) -> None:
        if self.stats_file is None:
            return
        tmp = self.stats_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stats()))
        tmp.replace(self.stats_file)

    def _log(self) -> None:
        s = self.stats()
        logger.info(
            "received %d valid %d malformed %d unknown %d written %d db_errors %d; lag p50 %s ms p95 %s ms max %s ms%s",
            s["received"],
            s["valid"],
            s["malformed"],
            s["unknown"],
            s["written"],
            s["db_errors"],
            s["lag_ms"]["p50"],
            s["lag_ms"]["p95"],
            s["lag_ms"]["max"],
            f"; dropped: {dict(self.reasons)}" if self.reasons else "",
        )
        self.reasons.clear()
        self._samples_logged = 0

    def run(self, duration: float | None = None) -> None:
        """Connect and ingest until stopped (SIGTERM/SIGINT) or `duration` seconds have passed."""
        if not self.url:  # the one without a broker is driven by dispatch() (simulate-devices)
            raise ValueError("the ingestor needs a broker URL to run (MQTT_URL or --url)")
        if self.session:
            client = mqtt.client(self.url, f"safecampus-ingest-{self.session}", clean_session=False)
        else:
            client = mqtt.client(self.url, mqtt.client_id("ingest"))
        # Acknowledge alarms only once they are committed (AlarmHandler).
        client.manual_ack_set(True)
        client.on_message = self._on_message
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        # paho would otherwise end its thread on an exception in a callback.
        client.suppress_exceptions = True
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: self.stop.set())
        self.refresh()
        # Loads the URL configuration too, which a board message needs (~2 s), before the first
        # alarm rather than in its transaction.
        freeze_after_startup()
        host, port = client.safecampus_address
        client.connect_async(host, port, keepalive=30)
        client.loop_start()
        logger.info(
            "ingesting from %s:%d for %d registered devices", host, port, len(self.registry)
        )
        end = time.monotonic() + duration if duration else None
        next_refresh = time.monotonic() + self.refresh_interval
        next_log = time.monotonic() + self.log_interval
        try:
            while not self.stop.is_set() and (end is None or time.monotonic() < end):
                if self.arriving is not None:
                    self.arriving.work_until(time.monotonic() + self.flush_interval)
                else:
                    self.stop.wait(self.flush_interval)
                self.flush()
                now = time.monotonic()
                if now >= next_refresh:
                    close_old_connections()
                    try:
                        self.refresh()
                    except DatabaseError:
                        logger.exception("could not reload the registry")
                        connection.close()
                    next_refresh = now + self.refresh_interval
                if now >= next_log:
                    self._log()
                    next_log = now + self.log_interval
                self._write_stats()
        finally:
            self.stop.set()
            if self.arriving is not None:
                self.arriving.drain()
            client.disconnect()
            client.loop_stop()
            self.flush()  # what arrived before the disconnect
            self._write_stats()
            self._log()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
