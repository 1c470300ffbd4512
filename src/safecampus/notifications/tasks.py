"""Sending deliveries in the task queue: after commit, retried with backoff, swept when lost."""

import logging
from collections import defaultdict

from huey.contrib.djhuey import db_periodic_task, db_task

from safecampus.core.schedules import schedule

from .dispatch import RETRY, SENT, deliveries_overdue, delivery_attempt

logger = logging.getLogger("safecampus.notifications")


# huey ships no type information, so its decorators are untyped.
@db_task()  # type: ignore[untyped-decorator]
def deliveries_send(ids: list[int]) -> dict[str, int]:
    """Attempt each delivery once; those that failed with tries left come back, grouped by
    their delay, as tasks scheduled for later (10 s, 60 s, 5 min by default)."""
    sent = 0
    later: dict[int, list[int]] = defaultdict(list)
    for delivery_id in ids:
        outcome, delay = delivery_attempt(delivery_id)
        if outcome == SENT:
            sent += 1
        elif outcome == RETRY:
            later[delay].append(delivery_id)
    for delay, batch in later.items():
        deliveries_send.schedule(args=(batch,), delay=delay)
    return {"sent": sent, "retrying": sum(len(b) for b in later.values())}


# Every minute: a delivery whose task was lost (the queue's storage restarted, a worker was
# killed mid-send, the enqueue after commit failed) is picked up at most a minute or two late.
@db_periodic_task(schedule("deliveries_sweep"))  # type: ignore[untyped-decorator]
def deliveries_sweep() -> int:
    ids = deliveries_overdue()
    if ids:
        logger.warning("re-sending %s overdue deliveries", len(ids))
        deliveries_send(ids)
    return len(ids)
