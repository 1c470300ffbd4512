"""The second factor (等保 level 3: two factors for privileged access): TOTP devices and
one-time recovery codes of django-otp.

- Required of the city administrator, the auditor, the security administrator and (setting
  SAFECAMPUS_OTP_DISTRICT_OFFICERS, on by default) the district officers; anyone may enrol.
- The web login (views.py) checks the password, then — for an account that needs a code —
  keeps the user *pending* in the session (not logged in: no page, API call or WebSocket
  reaches anything) until the code is right, or until the account has enrolled a device.
  Only then does Django's `login()` run, and the session is marked `SESSION_VERIFIED`.
- SecondFactorMiddleware ends a session that lacks the mark although its account needs a
  second factor now (a role given after the login).
- A wrong code is a failed login: django-axes counts it toward the lockout (the policy's
  number of failures) and the audit trail records it (`user_login_failed`).
- The security administrator's reset removes the devices, revokes the API tokens and ends the
  sessions (the user's `second_factor_stamp` is part of the session hash); the user enrols
  again at the next login.
"""

import secrets
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecampus.access.roles import Role
from safecampus.access.scope import grants, require, scoped
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.texts import Text

from .models import ApiToken, User

# The session after a login that needed a code: the persistent id of the device that passed.
SESSION_VERIFIED = "safecampus_second_factor"
# Between the password and the code: {"user": id, "backend": path, "next": url, "at": seconds}.
SESSION_PENDING = "safecampus_pending_login"
# How long a pending login waits for its code.
PENDING_SECONDS = 300
# The key of the credentials `user_login_failed` is sent with for a wrong code.
CODE_FAILED = "second_factor"
RECOVERY_CODES = 10


def second_factor_required(user: User) -> bool:
    """Whether the account's roles require a second factor."""
    required = {Role.CITY_ADMIN, Role.AUDITOR, Role.SECURITY_ADMIN}
    if settings.SAFECAMPUS_OTP_DISTRICT_OFFICERS:
        required.add(Role.DISTRICT_OFFICER)
    return any(g.role in required for g in grants(user))


def totp_device(user: User) -> TOTPDevice | None:
    """The account's confirmed TOTP device."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_code(user: User) -> bool:
    """A login of this account asks for a code (or, without a device, for enrolment)."""
    return second_factor_required(user) or totp_device(user) is not None


def code_matches(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `code`: the TOTP device (a code not used before, ±30 s), or the
    recovery codes (each accepted once, then deleted)."""
    code = "".join(code.split()).lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user, confirmed=True).select_for_update():
                if device.verify_token(code):
                    return device
    return None


def code_failed(request: HttpRequest, user: User) -> None:
    """A wrong code: counted by the lockout, written to the trail, as a wrong password is."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), CODE_FAILED: True},
        request=request,
    )


def code_check(request: HttpRequest, user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device accepting `code`, or None after counting the failure. A locked account's
    code is not even tried (AxesMiddleware then answers the lockout)."""
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_locked(request, {"username": user.get_username()}):
        setattr(request, "axes_locked_out", True)  # noqa: B010 - axes' own flag
        return None
    device = code_matches(user, code)
    if device is None:
        code_failed(request, user)
    return device


# --- enrolment ---------------------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same secret across reloads of the page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand (base32, in groups of four)."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as inline SVG markup (no style attributes)."""
    code = segno.make(device.config_url, error="m", micro=False)
    return str(code.svg_inline(scale=4, border=2, omitsize=True))


@transaction.atomic
def enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the device being enrolled with a code from the app; every other device of the
    account goes, and fresh recovery codes are made and answered (shown once). A wrong code
    is a failed login (BusinessRuleError)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).last()
    if device is None or not device.verify_token("".join(code.split())):
        code_failed(request, user)
        raise BusinessRuleError(_("动态口令不正确，请核对手机上显示的 6 位数字后重试。"))
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_make(user)
    User.objects.filter(pk=user.pk).update(second_factor_stamp=F("second_factor_stamp") + 1)
    user.refresh_from_db(fields=["second_factor_stamp"])
    audit_event(
        AuditAction.SECOND_FACTOR,
        user,
        message=Text(N_("绑定动态口令，生成 %(n)s 个恢复码"), n=len(codes)),
        user_id=user.pk,
        username=user.get_username(),
    )
    return codes


def recovery_codes_make(user: User) -> list[str]:
    """Ten one-time recovery codes (8 characters), replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(8)) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


# --- the security administrator's reset ----------------------------------------------------


@transaction.atomic
def second_factor_reset(*, admin: User, target: User) -> None:
    """Remove the account's devices (a lost phone): its tokens are revoked and its sessions
    end; it enrols again at the next login. The security administrator's, within scope."""
    require(admin, "security.manage")
    if not scoped(target.assignments.all(), admin, "security.manage").exists():
        raise PermissionDenied
    if admin.pk == target.pk:
        raise BusinessRuleError(_("不能重置自己的动态口令，请联系另一位安全管理员"))
    removed = TOTPDevice.objects.filter(user=target).delete()[0]
    StaticDevice.objects.filter(user=target).delete()
    ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=target.pk).update(second_factor_stamp=F("second_factor_stamp") + 1)
    audit_event(
        AuditAction.SECOND_FACTOR,
        target,
        message=Text(
            N_("安全管理员重置动态口令（移除 %(n)s 个设备），API 令牌已吊销，下次登录须重新绑定"),
            n=removed,
        ),
    )


def pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user between password and code, while the pending login is fresh."""
    pending = request.session.get(SESSION_PENDING)
    if not isinstance(pending, dict):
        return None
    if timezone.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        del request.session[SESSION_PENDING]
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None
