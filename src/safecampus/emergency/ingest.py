"""The alarm handler of `safecampus ingest` (`…/<device id>/alarm`, QoS 1).

Unlike heartbeats, alarms are not coalesced behind a timer: paho's network thread validates a
press and queues it, and the ingestor's main thread, which waits on that queue between heartbeat
batches, writes it at once — together with whatever else queued up meanwhile (at most
MAX_BATCH), in one transaction — and only after that commit acknowledges each press to the
broker (MQTT manual acknowledgement). At 1 alarm/s a batch is one press; at 100/s a few, and
one transaction's fixed costs are shared by them (emergency.services.alarms_receive_batch);
the more queue up, the cheaper each, so a burst is caught up with rather than piling up.

The ingestor keeps a persistent session, so a press the broker has taken but the ingestor has
not committed — because it was killed, or the database was down — is delivered again when it
reconnects; the device's event id makes the second delivery the same alarm. A database error
keeps the whole batch and retries it; nothing is dropped and nothing unwritten acknowledged. A
press that cannot be taken (unknown device, wrong school) is dropped alone.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import DatabaseError, close_old_connections, connection

from safecampus.core import pgarrays
from safecampus.core.errors import BusinessRuleError
from safecampus.devices.ingest import Unknown
from safecampus.devices.messages import Malformed
from safecampus.devices.models import AlarmButton

from .intake import AlarmMessage, alarm_from_payload, device_alarm_in
from .lookups import AlarmLookups
from .services import alarms_receive_batch

logger = logging.getLogger("safecampus.emergency.ingest")

# Presses written in one transaction at most: what queued up while the last batch was written.
# Fifty already share a transaction's fixed costs (~10 ms of CPU) down to a few percent of the
# presses' own (~3–4 ms each); a larger batch would only make its first press wait longer for
# the commit when there is a backlog. (The broker also bounds it: Mosquitto sends an MQTT 3.1.1
# client at most `max_inflight_messages`, default 20, QoS 1 messages not yet acknowledged.)
MAX_BATCH = 50
# Seconds the plans, recipients and endpoints read for a batch are kept (see lookups.py for
# why that is acceptable for alarms).
LOOKUPS_TTL = 60.0
# A press as the network thread queues it: (message, school code, received, acknowledge).
Queued = tuple[AlarmMessage, str, float, Callable[[], None] | None]


class AlarmHandler:
    message_type = "alarm"
    qos = 1
    acks_itself = True  # the ingestor must not acknowledge what this handler queued

    def __init__(self, ingestor):
        # The batches are multi-row inserts of JSON and Chinese text: quote their array
        # parameters without psycopg's per-character regex (core/pgarrays.py).
        pgarrays.register()
        self.ingestor = ingestor
        self.queue: queue.Queue[Queued] = queue.Queue()
        self.lock = threading.Lock()
        self.written = 0
        self.sent: list[float] = []
        self.lookups = AlarmLookups(ttl=LOOKUPS_TTL)
        self.buttons: dict[str, tuple[float, AlarmButton]] = {}  # device id -> (until, button)

    # --- paho's network thread -------------------------------------------------------------------

    def handle(self, school_code, device_id, payload, received, ack=None) -> None:
        message = alarm_from_payload(device_id, payload)
        registered = self.ingestor.registry.get(device_id)
        # A button registered since the last reload is looked up when written, not dropped.
        if registered is not None and registered != school_code:
            raise Malformed(f"device {device_id} belongs to school {registered}, not {school_code}")
        self.queue.put((message, school_code, received, ack))

    # --- the ingestor's main thread --------------------------------------------------------------

    def work_until(self, deadline: float) -> None:
        """Write presses as they arrive until `deadline` (time.monotonic()) or a stop: the first
        to arrive and whatever else is queued by then, in one transaction."""
        while not self.ingestor.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                first = self.queue.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
            self._take([first, *self._queued(MAX_BATCH - 1)])

    def drain(self) -> None:
        """On a clean stop: write what is queued (after a kill the broker delivers it again)."""
        while batch := self._queued(MAX_BATCH):
            self._take(batch, retry=False)

    def _queued(self, limit: int) -> list[Queued]:
        taken: list[Queued] = []
        while len(taken) < limit:
            try:
                taken.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return taken

    def write_batch(self, presses) -> list:
        """Commit presses — (message, school code, received) each — in one transaction. Answers
        for each whether it was a new alarm (True) or one already stored (False), or the
        exception it is dropped for (Unknown, Malformed, BusinessRuleError). Raises
        DatabaseError for the whole batch, which is then not written at all, to be retried."""
        outcomes: list = [None] * len(presses)
        buttons = self._buttons(presses)
        items, positions = [], []
        for i, (message, school_code, received) in enumerate(presses):
            button = buttons.get(message.device_id)
            if button is None:
                outcomes[i] = Unknown(message.device_id)
            elif button.school.unit.code != school_code:
                outcomes[i] = Malformed(
                    f"device {message.device_id} belongs to another school, not {school_code}"
                )
            else:
                at = datetime.fromtimestamp(received, UTC)
                items.append(device_alarm_in(message, button, at))
                positions.append(i)
        if items:  # one transaction (alarms_receive_batch is atomic)
            results = alarms_receive_batch(items, lookups=self.lookups)
            for i, result in zip(positions, results, strict=True):
                outcomes[i] = result if isinstance(result, Exception) else result[1]
        return outcomes

    def _buttons(self, presses) -> dict[str, AlarmButton]:
        """The active buttons of the presses (with their school's unit and district), kept for
        LOOKUPS_TTL: a button is read again when it is not kept, or kept with another school
        than a press names — so a press is never dropped on what is kept, only on what the
        database says. What is kept can still take a press of a button taken out of use in the
        last minute: an alarm too many is the safe side."""
        now = time.monotonic()
        missing = set()
        for message, school_code, _received in presses:
            kept = self.buttons.get(message.device_id)
            if kept is None or kept[0] <= now or kept[1].school.unit.code != school_code:
                missing.add(message.device_id)
        if missing:
            for device_id in missing:
                self.buttons.pop(device_id, None)
            for button in AlarmButton.objects.filter(
                device_id__in=missing, active=True
            ).select_related("school__unit", "school__district"):
                self.buttons[button.device_id] = (now + LOOKUPS_TTL, button)
        found = {}
        for message, _school_code, _received in presses:
            if kept := self.buttons.get(message.device_id):
                found[message.device_id] = kept[1]
        return found

    def write(self, message, school_code: str, received: float) -> bool:
        """Commit one press; answers whether it was new. Raises what drops it, or
        DatabaseError to be retried."""
        (outcome,) = self.write_batch([(message, school_code, received)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _take(self, batch, retry: bool = True) -> None:
        """Write a batch of queued presses, then acknowledge each — after the commit."""
        presses = [(message, code, received) for message, code, received, _ack in batch]
        delay = 0.1
        while True:
            try:
                outcomes = self.write_batch(presses)
                break
            except DatabaseError:
                self.ingestor.counters["db_errors"] += 1
                logger.exception("%d alarm(s) not written yet; retrying", len(batch))
                connection.close()
                # The retry reads everything afresh: what was kept may be what failed (a
                # button or plan deleted meanwhile is refused by its foreign key at the commit).
                self.lookups = AlarmLookups(ttl=LOOKUPS_TTL)
                self.buttons.clear()
                if not retry or self.ingestor.stop.wait(delay):
                    return  # none acknowledged: the broker delivers them again after the restart
                delay = min(delay * 2, 5.0)
                close_old_connections()
        written, sent = 0, []
        for (message, school_code, _received, ack), outcome in zip(batch, outcomes, strict=True):
            topic = f"{school_code}/{message.device_id}/alarm"
            if isinstance(outcome, Unknown):
                self.ingestor._drop("unknown", "unregistered", topic, str(outcome))
            elif isinstance(outcome, (Malformed, BusinessRuleError)):
                self.ingestor._drop("malformed", "payload", topic, str(outcome))
            else:
                written += outcome
                if message.sent_at is not None:
                    sent.append(message.sent_at)
                self.ingestor.counters["alarms"] += 1
            if ack is not None:
                ack()
        with self.lock:
            self.written += written
            self.sent.extend(sent)

    # --- the ingestor's batches ------------------------------------------------------------------

    def flush(self) -> tuple[int, list[float]]:
        with self.lock:
            written, sent = self.written, self.sent
            self.written, self.sent = 0, []
        return written, sent

    def refresh(self) -> None:
        pass
