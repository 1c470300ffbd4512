"""The bell of the shell (core/templates/base.html): how many messages the user has not read."""

from django.http import HttpRequest

from .models import Notification


def bell(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count()
    }
