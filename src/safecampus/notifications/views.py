from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safecampus.core.listing import page_of

from .models import Notification
from .services import notification_read


@login_required
def notification_list(request):
    page, query = page_of(request, Notification.objects.filter(user=request.user))
    return render(request, "notifications/list.html", {"page": page, "query": query})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    notification = Notification.objects.filter(user=request.user, pk=notification_id).first()
    if notification is None:
        return redirect("notifications:list")
    notification_read(user=request.user, notification_id=notification.pk)
    return redirect(notification.url or "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    notification_read(user=request.user)
    return redirect("notifications:list")
