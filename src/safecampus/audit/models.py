"""The audit trail: one append-only entry for every change of a business record and every
read of a sensitive one (等保 level 3, Cybersecurity Law art. 21).

Business models inherit AuditedModel: single saves and deletes are recorded by signals,
bulk writes by AuditedQuerySet, so no write path can skip the trail. Entries cannot be
changed through the ORM, and database triggers (migration 0002) refuse UPDATE always and
DELETE of entries younger than the legal minimum, whatever client connects. Each entry is
stamped with the database's time and sealed into an HMAC-SM3 chain (chain.py, migration 0007),
so that a change made behind the application's back — with the triggers disabled — is found
by `safecampus audit-verify`.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.texts import rendered

_M = TypeVar("_M", bound=models.Model)


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    READ = "read", _("查阅敏感信息")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    UNLOCK = "unlock", _("解除锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    TOKEN_CREATE = "token_create", _("创建令牌")
    TOKEN_REVOKE = "token_revoke", _("吊销令牌")
    SECOND_FACTOR = "second_factor", _("动态口令")
    REAUTH = "reauth", _("再次验证身份")
    GENERATE = "generate", _("生成演示数据")
    PRUNE = "prune", _("清理过期日志")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def bulk_create(
        self, objs: Iterable["AuditEntry"], *args: Any, **kwargs: Any
    ) -> list["AuditEntry"]:
        from .chain import chain_append

        entries = list(objs)
        chain_append(entries, using=self.db, batch_size=kwargs.get("batch_size"))
        return entries

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("审计日志不可修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志不可删除（过期清理请使用 prune_audit_entries）")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        # The entry outlives the account: no cascade, no SET NULL (entries are never updated).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    # The org node of the object, copied as a path so that the entry stays scoped even if
    # the tree changes later.
    unit_id = models.BigIntegerField(_("组织机构"), null=True, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("修改后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    channel = models.CharField(_("来源"), max_length=10, blank=True)
    ip = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    # The message as a translatable text (core/texts.py), shown in the reader's language;
    # `message` keeps it in the platform's language. Null on entries written before.
    message_i18n = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # The entry's place in the chain and its seal: HMAC-SM3 over its fields and the previous
    # entry's seal (chain.py). Null on entries written before the chain existed.
    # Both nullable and the uniqueness a partial index: SQLite adds them with ALTER TABLE ADD
    # COLUMN / CREATE INDEX, not by rebuilding the table (which would drop its triggers).
    seq = models.BigIntegerField(null=True, blank=True, editable=False)
    mac = models.CharField(max_length=64, null=True, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()
    scope_path = "unit_path"
    # An auditor's entry outside their unit is 404, like any record outside scope.
    scope_view_action = "audit.view"

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["seq"], condition=models.Q(seq__isnull=False), name="audit_entry_seq_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("审计日志不可修改")
        from .chain import chain_append

        chain_append([self], using=kwargs.get("using") or self._state.db or "default")

    def save_sealed(self, using: str) -> None:
        """The plain INSERT, for chain.py once it has stamped and sealed the entry."""
        super().save(using=using, force_insert=True)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志不可删除")

    def display_message(self) -> str:
        """The message in the active language (the stored one for entries without a text)."""
        return rendered(self.message_i18n, self.message)

    def object_model(self) -> type[models.Model] | None:
        """The model of the object (None for an event without one, or a model since removed)."""
        if not self.object_type:
            return None
        try:
            return apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return None

    def object_type_label(self) -> str:
        """The object's kind in the active language, e.g. 隐患 / Hazard; else its code."""
        model = self.object_model()
        return str(model._meta.verbose_name) if model is not None else self.object_type


class AuditChain(models.Model):
    """The head of the chain: one row (id 1), moved on by every append (which locks it) so that
    entries written by many processes form one chain. `legacy_max_id`: entries up to it predate the chain."""

    seq = models.BigIntegerField(default=0)
    legacy_max_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计日志链头")

    def __str__(self) -> str:
        return str(self.seq)


class AuditCheckpoint(models.Model):
    """Written by the retention purge: the chain now starts after entry `seq`, whose seal was
    `mac`. Sealed itself, append-only (triggers): the verifier starts from the latest one."""

    at = models.DateTimeField(default=timezone.now)
    seq = models.BigIntegerField()
    mac = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计日志检查点")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.seq}"


class AuditedQuerySet(models.QuerySet[_M]):
    """Bulk writes that leave one audit entry per row, like single saves do."""

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        from .services import audit_created

        created = super().bulk_create(objs, *args, **kwargs)
        audit_created(created)
        return created

    def bulk_update(
        self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        from .services import audit_snapshot_many, audit_updated

        changed = list(objs)
        before = audit_snapshot_many(self.model, [o.pk for o in changed])
        # Django implements bulk_update with update(); a plain queryset keeps it from being
        # recorded twice.
        plain: models.QuerySet[_M] = models.QuerySet(self.model, using=self.db)
        result = plain.bulk_update(changed, fields, batch_size=batch_size)
        audit_updated(changed, before)
        return result

    def update(self, **kwargs: Any) -> int:
        from django.db import transaction

        from .services import audit_snapshot_many, audit_updated

        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            before = audit_snapshot_many(self.model, pks)
            count = super().update(**kwargs)
            audit_updated(list(self.model._base_manager.filter(pk__in=pks)), before)
        return count


class AuditedModel(models.Model):
    """Base of every business record: its changes are written to the audit trail."""

    audited = True
    # Fields whose values the trail keeps; None keeps every concrete field.
    audit_fields: list[str] | None = None

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True
