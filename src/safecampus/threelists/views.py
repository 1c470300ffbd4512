"""Pages of a school's three lists and of the staff's own checks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped_get
from safecampus.accounts import reauth
from safecampus.accounts.types import UserRequest
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.throttle import throttle
from safecampus.hazards.filters import HazardFilters
from safecampus.hazards.selectors import hazard_list, hazard_stats
from safecampus.orgs.selectors import school_get

from . import selectors, services
from .excel import three_lists_bytes
from .forms import AssessForm, CheckForm, ResponsibilityForm, RiskPointForm
from .models import ResponsibilityItem, SchoolRiskPoint


@login_required
def school_lists_view(request: UserRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id, action="risklist.view")
    tab = (
        request.GET.get("tab")
        if request.GET.get("tab") in ("risk", "responsibility", "rectification")
        else "risk"
    )
    manage = can(request.user, "risklist.manage", school.unit)
    if request.method == "POST" and not manage:
        # The add-a-point form is risklist.manage's: 403 for a reader, not the page again.
        raise PermissionDenied
    add_form = RiskPointForm(request.POST or None) if manage else None
    if request.method == "POST" and add_form is not None and add_form.is_valid():
        try:
            services.risk_point_add(user=request.user, school=school, **add_form.cleaned_data)
        except BusinessRuleError as exc:
            add_form.add_error("code", str(exc))
        else:
            messages.success(request, _("风险点已加入本校风险清单。"))
            return redirect(f"{request.path}?tab=risk")
    points = selectors.school_risk_points(user=request.user, school=school).order_by("code")
    context: dict[str, object] = {
        "school": school,
        "tab": tab,
        "manage": manage,
        "add_form": add_form,
        "breadcrumbs": school.unit.ancestors(),
        "catalog": selectors.school_catalog(school),
        "point_count": points.count(),
    }
    if tab == "risk":
        context["points"] = points
    elif tab == "responsibility":
        items = list(
            selectors.responsibility_items(user=request.user, school=school).order_by(
                "risk_point__code", "pk"
            )
        )
        for item in items:
            item.due = selectors.is_due(item)
        context["items"] = items
    else:
        filters = HazardFilters.model_validate({"school": school.pk})
        # With the number of photos, so that the list shows which hazards were photographed
        # (an inspection's failed items bring theirs along).
        context["hazards"] = hazard_list(user=request.user, filters=filters).annotate(
            photo_count=Count("photos")
        )[:100]
        context["stats"] = hazard_stats(user=request.user, filters=filters)
    return render(request, "threelists/school_lists.html", context)


@login_required
@require_POST
def instantiate_view(request: UserRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id, action="risklist.manage")
    try:
        added = services.risk_list_instantiate(user=request.user, school=school)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已从清单库生成 %(n)d 个风险点及其管控措施。") % {"n": added})
    return redirect("threelists:school_lists", school_id=school.pk)


@login_required
@require_POST
def assess_view(request: UserRequest, point_id: int) -> HttpResponse:
    point = scoped_get(
        SchoolRiskPoint.objects.select_related("school__unit"),
        request.user,
        "risklist.manage",
        pk=point_id,
    )
    form = AssessForm(request.POST)
    if form.is_valid():
        try:
            services.risk_point_assess(user=request.user, point=point, **form.cleaned_data)
            messages.success(
                request,
                _("%(code)s 已重新评估为“%(level)s”。")
                % {"code": point.code, "level": point.get_level_display()},
            )
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("请选择可能性和严重程度。"))
    return redirect(
        f"{reverse('threelists:school_lists', args=[point.school_id])}?tab=risk#p{point.pk}"
    )


@login_required
@require_POST
def remove_view(request: UserRequest, point_id: int) -> HttpResponse:
    point = scoped_get(
        SchoolRiskPoint.objects.select_related("school__unit"),
        request.user,
        "risklist.manage",
        pk=point_id,
    )
    services.risk_point_remove(user=request.user, point=point)
    messages.success(request, _("%(code)s 已从本校风险清单移除。") % {"code": point.code})
    return redirect(f"{reverse('threelists:school_lists', args=[point.school_id])}?tab=risk")


@login_required
def assign_view(request: UserRequest, item_id: int) -> HttpResponse:
    item = scoped_get(
        ResponsibilityItem.objects.select_related("risk_point__school__unit", "person"),
        request.user,
        "risklist.manage",
        pk=item_id,
    )
    school = item.risk_point.school
    initial = {
        "department": item.department,
        "post": item.post,
        "person": item.person,
        "frequency": item.frequency,
    }
    form = ResponsibilityForm(
        request.POST or None, initial=initial, people=selectors.school_people(school)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_assign(user=request.user, item=item, **form.cleaned_data)
        except BusinessRuleError as exc:
            # A measure no longer on the list is not the person field's fault.
            form.add_error(None if isinstance(exc, services.MeasureRetired) else "person", str(exc))
        else:
            messages.success(request, _("责任已落实到人。"))
            return redirect(
                f"{reverse('threelists:school_lists', args=[school.pk])}?tab=responsibility#i{item.pk}"
            )
    return render(request, "threelists/assign.html", {"form": form, "item": item, "school": school})


@login_required
def my_checks_view(request: UserRequest) -> HttpResponse:
    require(request.user, "risklist.view")
    items = selectors.my_checks(user=request.user)
    if request.method == "POST":
        item = next((i for i in items if str(i.pk) == request.POST.get("item")), None)
        form = CheckForm(request.POST)
        if item is None:
            messages.error(request, _("该项不在您的检查任务中。"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                check, _created = services.measure_check_record(
                    user=request.user,
                    item=item,
                    passed=data["passed"],
                    note=data["note"],
                    client_key=data["client_key"] or None,
                    level=data["level"] or "general",
                )
            except BusinessRuleError as exc:
                messages.error(request, str(exc))
            else:
                if check.hazard_id:
                    messages.warning(
                        request,
                        _("已记录不合格，并上报隐患 #%(id)d 进入整改清单。")
                        % {"id": check.hazard_id},
                    )
                else:
                    messages.success(request, _("已记录：合格。"))
                return redirect("threelists:my_checks")
    return render(request, "threelists/my_checks.html", {"items": items, "form": CheckForm()})


@login_required
@throttle("export")
def export_view(request: UserRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id, action="risklist.view")
    if not reauth.recent(request):  # personal data: the people responsible, the owners
        return reauth.to_reauth(request)
    return xlsx_response(
        three_lists_bytes(user=request.user, school=school), f"three-lists-{school.unit.code}.xlsx"
    )
