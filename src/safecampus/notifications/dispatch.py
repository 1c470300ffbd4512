"""Deliveries beyond the in-app message: which channels and endpoints a notification goes to
(planned in the caller's transaction), and one attempt at sending a delivery (in the task
queue, after commit).

Every attempt first claims the delivery with a conditional update of its attempt counter, so
that two workers (the task that was scheduled and the sweeper that finds it late) never send
the same delivery twice; a delivery that is sent or failed is never touched again.
"""

import fnmatch
import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from safecampus.access.scope import ancestor_paths
from safecampus.core.env import env_list
from safecampus.orgs.models import OrgUnit

from . import channels
from .channels.base import PermanentChannelError
from .models import Delivery, DeliveryStatus, Notification, WebhookEndpoint

logger = logging.getLogger("safecampus.notifications")

# Seconds before the second, third and fourth attempt (SAFECAMPUS_NOTIFY_RETRY_DELAYS,
# comma-separated); after the last one the delivery has failed.
DEFAULT_RETRY_DELAYS = (10, 60, 300)
# An attempt that has not reported back after this long counts as lost (the worker died)
# and the sweeper may try again.
LEASE = timedelta(minutes=2)
# Workers' clocks differ a little: a retry that arrives this much early still runs.
SLACK = timedelta(seconds=5)


def retry_delays() -> tuple[int, ...]:
    raw = env_list("SAFECAMPUS_NOTIFY_RETRY_DELAYS", [])
    try:
        delays = tuple(max(0, int(v)) for v in raw)
    except ValueError:
        delays = ()
    return delays or DEFAULT_RETRY_DELAYS


def max_attempts() -> int:
    return len(retry_delays()) + 1


def kind_matches(patterns: Sequence[str] | None, kind: str) -> bool:
    """Does an endpoint's kinds filter (["incident.*", …]; empty = all) take `kind`?"""
    return not patterns or any(fnmatch.fnmatchcase(kind, p) for p in patterns)


def _units_of(user_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """user id -> (unit id, path) of the deepest unit the user is assigned at."""
    from safecampus.access.models import RoleAssignment

    units: dict[int, tuple[int, str]] = {}
    for user_id, unit_id, path in RoleAssignment.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "unit_id", "unit__path"
    ):
        if user_id not in units or path.count("/") > units[user_id][1].count("/"):
            units[user_id] = (unit_id, path)
    return units


def endpoints_at(paths: Collection[str]) -> list[WebhookEndpoint]:
    """The active endpoints of the units at `paths` on the endpoint channels that are enabled
    (with their unit): the candidates an urgent notification about a unit is posted to."""
    posting = [c.name for c in channels.endpoint_channels() if c.enabled()]
    if not paths or not posting:
        return []
    return list(
        WebhookEndpoint.objects.filter(
            active=True, unit__path__in=paths, channel__in=posting
        ).select_related("unit")
    )


