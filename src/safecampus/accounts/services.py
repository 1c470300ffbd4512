"""Account writes: password changes, API tokens, and managing other users."""

import secrets
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import ROLE_UNIT_KINDS, SEPARATED_ADMINS, Role
from safecampus.access.scope import assignable_roles
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core import throttle
from safecampus.core.errors import BusinessRuleError, model_errors
from safecampus.core.texts import Text
from safecampus.orgs.models import OrgUnit

from .models import ApiToken, PasswordHistory, User
from .reauth import Refused, mark
from .second_factor import code_check, needs_code, second_factor_required, totp_device


class PasswordChangeRequired(PermissionError):
    """The password is temporary or expired: it must be changed in the browser first."""


def _second_factor_check(request: HttpRequest, user: User, otp: str | None) -> None:
    """After a right password: the account's code, if it has (or needs) a second factor.
    Said only to whoever knows the password, so it tells nobody else whether an account
    exists or has a second factor."""
    if not needs_code(user):
        return
    if totp_device(user) is None:
        raise Refused(
            403,
            "second_factor_enrolment_required",
            _("该账号须使用动态口令：请先在网页上登录并绑定动态口令"),
        )
    if not otp:
        raise Refused(
            401, "otp_required", _("该账号已启用动态口令，请在 otp 字段中提供动态口令或恢复码")
        )
    if code_check(request, user, otp) is None:
        if getattr(request, "axes_locked_out", False):
            raise PermissionError
        raise Refused(401, "otp_invalid", _("动态口令或恢复码不正确"))


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password: validated against the rules, remembered, and every session and
    API token of the user ended (ASVS). Sessions end by themselves: Django keys each session
    to a hash of the password, so they no longer authenticate after this."""
    validate_password(new_password, user)
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_event(AuditAction.PASSWORD_CHANGE, user, message=Text(N_("所有会话与 API 令牌已失效")))


def login_attempt_check(request: HttpRequest) -> None:
    """Refuse (throttle.Throttled) a login from an address whose failed logins, across every
    username, reached the limit — before the password is hashed. Failures are counted by the
    `user_login_failed` signal (signals.py)."""
    throttle.check("login_failures", throttle.client(request, by="address"))


def api_token_issue(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    name: str,
    days: int,
    otp: str | None = None,
) -> tuple[ApiToken, str]:
    """Exchange username, password and — for an account with a second factor — its code for
    a new token (wrong ones counted by the login lockout and the address's failed logins).
    Tokens always expire: at most a year, so a forgotten token does not live for ever."""
    login_attempt_check(request)
    user = authenticate(request, username=username, password=password)
    if user is None:  # the failure is audited by the user_login_failed signal
        raise PermissionError(_("用户名或密码错误"))
    _second_factor_check(request, user, otp)
    if user.password_expired():
        raise PasswordChangeRequired(
            _("请先在网页上修改密码（临时密码或密码已过期），再申请 API 令牌")
        )
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash(raw),
        hint=raw[-4:],
        expires_at=timezone.now() + timedelta(days=min(max(days, 1), 365)),
    )
    audit_event(
        AuditAction.TOKEN_CREATE,
        user,
        message=Text(N_("令牌 %(token)s"), token=str(token)),
        user_id=user.pk,
        username=user.get_username(),
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event(
            AuditAction.TOKEN_REVOKE, user, message=Text(N_("令牌 %(token)s"), token=str(token))
        )
    return token


def api_token_check(raw: str) -> ApiToken | None:
    """The active token (with its user) for a bearer value; marks it used (at most once a
    minute). None for an inactive user, a password that must be changed in the browser first,
    and an account that needs a second factor but has none (a token from before)."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .annotate(
            second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True))
        )
        .filter(key_hash=ApiToken.hash(raw))
        .first()
    )
    if token is None or not token.user.is_active or token.user.password_expired():
        return None
    if not getattr(token, "second_factor") and second_factor_required(token.user):  # noqa: B009
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def reauthenticate(
    *, request: HttpRequest, user: User, password: str, otp: str | None = None
) -> None:
    """Check the password (and code) of the signed-in user again: the caller's token or
    session counts as recently verified (reauth.py). Wrong ones count toward the lockout."""
    checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        if getattr(request, "axes_locked_out", False):
            raise PermissionError
        raise Refused(403, "reauth_failed", _("密码不正确"))
    _second_factor_check(request, user, otp)
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(verified_at=timezone.now())
        token.verified_at = timezone.now()
    else:
        mark(request)
    audit_event(AuditAction.REAUTH, user, message=Text(N_("再次验证身份")))


# --- Managing other users (city administrators, district officers, principals) ---------------


def _temporary_password() -> str:
    """A one-time password that satisfies the rules; the user must change it at first login."""
    return f"Sc{secrets.token_urlsafe(9)}#{secrets.randbelow(90) + 10}"


