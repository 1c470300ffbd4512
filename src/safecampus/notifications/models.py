"""Notifications: the in-app message of each user, and the delivery log of every other channel
(e-mail, SMS, webhooks and group robots), with the webhook endpoints that units configure."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel
from safecampus.core.texts import rendered


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.CharField(_("内容"), max_length=1000, blank=True)
    # The title and body as messages (core/texts.py), shown in the reader's language; `title`
    # and `body` keep them in the platform's language for the channels that have no reader
    # (e-mail, SMS, webhooks). Null on rows written before, and for a body that is user data.
    title_i18n = models.JSONField(null=True, blank=True)
    body_i18n = models.JSONField(null=True, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # Periodic reminders carry a key so that a rerun of the job never notifies twice.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_dedupe")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title

    def display_title(self) -> str:
        """The title in the active language (the stored one for rows without a message)."""
        return rendered(self.title_i18n, self.title)

    def display_body(self) -> str:
        return rendered(self.body_i18n, self.body)


class WebhookEndpoint(AuditedModel):
    """An address of a district or the city that urgent notifications of the schools below it
    are posted to: a generic JSON webhook (signed), or a WeCom / DingTalk group robot."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("类型"), max_length=20, default="webhook")
    name = models.CharField(_("名称"), max_length=60)
    url = models.CharField(_("地址"), max_length=500)
    # The key of the HMAC signature (webhook) or the robot's signing secret (DingTalk "SEC…").
    # Kept in the clear: it must be read to sign; it is never shown again once saved.
    secret = models.CharField(_("密钥"), max_length=200, blank=True)
    # Patterns of notification kinds, e.g. ["incident.*"]; empty means every urgent kind.
    kinds = models.JSONField(_("消息类别"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    # Neither the address (robot addresses carry their access token) nor the secret is
    # copied into the audit trail.
    audit_fields = ["unit_id", "channel", "name", "kinds", "active"]
    scope_path = "unit__path"
    scope_view_action = "notification.manage"

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["unit__path", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="webhook_endpoint_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


DELIVERY_STATUS_COLOURS: dict[str, str] = {
    DeliveryStatus.PENDING: "yellow",
    DeliveryStatus.SENT: "green",
    DeliveryStatus.FAILED: "red",
}


class Delivery(models.Model):
    """One message on one channel to one target, and what became of it. A person's channels
    (e-mail, SMS) hang on their notification; an endpoint's delivery carries its own message."""

    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("推送地址"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    # The unit the message concerns (the incident's school, the endpoint's unit, else the
    # recipient's): who may read the log.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=20)
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    # The message of an endpoint delivery ({"body", "url", "unit"}); empty for a person's.
    payload = models.JSONField(default=dict, blank=True)
    # Masked where personal (e-mail address, phone number) or secret (robot access tokens).
    target = models.CharField(_("发送对象"), max_length=300)
    urgent = models.BooleanField(_("紧急"), default=False)
    is_test = models.BooleanField(_("测试"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When the next attempt is due (or, while one runs, when it counts as lost); null once done.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A rerun of a job that posts to endpoints under this key posts nothing twice.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)

    scope_path = "unit__path"
    scope_view_action = "notification.manage"

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "dedupe_key"], name="delivery_endpoint_dedupe"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.target}"

    def status_colour(self) -> str:
        return DELIVERY_STATUS_COLOURS[self.status]
