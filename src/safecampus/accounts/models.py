import hashlib
import secrets
from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # None: an administrator set a temporary password, which must be changed at first login.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

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

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self) -> bool:
        """A temporary password, or one older than the rule, must be changed first."""
        if not self.has_usable_password():
            return False
        if self.password_changed_at is None:
            return True
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        return bool(max_age) and (timezone.now() - self.password_changed_at).days >= max_age


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
