from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import require
from safecampus.accounts.types import UserRequest
from safecampus.core.errors import BusinessRuleError
from safecampus.core.listing import page_of

from . import channels
from .forms import DeliveryFilterForm, EndpointEditForm, EndpointForm
from .models import DeliveryStatus, Notification
from .selectors import delivery_list, endpoint_get, endpoint_list, endpoint_units
from .services import endpoint_create, endpoint_test_send, endpoint_update, notification_read

NEW_SECRET_KEY = "notifications.new_endpoint_secret"


@login_required
def notification_list(request: UserRequest) -> HttpResponse:
    page, query = page_of(request, Notification.objects.filter(user=request.user))
    return render(request, "notifications/list.html", {"page": page, "query": query})


@login_required
@require_POST
def notification_open(request: UserRequest, notification_id: int) -> HttpResponse:
    notification = Notification.objects.filter(user=request.user, pk=notification_id).first()
    if notification is None:
        return redirect("notifications:list")
    notification_read(user=request.user, notification_id=notification.pk)
    return redirect(notification.url or "notifications:list")


@login_required
@require_POST
def notification_read_all(request: UserRequest) -> HttpResponse:
    notification_read(user=request.user)
    return redirect("notifications:list")


def _channel_labels() -> dict[str, str]:
    return {c.name: str(c.label) for c in channels.all_channels().values()}


@login_required
def endpoint_list_view(request: UserRequest) -> HttpResponse:
    """The endpoints of the units in scope, and a form to add one."""
    require(request.user, "notification.manage")
    units = list(endpoint_units(user=request.user))
    raw_unit = request.GET.get("unit", "")
    unit_id = int(raw_unit) if raw_unit.isdigit() and len(raw_unit) < 19 else None
    form = EndpointForm(
        request.POST or None,
        units=units,
        initial={"unit": unit_id or (units[0].pk if units else None)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            endpoint = endpoint_create(
                user=request.user,
                unit=unit,
                channel=data["channel"],
                name=data["name"],
                url=data["url"],
                secret=data["secret"],
                kinds=data["kinds"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            if endpoint.secret and not data["secret"]:
                # A generated secret is shown once, on the next page (kept server-side in the
                # session until then, not in a message cookie).
                request.session[NEW_SECRET_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}
            messages.success(request, _("推送地址“%(name)s”已添加。") % {"name": endpoint.name})
            return redirect("notifications:endpoint_edit", endpoint_id=endpoint.pk)
    return render(
        request,
        "notifications/endpoint_list.html",
        {
            "endpoints": endpoint_list(user=request.user, unit_id=unit_id).order_by(
                "-active", "unit__path", "name"
            ),
            "units": units,
            "unit_id": unit_id,
            "form": form,
            "channel_labels": _channel_labels(),
            "channels": list(channels.all_channels().values()),
        },
    )


@login_required
def endpoint_edit_view(request: UserRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_get(user=request.user, endpoint_id=endpoint_id)
    initial = {
        "channel": endpoint.channel,
        "name": endpoint.name,
        "url": endpoint.url,
        "kinds": ", ".join(endpoint.kinds),
        "active": endpoint.active,
    }
    form = EndpointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_update(user=request.user, endpoint=endpoint, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("notifications:endpoint_edit", endpoint_id=endpoint.pk)
    new_secret = request.session.pop(NEW_SECRET_KEY, None)
    return render(
        request,
        "notifications/endpoint_edit.html",
        {
            "endpoint": endpoint,
            "new_secret": new_secret["secret"]
            if new_secret and new_secret.get("id") == endpoint.pk
            else None,
            "form": form,
            "channel_label": _channel_labels().get(endpoint.channel, endpoint.channel),
            "recent": delivery_list(user=request.user, endpoint_id=endpoint.pk)[:10],
        },
    )


@login_required
@require_POST
def endpoint_active_view(request: UserRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_get(user=request.user, endpoint_id=endpoint_id)
    active = request.POST.get("active") == "1"
    endpoint_update(user=request.user, endpoint=endpoint, active=active)
    messages.success(
        request,
        (_("推送地址“%(name)s”已启用。") if active else _("推送地址“%(name)s”已停用。"))
        % {"name": endpoint.name},
    )
    return redirect("notifications:endpoint_list")


@login_required
@require_POST
def endpoint_test_view(request: UserRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_get(user=request.user, endpoint_id=endpoint_id)
    delivery = endpoint_test_send(user=request.user, endpoint=endpoint)
    if delivery.status == DeliveryStatus.SENT:
        messages.success(request, _("测试消息已送达。"))
    else:
        messages.error(
            request, _("测试消息发送失败：%(error)s") % {"error": delivery.last_error or "—"}
        )
    return redirect("notifications:endpoint_edit", endpoint_id=endpoint.pk)


@login_required
def delivery_list_view(request: UserRequest) -> HttpResponse:
    """The delivery log of the units in scope, newest first, by status and channel."""
    require(request.user, "notification.manage")
    filters = DeliveryFilterForm(request.GET or None)
    status = channel = None
    if filters.is_valid():
        status = filters.cleaned_data["status"] or None
        channel = filters.cleaned_data["channel"] or None
    elif request.GET:
        messages.warning(request, _("筛选条件无效，已忽略。"))
    page, query = page_of(request, delivery_list(user=request.user, status=status, channel=channel))
    return render(
        request,
        "notifications/delivery_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "status": status,
            "channel": channel,
            "statuses": DeliveryStatus.choices,
            "channel_labels": _channel_labels(),
        },
    )
