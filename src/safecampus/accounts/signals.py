"""Logins, logouts, failures and lockouts go to the audit trail."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_noop as N_

from safecampus.audit.context import acting_as, actor_for_user
from safecampus.audit.middleware import client_ip
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core.texts import Text


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    with acting_as(actor_for_user(user, channel="web", ip=_ip(request))):
        audit_event(AuditAction.LOGIN, user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        with acting_as(actor_for_user(user, channel="web", ip=_ip(request))):
            audit_event(AuditAction.LOGOUT, user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_event(
        AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        username=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
        message=Text(N_("用户名或密码错误")),
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_event(
        AuditAction.LOCKOUT,
        outcome=AuditOutcome.DENIED,
        username=str(username or "")[:150],
        ip=ip_address,
        message=Text(N_("连续登录失败，账号已锁定")),
    )
