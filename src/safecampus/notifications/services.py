"""Sending notifications: stored at once (in the caller's transaction), e-mailed after commit
by the task queue, so that a rolled-back step notifies nobody and a slow mail server holds
up no request."""

from django.db import transaction
from django.utils import timezone

from .models import Notification


def notify(
    users, *, kind: str, title: str, body: str = "", url: str = "", dedupe_key: str | None = None
) -> list[Notification]:
    """Notify each user once; with a dedupe key, users already notified under it are skipped."""
    users = {u.pk: u for u in users if u is not None and u.is_active}
    if dedupe_key:
        done = set(
            Notification.objects.filter(dedupe_key=dedupe_key, user_id__in=users).values_list(
                "user_id", flat=True
            )
        )
        users = {pk: u for pk, u in users.items() if pk not in done}
    created = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=kind,
                title=title[:200],
                body=body[:1000],
                url=url,
                dedupe_key=dedupe_key,
            )
            for u in users.values()
        ]
    )
    ids = [n.pk for n in created if n.user.email]
    if ids:
        from .tasks import email_notifications

        transaction.on_commit(lambda: email_notifications(ids))
    return created


def notification_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, all) of the user's notifications read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
