"""The session rules of 等保 level 3 in one place, for the pages and the API (middleware.py)
and the command board's WebSocket: a session idle longer than IDLE_TIMEOUT_SECONDS ends, and
every session ends SESSION_COOKIE_AGE (12 h) after its login, however busy it was. Times come
from `django.utils.timezone.now`, the one clock the tests move."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

LAST_SEEN = "safecampus_last_seen"


def now_seconds() -> int:
    return int(timezone.now().timestamp())


def session_idle(session: SessionBase, now: int | None = None) -> bool:
    """Whether the session's last request is longer ago than the idle timeout."""
    last_seen = session.get(LAST_SEEN)
    if last_seen is None:
        return False
    idle = (now if now is not None else now_seconds()) - int(last_seen)
    return idle > int(settings.IDLE_TIMEOUT_SECONDS)


def session_start(session: SessionBase) -> None:
    """At login: fix the session's end 12 h ahead. Django's default expiry counts from the
    last save, and the idle stamp saves the session every minute, so a busy session would
    otherwise never end."""
    session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))


def session_live_user_id(session_key: str | None) -> str | None:
    """The user a stored session still logs in, read afresh from the store; None once the
    session is gone (logged out, expired, ended by a password change) or idle — an idle one is
    ended here, as a request would end it."""
    if not session_key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    session: SessionBase = engine.SessionStore(session_key)
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    if session_idle(session):
        session.flush()
        return None
    return str(user_id)
