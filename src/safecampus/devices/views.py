"""Pages of the technical defenses: the online rates (city → district → school, refreshed live)
and a school's devices (cameras, alarm buttons, the camera workbook, device tokens)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped_get
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import throttle
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.selectors import home_unit, school_get, unit_get

from . import services
from .filters import DeviceFilters
from .forms import AlarmForm, CameraForm, TokenForm
from .models import STATUS_COLOURS, DeviceKind, DeviceToken, Place, Status
from .selectors import (
    device_get,
    device_list,
    online_rates,
    school_devices_summary,
    status_of,
    token_list,
)

# Seconds between refreshes of the live pages: with the ingestor's one-second batches a status
# change shows within about four seconds.
REFRESH_S = 3


@login_required
def rates_view(request):
    require(request.user, "device.view")
    unit_id = request.GET.get("unit", "")
    unit = (
        unit_get(user=request.user, unit_id=int(unit_id))
        if unit_id.isdigit() and len(unit_id) <= 18
        else home_unit(request.user)
    )
    if unit is None:  # device.view is held somewhere (above), so a unit is
        raise PermissionDenied
    if unit.kind == UnitKind.SCHOOL:
        return redirect("devices:school", school_id=unit.pk)
    context = {
        "data": online_rates(user=request.user, unit=unit),
        "unit": unit,
        "breadcrumbs": unit.ancestors(),
        "refresh_s": REFRESH_S,
        "now": timezone.localtime(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "devices/_rates.html", context)
    return render(request, "devices/rates.html", context)


def _rows(devices) -> list:
    for device in devices:
        device.status = status_of(device)
        device.colour = STATUS_COLOURS[device.status]
    return devices


@login_required
def school_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="device.view")
    filters = filters_from_query(request, DeviceFilters)
    filters.school = school.pk
    cameras = device_list(user=request.user, kind=DeviceKind.CAMERA, filters=filters)
    page, query = page_of(request, cameras)
    page.object_list = _rows(list(page.object_list))
    context = {
        "school": school,
        "page": page,
        "query": query,
        "filters": filters,
        "summary": school_devices_summary(user=request.user, school=school),
        "places": Place.choices,
        "statuses": Status.choices,
        "refresh_s": REFRESH_S,
        "can_manage": can(request.user, "device.manage", school.unit),
    }
    if request.headers.get("HX-Request"):
        return render(request, "devices/_camera_table.html", context)
    manage = context["can_manage"]
    context.update(
        alarms=_rows(
            list(
                device_list(
                    user=request.user,
                    kind=DeviceKind.ALARM,
                    filters=DeviceFilters.model_validate({"school": school.pk, "active": None}),
                )
            )
        ),
        tokens=list(token_list(user=request.user, school=school)) if manage else [],
        token_form=TokenForm(),
        breadcrumbs=school.unit.ancestors(),
    )
    return render(request, "devices/school.html", context)


FORMS: dict[str, type[CameraForm] | type[AlarmForm]] = {
    DeviceKind.CAMERA: CameraForm,
    DeviceKind.ALARM: AlarmForm,
}


@login_required
def device_new_view(request, school_id: int, kind: str):
    school = school_get(user=request.user, school_id=school_id, action="device.view")
    require(request.user, "device.manage", school.unit)
    model = FORMS[kind]._meta.model
    form = FORMS[kind](request.POST or None, instance=model(school=school))
    if request.method == "POST" and form.is_valid():
        try:
            services.device_create(user=request.user, kind=kind, school=school, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记“%(n)s”。") % {"n": form.cleaned_data["name"]})
            return redirect("devices:school", school_id=school.pk)
    return render(
        request,
        "devices/device_form.html",
        {"form": form, "school": school, "kind": kind, "breadcrumbs": school.unit.ancestors()},
    )


@login_required
def device_edit_view(request, pk: int, kind: str):
    device = device_get(user=request.user, kind=kind, pk=pk, action="device.manage")
    form = FORMS[kind](request.POST or None, instance=device)
    if request.method == "POST" and form.is_valid():
        try:
            # The form wrote its values onto the instance; the service compares with the row.
            fresh = device_get(user=request.user, kind=kind, pk=pk, action="device.manage")
            services.device_update(user=request.user, device=fresh, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("devices:school", school_id=device.school_id)
    return render(
        request,
        "devices/device_form.html",
        {
            "form": form,
            "school": device.school,
            "device": device,
            "kind": kind,
            "breadcrumbs": device.school.unit.ancestors(),
        },
    )


@login_required
@require_POST
def device_active_view(request, pk: int, kind: str):
    device = device_get(user=request.user, kind=kind, pk=pk, action="device.manage")
    active = request.POST.get("active") == "1"
    services.device_set_active(user=request.user, device=device, active=active)
    messages.success(
        request,
        (_("已恢复使用“%(n)s”。") if active else _("已停用“%(n)s”，不再计入在线率。"))
        % {"n": device.name},
    )
    return redirect("devices:school", school_id=device.school_id)


@login_required
@throttle("export")
def export_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="device.view")
    filters = filters_from_query(request, DeviceFilters, warn=False)
    filters.school = school.pk
    cameras = device_list(user=request.user, kind=DeviceKind.CAMERA, filters=filters)
    return xlsx_response(
        services.cameras_export(user=request.user, cameras=cameras),
        f"cameras-{school.unit.code}-{timezone.localdate():%Y%m%d}.xlsx",
    )


@never_cache
@login_required
@require_POST
def token_issue_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="device.manage")
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = services.device_token_issue(
                user=request.user, school=school, **form.cleaned_data
            )
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
        else:
            # Shown this once (the page is not cached; only the hash is stored).
            return render(
                request,
                "devices/token_issued.html",
                {
                    "token": token,
                    "raw": raw,
                    "school": school,
                    "breadcrumbs": school.unit.ancestors(),
                },
            )
    else:
        messages.error(request, _("请填写令牌名称；限定设备编码须为 20 位数字或留空。"))
    return redirect("devices:school", school_id=school.pk)


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    token = scoped_get(
        DeviceToken.objects.select_related("school__unit"),
        request.user,
        "device.manage",
        pk=token_id,
    )
    services.device_token_revoke(user=request.user, token=token)
    messages.success(request, _("令牌“%(n)s”已吊销。") % {"n": token.name})
    return redirect("devices:school", school_id=token.school_id)