def deliveries_plan(
    notifications: Sequence[Notification],
    *,
    kind: str,
    title: str,
    body: str,
    url: str,
    urgent: bool,
    unit: OrgUnit | None,
    dedupe_key: str | None,
    endpoints: list[WebhookEndpoint] | None = None,
    key_is_new: bool = False,
) -> list[Delivery]:
    """The deliveries (unsaved) of the notifications just stored: e-mail for everyone with an
    address; for an urgent notification every enabled channel the person can be reached on,
    and the active endpoints of the units at and above `unit` whose kinds take `kind`.

    `endpoints`: those endpoints as the caller already has them (`endpoints_at`; a batch of
    alarms reads them once, see emergency/lookups.py) instead of a query here. `key_is_new`:
    no delivery can exist under `dedupe_key` yet (a key naming a row created in this
    transaction), so none is looked up."""
    now = timezone.now()
    people = [c for c in channels.user_channels() if c.enabled()]
    if not urgent:
        people = [c for c in people if c.name == "email"]
    reachable = [
        (n, channel, address)
        for n in notifications
        for channel in people
        if (address := channel.address(n.user))
    ]
    units: dict[int, tuple[int, str]] = {}
    if unit is None and (reachable or urgent):
        units = _units_of([n.user_id for n in notifications])
    planned: list[Delivery] = []
    for n, channel, address in reachable:
        planned.append(
            Delivery(
                notification=n,
                unit_id=unit.pk if unit is not None else units.get(n.user_id, (None,))[0],
                channel=channel.name,
                kind=kind,
                title=title[:200],
                target=channel.mask(address)[:300],
                urgent=urgent,
                next_attempt_at=now,
            )
        )
    if not urgent:
        return planned
    if unit is not None:
        paths = {*ancestor_paths(unit.path), unit.path}
    else:
        # No subject unit given: the units of the people notified, and those above them.
        paths = set()
        for _unit_id, path in units.values():
            paths |= {*ancestor_paths(path), path}
    posting = {c.name: c for c in channels.endpoint_channels() if c.enabled()}
    if not paths or not posting:
        return planned
    if endpoints is None:
        endpoints = endpoints_at(paths)
    done: set[int] = set()
    if dedupe_key and not key_is_new:
        done = set(
            Delivery.objects.filter(dedupe_key=dedupe_key, endpoint__isnull=False).values_list(
                "endpoint_id", flat=True
            )
        )
    for endpoint in endpoints:
        if endpoint.pk in done or not kind_matches(endpoint.kinds, kind):
            continue
        if endpoint.unit.path not in paths or endpoint.channel not in posting:
            continue  # a caller's list may hold more than this unit's
        planned.append(
            Delivery(
                endpoint=endpoint,
                unit=endpoint.unit,
                channel=endpoint.channel,
                kind=kind,
                title=title[:200],
                payload={
                    "body": body,
                    "url": url,
                    "unit_code": unit.code if unit is not None else "",
                    "unit_name": unit.name if unit is not None else "",
                },
                target=posting[endpoint.channel].mask(endpoint.url)[:300],
                urgent=True,
                next_attempt_at=now,
                dedupe_key=dedupe_key,
            )
        )
    return planned


# Outcomes of one attempt.
SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"


def delivery_attempt(delivery_id: int, *, retry: bool = True) -> tuple[str, int]:
    """One attempt at a pending delivery that is due. Answers (outcome, seconds until the
    next attempt — only for RETRY). SKIPPED: not pending, not due, or claimed by another
    worker. Not in a transaction: the send may take seconds and must hold no lock."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + SLACK
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return SKIPPED, 0
    delivery = Delivery.objects.select_related("notification__user", "endpoint", "unit").get(
        pk=delivery_id
    )
    channel = channels.get(delivery.channel)
    try:
        if channel is None:
            raise PermanentChannelError(f"未知渠道：{delivery.channel}")
        if not channel.enabled():
            raise PermanentChannelError("该渠道已停用")
        channel.send(delivery)
    except Exception as exc:  # every failure is recorded; the queue only sees our retries
        error = str(exc) or type(exc).__name__
        if not isinstance(exc, channels.ChannelError):
            error = f"{type(exc).__name__}: {error}"
        delays = retry_delays()
        final = (
            not retry
            or isinstance(exc, PermanentChannelError)
            or delivery.attempts >= len(delays) + 1
        )
        if final:
            Delivery.objects.filter(pk=delivery_id).update(
                status=DeliveryStatus.FAILED, last_error=error[:500], next_attempt_at=None
            )
            logger.error(
                "delivery %s (%s → %s) failed after %s attempt(s): %s",
                delivery_id,
                delivery.channel,
                delivery.target,
                delivery.attempts,
                error,
            )
            return FAILED, 0
        delay = delays[delivery.attempts - 1]
        Delivery.objects.filter(pk=delivery_id).update(
            last_error=error[:500], next_attempt_at=timezone.now() + timedelta(seconds=delay)
        )
        logger.warning(
            "delivery %s (%s → %s) attempt %s failed, retrying in %ss: %s",
            delivery_id,
            delivery.channel,
            delivery.target,
            delivery.attempts,
            delay,
            error,
        )
        return RETRY, delay
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return SENT, 0


def deliveries_overdue(
    *, now: datetime | None = None, grace: timedelta = timedelta(minutes=1)
) -> list[int]:
    """Pending deliveries whose attempt is overdue by more than `grace`: their task was lost
    (queue restarted, worker killed) and the sweeper sends them again."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace
        ).values_list("pk", flat=True)[:1000]
    )