def _require_manages(manager: User, target: User) -> None:
    """Every role the target holds must be one the manager may give at that unit."""
    if manager.pk == target.pk:
        raise BusinessRuleError(_("不能管理自己的账号，请联系上级管理员"))
    for assignment in target.assignments.select_related("unit"):
        if assignment.role not in assignable_roles(manager, assignment.unit):
            raise PermissionDenied


def _check_assignment(manager: User, role: str, unit: OrgUnit) -> None:
    if role not in assignable_roles(manager, unit):
        raise PermissionDenied
    if unit.kind not in ROLE_UNIT_KINDS[Role(role)]:
        raise BusinessRuleError(
            _("“%(role)s”不能设在“%(level)s”一级")
            % {"role": Role(role).label, "level": unit.get_kind_display()}
        )


@transaction.atomic
def user_create(
    *,
    manager: User,
    username: str,
    full_name: str,
    role: str,
    unit: OrgUnit,
    phone: str = "",
    email: str = "",
) -> tuple[User, str]:
    """Create an account with one role; answers the temporary password (shown once)."""
    _check_assignment(manager, role, unit)
    if User.objects.filter(username__iexact=username).exists():
        raise BusinessRuleError(_("用户名“%(name)s”已被使用") % {"name": username})
    password = _temporary_password()
    user = User(username=username, full_name=full_name, phone=phone, email=email)
    _check_profile(user)
    user.set_password(password)
    user.password_changed_at = None
    user.save()
    RoleAssignment.objects.create(user=user, unit=unit, role=role)
    return user, password


def _check_profile(user: User) -> None:
    """The name, phone and e-mail as the model validates them (the page's form does the same),
    refused in words naming the field."""
    try:
        user.full_clean(exclude=["password", "username"])
    except ValidationError as exc:
        raise model_errors(exc, User) from None


@transaction.atomic
def user_update(*, manager: User, target: User, **fields: str | None) -> User:
    _require_manages(manager, target)
    for key in ("full_name", "phone", "email"):
        if key in fields:
            setattr(target, key, fields[key] or "")
    _check_profile(target)
    target.save()
    return target


@transaction.atomic
def user_set_active(*, manager: User, target: User, active: bool) -> User:
    """Deactivating ends the user's sessions at their next request and stops their tokens."""
    _require_manages(manager, target)
    target.is_active = active
    target.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return target


@transaction.atomic
def user_password_reset(*, manager: User, target: User) -> str:
    """A new temporary password; every session and token of the user ends."""
    _require_manages(manager, target)
    password = _temporary_password()
    if target.password:
        PasswordHistory.objects.create(user=target, password=target.password)
    target.set_password(password)
    target.password_changed_at = None
    target.save(update_fields=["password", "password_changed_at"])
    ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_event(
        AuditAction.PASSWORD_CHANGE,
        target,
        message=Text(N_("管理员重置密码，须在首次登录时修改")),
    )
    return password


def role_grant_check(user: User, role: str) -> None:
    """Nobody holds two of the separated administrators' roles (三员分立): the system
    administrator, the security administrator and the auditor."""
    if Role(role) not in SEPARATED_ADMINS:
        return
    held = set(
        RoleAssignment.objects.filter(user=user, role__in=SEPARATED_ADMINS)
        .exclude(role=role)
        .values_list("role", flat=True)
    )
    if held:
        raise BusinessRuleError(
            _("三员分立：“%(role)s”不能由已担任“%(held)s”的人兼任")
            % {
                "role": Role(role).label,
                "held": "、".join(str(Role(r).label) for r in sorted(held)),
            }
        )


@transaction.atomic
def role_assignment_grant(*, user: User, role: str, unit: OrgUnit) -> tuple[RoleAssignment, bool]:
    """Give a role (the operator's `grant_role`, and the managers' services below): the unit's
    level and the separation of the administrators checked. Answers whether it was new."""
    if unit.kind not in ROLE_UNIT_KINDS[Role(role)]:
        raise BusinessRuleError(
            _("“%(role)s”不能设在“%(level)s”一级")
            % {"role": Role(role).label, "level": unit.get_kind_display()}
        )
    role_grant_check(user, role)
    return RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)


@transaction.atomic
def role_assignment_add(*, manager: User, target: User, role: str, unit: OrgUnit) -> RoleAssignment:
    _require_manages(manager, target)
    _check_assignment(manager, role, unit)
    if RoleAssignment.objects.filter(user=target, unit=unit, role=role).exists():
        raise BusinessRuleError(_("该用户在此单位已有这个角色"))
    return role_assignment_grant(user=target, role=role, unit=unit)[0]


@transaction.atomic
def role_assignment_remove(*, manager: User, assignment: RoleAssignment) -> None:
    _require_manages(manager, assignment.user)
    if assignment.user.assignments.count() == 1:
        raise BusinessRuleError(_("这是该用户唯一的角色；如不再使用，请停用账号"))
    assignment.delete()
