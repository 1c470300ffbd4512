"""The password and lockout rules in force: the security administrator's SecurityPolicy row,
else the settings' values. Read by the password validators, the password expiry, the login
lockout (django-axes calls `axes_failure_limit` and `axes_cooloff_time`, named in settings) and
the pages that state the rules."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .models import SecurityPolicy


def policy_defaults() -> SecurityPolicy:
    """The rules before a security administrator saved any: the settings (environment)."""
    return SecurityPolicy(
        pk=1,
        min_length=settings.PASSWORD_MIN_LENGTH,
        min_classes=settings.PASSWORD_MIN_CLASSES,
        history=settings.PASSWORD_HISTORY,
        max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
        lockout_failures=settings.LOCKOUT_FAILURES,
        lockout_minutes=settings.LOCKOUT_MINUTES,
    )


def security_policy() -> SecurityPolicy:
    return SecurityPolicy.objects.filter(pk=1).first() or policy_defaults()


def axes_failure_limit(request: HttpRequest | None, credentials: Any = None) -> int:
    return security_policy().lockout_failures


def axes_cooloff_time(request: HttpRequest | None = None) -> timedelta:
    return timedelta(minutes=security_policy().lockout_minutes)


def lockout_rule() -> dict[str, int]:
    """The lockout numbers in force, for the messages that state them."""
    policy = security_policy()
    return {
        "failures": policy.lockout_failures,
        "minutes": policy.lockout_minutes,
        "idle": settings.IDLE_TIMEOUT_SECONDS // 60,
    }
