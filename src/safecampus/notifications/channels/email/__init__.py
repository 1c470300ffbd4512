"""E-mail to the person, through Django's mail settings (EMAIL_BACKEND, EMAIL_HOST, …).

Environment: SAFECAMPUS_EMAIL_ENABLED (default on) turns the channel off without touching
the mail settings.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.models import User
from safecampus.core.env import env_bool

from ...models import Delivery
from ..base import BaseChannel, Message, PermanentChannelError, mask_email, message_of


def format_email(message: Message) -> tuple[str, str]:
    """(subject, text) of the e-mail."""
    tag = "[平安校园][紧急]" if message.urgent else "[平安校园]"
    text = "\n\n".join(p for p in (message.body, message.link) if p)
    return f"{tag} {message.title}", text


class Channel(BaseChannel):
    name = "email"
    label = _("电子邮件")
    audience = "user"
    order = 10

    def enabled(self) -> bool:
        return env_bool("SAFECAMPUS_EMAIL_ENABLED", True)

    def address(self, user: User) -> str:
        return (user.email or "").strip()

    def mask(self, target: str) -> str:
        return mask_email(target)

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        to = self.address(notification.user) if notification is not None else ""
        if notification is None or not to:
            raise PermanentChannelError("收件人没有电子邮件地址")
        subject, text = format_email(message_of(delivery))
        # Raises on an SMTP failure (fail_silently=False): the delivery is retried.
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
        type(notification).objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
