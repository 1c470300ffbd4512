"""Account writes: password changes, API tokens."""

from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event

from .models import ApiToken, PasswordHistory, User


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
    audit_event(AuditAction.PASSWORD_CHANGE, user, message="所有会话与 API 令牌已失效")


def api_token_issue(
    *, request, username: str, password: str, name: str, days: int | None
) -> tuple[ApiToken, str]:
    """Exchange username and password for a new token (counted by the login lockout)."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit_event(
            AuditAction.LOGIN_FAILED,
            outcome=AuditOutcome.FAILURE,
            message=f"API 令牌申请失败：{username}"[:500],
        )
        raise PermissionError("用户名或密码错误")
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash(raw),
        hint=raw[-4:],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit_event(AuditAction.TOKEN_CREATE, user, message=f"令牌 {token}")
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event(AuditAction.TOKEN_REVOKE, user, message=f"令牌 {token}")
    return token


def api_token_user(raw: str) -> User | None:
    """The active user behind a bearer token; marks the token used (at most once a minute)."""
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash(raw)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
