"""Logins, logouts, failures and lockouts go to the audit trail."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_

from safecampus.audit.context import acting_as, actor_for_user
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core import throttle
from safecampus.core.clients import client_ip
from safecampus.core.texts import Text

from .models import User
from .second_factor import CODE_FAILED
from .sessions import session_start


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request.session)
    with acting_as(actor_for_user(user, channel="web", ip=_ip(request))):
        audit_event(AuditAction.LOGIN, user)


@receiver(user_logged_out)
def _logged_out(
    sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        with acting_as(actor_for_user(user, channel="web", ip=_ip(request))):
            audit_event(AuditAction.LOGOUT, user)


@receiver(user_login_failed)
def _login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_event(
        AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        username=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
        message=Text(
            N_("动态口令或恢复码错误") if credentials.get(CODE_FAILED) else N_("用户名或密码错误")
        ),
    )
    if request is not None:  # the address's failures, across usernames (services.py)
        failures = throttle.count("login_failures", throttle.client(request, by="address"))
        limit = throttle.Limit.named("login_failures")
        if failures == limit.count:  # once, when the address is stopped: spraying, or a NAT
            audit_event(
                AuditAction.LOCKOUT,
                outcome=AuditOutcome.DENIED,
                ip=_ip(request),
                message=Text(
                    N_("该网络地址登录失败 %(failures)s 次，暂停受理其登录 %(minutes)s 分钟"),
                    failures=failures,
                    minutes=limit.seconds // 60,
                ),
            )


@receiver(user_locked_out)
def _locked_out(
    sender: object,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    audit_event(
        AuditAction.LOCKOUT,
        outcome=AuditOutcome.DENIED,
        username=str(username or "")[:150],
        ip=ip_address,
        message=Text(N_("连续登录失败，账号已锁定")),
    )
