"""Who is acting right now: set once per request, task or command, read by the audit trail."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from safecampus.core.types import AnyUser


@dataclass
class Actor:
    user_id: int | None = None
    username: str = ""
    ip: str | None = None
    channel: str = "system"  # web, api, cli, task, system
    request_id: str = ""
    # (unit id, unit path) that events without an org unit of their own are filed under;
    # looked up once per actor by audit.services.
    unit: tuple[int | None, str] | None = None


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "safecampus_actor", default=None
)
# Set while bulk seeding writes one summary entry instead of one per row.
suppressed: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "safecampus_audit_suppressed", default=None
)


def current_actor() -> Actor:
    return _actor.get() or Actor()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def actor_for_user(
    user: AnyUser | None, *, channel: str, ip: str | None = None, request_id: str = ""
) -> Actor:
    if user is not None and user.is_authenticated:
        return Actor(
            user_id=user.pk,
            username=user.get_username(),
            ip=ip,
            channel=channel,
            request_id=request_id,
        )
    return Actor(ip=ip, channel=channel, request_id=request_id)


def bind_user(user: AbstractBaseUser) -> None:
    """Attach a user authenticated late in the request (API bearer tokens) to the actor."""
    actor = _actor.get()
    if actor is not None:
        actor.user_id, actor.username, actor.unit = user.pk, user.get_username(), None
