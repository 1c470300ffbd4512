"""A settable clock for tests of time rules (lockout cool-off, idle timeout, the 12-hour
session): it replaces `django.utils.timezone.now` — and the copies of it that django-axes
imported by name — and nothing else, so the database, the ORM and the sessions run for real,
only at the time the test sets."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

# Modules that did `from django.utils.timezone import now`: their name must move too.
NOW_IMPORTED_BY = ("axes.handlers.proxy", "axes.attempts")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch) -> Clock:
    """`clock.advance(minutes=31)` moves the platform's time; it stands still otherwise."""
    import importlib

    moving = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", moving)
    for name in NOW_IMPORTED_BY:
        monkeypatch.setattr(importlib.import_module(name), "now", moving)
    return moving


# A test module takes the fixture by importing `clock_fixture` (unused import: noqa F401).
