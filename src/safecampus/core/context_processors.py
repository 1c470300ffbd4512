from safecampus.access.scope import grants

from .menu import sidebar


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = grants(user)
    from safecampus.notifications.models import Notification

    return {
        "unread_notifications": Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count(),
        "sidebar": sidebar(user, request.path),
        "user_roles": sorted({g.role.label for g in held}, key=str),
    }
