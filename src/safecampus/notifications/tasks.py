import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import Notification

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def email_notifications(ids: list[int]) -> int:
    """E-mail the given notifications (retried by the queue when the mail server fails)."""
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=ids, emailed_at__isnull=True
    ).select_related("user"):
        link = f"{settings.SAFECAMPUS_BASE_URL}{notification.url}" if notification.url else ""
        send_mail(
            f"[平安校园] {notification.title}",
            "\n\n".join(p for p in (notification.body, link) if p),
            settings.DEFAULT_FROM_EMAIL,
            [notification.user.email],
        )
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    logger.info("emailed %s notifications", sent)
    return sent
