from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped
from safecampus.core.errors import BusinessRuleError
from safecampus.core.throttle import throttle
from safecampus.orgs.models import School
from safecampus.orgs.selectors import school_get

from . import services
from .forms import CheckPointEditForm, CheckPointForm, ScanForm
from .qr import qr_svg, scan_url
from .selectors import (
    checkpoint_for_scan,
    checkpoint_get,
    checkpoint_list,
    patrol_rollup,
    school_day,
    visit_list,
)


def _day(request, default: date | None = None) -> date:
    """The day asked for with ?date=YYYY-MM-DD; `default` (today) when absent, today when bad
    or in the future."""
    today = timezone.localdate()
    raw = request.GET.get("date")
    if not raw:
        return default or today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, _("日期“%(d)s”无效，已显示今天。") % {"d": raw[:20]})
        return today
    if day > today:
        messages.warning(request, _("不能查看未来的日期，已显示今天。"))
        return today
    return day


def _district(request) -> int | None:
    raw = request.GET.get("district", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
def index_view(request):
    """The roll-up of a day over the schools in scope; a school's own people go straight to
    their school's page."""
    require(request.user, "patrol.view")
    schools = list(scoped(School.objects.all(), request.user, "patrol.view")[:2])
    if len(schools) == 1:
        return redirect("patrols:school", school_id=schools[0].pk)
    # The last whole day by default: today's rounds are still being walked.
    day = _day(request, default=timezone.localdate() - timedelta(days=1))
    rollup = patrol_rollup(user=request.user, day=day)
    district = _district(request)
    if district is None and len(rollup.rows) == 1:
        district = rollup.rows[0].district_id
    selected = next((r for r in rollup.rows if r.district_id == district), None)
    return render(
        request,
        "patrols/index.html",
        {
            "day": day,
            "today": timezone.localdate(),
            "rollup": rollup,
            "selected": selected,
            "missing": rollup.missing(selected.district_id) if selected else [],
        },
    )


@login_required
def school_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="patrol.view")
    day = _day(request)
    return render(
        request,
        "patrols/school.html",
        {
            "school": school,
            "day": day,
            "today": timezone.localdate(),
            "report": school_day(user=request.user, school=school, day=day),
            "can_manage": can(request.user, "patrol.manage", school.unit),
            "breadcrumbs": school.unit.ancestors(),
        },
    )


@login_required
def points_view(request, school_id: int):
    """The school's check points; the managers add new ones here."""
    school = school_get(user=request.user, school_id=school_id, action="patrol.view")
    manage = can(request.user, "patrol.manage", school.unit)
    form = CheckPointForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "patrol.manage", school.unit)
        if form.is_valid():
            try:
                point = services.checkpoint_create(
                    user=request.user, school=school, **form.cleaned_data
                )
            except BusinessRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("巡查点“%(name)s”已添加，可打印二维码张贴。") % {"name": point.name}
                )
                return redirect("patrols:points", school_id=school.pk)
    return render(
        request,
        "patrols/points.html",
        {
            "school": school,
            "points": checkpoint_list(user=request.user, school=school).order_by(
                "-active", "-is_key_area", "name"
            ),
            "form": form,
            "can_manage": manage,
            "breadcrumbs": school.unit.ancestors(),
        },
    )


@login_required
def point_edit_view(request, point_id: int):
    point = checkpoint_get(user=request.user, check_point_id=point_id, action="patrol.manage")
    initial = {f: getattr(point, f) for f in services.CHECKPOINT_FIELDS}
    form = CheckPointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkpoint_update(user=request.user, check_point=point, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("patrols:points", school_id=point.school_id)
    return render(
        request,
        "patrols/point_edit.html",
        {
            "point": point,
            "form": form,
            "scan_url": scan_url(point, request),
            "qr": qr_svg(scan_url(point, request)),
            "breadcrumbs": point.school.unit.ancestors(),
        },
    )


@login_required
@require_POST
def point_active_view(request, point_id: int):
    point = checkpoint_get(user=request.user, check_point_id=point_id, action="patrol.manage")
    active = request.POST.get("active") == "1"
    services.checkpoint_update(user=request.user, check_point=point, active=active)
    messages.success(
        request,
        (_("巡查点“%(name)s”已启用。") if active else _("巡查点“%(name)s”已停用。"))
        % {"name": point.name},
    )
    return redirect("patrols:points", school_id=point.school_id)


@login_required
@require_POST
def point_renew_view(request, point_id: int):
    point = checkpoint_get(user=request.user, check_point_id=point_id, action="patrol.manage")
    services.checkpoint_token_renew(user=request.user, check_point=point)
    messages.success(request, _("已更换二维码，旧二维码作废，请重新打印张贴。"))
    return redirect("patrols:point_edit", point_id=point.pk)


@login_required
@throttle("export")
def point_qr_view(request, point_id: int):
    """One check point's code as an SVG file (to print larger, or to send to a print shop)."""
    point = checkpoint_get(user=request.user, check_point_id=point_id, action="patrol.manage")
    svg = '<?xml version="1.0" encoding="utf-8"?>\n' + qr_svg(scan_url(point, request), scale=8)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="checkpoint-{point.pk}.svg"'
    return response


@login_required
@throttle("export")
def sheet_view(request, school_id: int):
    """The printable sheet: every active check point's code with its name and the school."""
    school = school_get(user=request.user, school_id=school_id, action="patrol.manage")
    points = checkpoint_list(user=request.user, school=school, action="patrol.manage").filter(
        active=True
    )
    labels = [
        {"point": p, "qr": qr_svg(scan_url(p, request))}
        for p in points.order_by("-is_key_area", "name")
    ]
    return render(request, "patrols/sheet.html", {"school": school, "labels": labels})


@login_required
def scan_view(request, token: str):
    """Where a scanned code leads: the check point and one big button to log the visit."""
    point = checkpoint_for_scan(user=request.user, token=token)
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit, _created = services.patrol_record(
                user=request.user,
                check_point=point,
                client_key=data["client_key"] or None,
                note=data["note"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                hazard_description=data["hazard_description"],
                hazard_level=data["hazard_level"],
                photos=request.FILES.getlist("photos"),
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            # A page of its own for the confirmation: it makes no new submission key, so going
            # back to the form and sending it again finds this visit instead of adding one.
            return redirect(f"{reverse('patrols:scan', args=[token])}?recorded={visit.pk}")
    recorded = None
    raw = request.GET.get("recorded", "")
    if request.method == "GET" and raw.isdigit() and len(raw) < 19:
        recorded = (
            visit_list(user=request.user)
            .filter(pk=int(raw), check_point=point, user=request.user)
            .first()
        )
    # The whole school's day, so the guard also sees which key areas still need a round.
    report = school_day(user=request.user, school=point.school, day=timezone.localdate())
    mine = next((p for p in report.points if p.check_point.pk == point.pk), None)
    return render(
        request,
        "patrols/scan.html",
        {
            "point": point,
            "form": form,
            "visits": mine.visits if mine else [],
            "required": report.required if point.is_key_area else None,
            "report": report,
            "recorded": recorded,
        },
    )
