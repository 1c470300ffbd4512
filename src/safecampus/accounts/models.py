import hashlib
import ipaddress
import secrets
from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # None: an administrator set a temporary password, which must be changed at first login.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Moves when the second factor is enrolled or reset: part of the session hash, so that
    # every other session of the account ends (as a password change ends them).
    second_factor_stamp = models.PositiveIntegerField(default=0)

    # Account changes go to the audit trail (never the password hash).
    audited = True
    audit_fields = ["username", "full_name", "phone", "email", "is_active"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def audit_unit(self) -> tuple[int | None, str]:
        """Changes to an account are filed under its highest role's unit, so that the auditors
        of that unit see them."""
        row = (
            self.assignments.order_by("unit__depth", "unit__path")
            .values_list("unit_id", "unit__path")
            .first()
        )
        return row or (None, "")

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, with the second factor's stamp mixed in."""
        return salted_hmac(
            "safecampus.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.second_factor_stamp}",
            algorithm="sha256",
        ).hexdigest()

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self) -> bool:
        """A temporary password, or one older than the rule, must be changed first."""
        if not self.has_usable_password():
            return False
        if self.password_changed_at is None:
            return True
        age = (timezone.now() - self.password_changed_at).days
        # The policy is read only for a password old enough to have expired under any policy
        # allowed (and the default): not a query on every request.
        if age < min(POLICY_BOUNDS["max_age_days"][0], settings.PASSWORD_MAX_AGE_DAYS or 10**6):
            return False
        from .policy import security_policy

        max_age = security_policy().max_age_days
        return bool(max_age) and age >= max_age


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so that the last N cannot be reused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal bearer token. Only its SHA-256 is stored; the value is shown once."""

    PREFIX = "sc_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("令牌尾号"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))  # every token expires (at most a year)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The last check of the password (and code) behind this token: its creation, or
    # POST /api/v1/auth/reauth. Sensitive operations need it recent (accounts/reauth.py).
    verified_at = models.DateTimeField(_("最近验证身份"), default=timezone.now)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# The security administrator's policy may not be set outside these bounds (inclusive): the
# floors keep it from being weakened below what 等保 level 3 asks, the ceilings from making
# the platform unusable.
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "min_length": (8, 64),
    "min_classes": (3, 4),
    "history": (3, 24),
    "max_age_days": (30, 180),
    "lockout_failures": (3, 10),
    "lockout_minutes": (10, 1440),
}


def _bounded(name: str) -> list[MinValueValidator | MaxValueValidator]:
    low, high = POLICY_BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """The password and lockout rules in force: one row (pk 1), written by the security
    administrator; without it the settings' values apply (accounts.policy)."""

    min_length = models.PositiveSmallIntegerField(
        _("密码最短长度"), validators=_bounded("min_length")
    )
    min_classes = models.PositiveSmallIntegerField(
        _("密码至少包含的字符类别数"), validators=_bounded("min_classes")
    )
    history = models.PositiveSmallIntegerField(
        _("不得与最近几次密码相同"), validators=_bounded("history")
    )
    max_age_days = models.PositiveSmallIntegerField(
        _("密码有效期（天）"), validators=_bounded("max_age_days")
    )
    lockout_failures = models.PositiveSmallIntegerField(
        _("连续失败几次锁定账号"), validators=_bounded("lockout_failures")
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        _("锁定时长（分钟）"), validators=_bounded("lockout_minutes")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    audited = True
    audit_fields = [
        "min_length",
        "min_classes",
        "history",
        "max_age_days",
        "lockout_failures",
        "lockout_minutes",
    ]

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")

    def __str__(self) -> str:
        return str(_("安全策略"))


def network_check(value: str) -> str:
    """A network the security administrator may open to outgoing requests, normalised
    ("10.20.3.4/16" → "10.20.0.0/16"); never loopback, link-local (cloud metadata), multicast or
    unspecified addresses, nor one wider than a /8 (IPv4) or /32 (IPv6)."""
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValidationError(
            _("“%(v)s”不是有效的网段（如 10.20.0.0/16）"), params={"v": value}
        ) from None
    if network.prefixlen < (8 if network.version == 4 else 32):
        raise ValidationError(_("网段过大：IPv4 至少 /8，IPv6 至少 /32"))
    if any(
        getattr(network, flag) or getattr(network.network_address, flag)
        for flag in ("is_loopback", "is_link_local", "is_multicast", "is_unspecified")
    ):
        raise ValidationError(_("不能放行本机、链路本地（含云平台元数据）、组播或未指定地址"))
    return str(network)


class OutboundNetwork(models.Model):
    """A network outgoing requests (webhooks, robots, SMS) may reach although it is not public,
    added by the security administrator above the operator's SAFECAMPUS_OUTBOUND_ALLOW."""

    network = models.CharField(_("网段"), max_length=43, unique=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    audited = True
    audit_fields = ["network", "note"]

    class Meta:
        verbose_name = _("外联白名单网段")
        verbose_name_plural = _("外联白名单网段")
        ordering = ["network"]

    def __str__(self) -> str:
        return self.network
