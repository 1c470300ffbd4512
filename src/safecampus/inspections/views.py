from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safecampus.access.scope import can, require, scoped
from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.models import OrgUnit

from . import services
from .forms import CampaignForm, ChecklistForm, PlanForm, SelectForm
from .models import InspectionStatus, Outcome
from .selectors import campaign_get, campaign_list, inspection_get, inspection_list, template_list


@login_required
def index_view(request):
    require(request.user, "inspection.view")
    return render(
        request,
        "inspections/index.html",
        {
            "campaigns": campaign_list(user=request.user)[:100],
            "inspections": inspection_list(user=request.user).exclude(
                status=InspectionStatus.SUBMITTED
            )[:100],
            "done": inspection_list(user=request.user)
            .filter(status=InspectionStatus.SUBMITTED)
            .order_by("-submitted_at")[:50],
            "can_plan": can(request.user, "inspection.plan"),
            "templates": template_list(user=request.user)[:50],
        },
    )


@login_required
def checklist_create_view(request):
    require(request.user, "inspection.plan")
    form = ChecklistForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checklist_from_catalog(
                user=request.user,
                unit=data["unit"],
                catalog=data["catalog"],
                name=data["name"],
                aspects=[a.code for a in data["aspects"]],
                limit=data["limit"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("检查表已生成。"))
            return redirect("inspections:index")
    return render(
        request, "inspections/form.html", {"form": form, "title": _("由风险清单库生成检查表")}
    )


@login_required
def campaign_create_view(request):
    require(request.user, "inspection.plan")
    form = CampaignForm(
        request.POST or None, user=request.user, templates=template_list(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(user=request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("inspections:campaign", campaign_id=campaign.pk)
    return render(request, "inspections/form.html", {"form": form, "title": _("新建检查行动")})


@login_required
def campaign_view(request, campaign_id: int):
    campaign = campaign_get(user=request.user, campaign_id=campaign_id)
    plan = can(request.user, "inspection.plan", campaign.unit)
    units = scoped(
        OrgUnit.objects.filter(kind="school", path__startswith=campaign.unit.path),
        request.user,
        "inspection.plan",
    )
    plan_form = (
        PlanForm(request.POST if request.POST.get("form") == "plan" else None, units=units)
        if plan
        else None
    )
    select_form = (
        SelectForm(request.POST if request.POST.get("form") == "select" else None) if plan else None
    )
    try:
        if plan_form is not None and plan_form.is_bound and plan_form.is_valid():
            school = plan_form.cleaned_data["school"].school
            services.inspection_plan(
                user=request.user,
                campaign=campaign,
                school=school,
                planned_on=plan_form.cleaned_data["planned_on"],
            )
            messages.success(request, _("已列入检查名单。"))
            return redirect("inspections:campaign", campaign_id=campaign.pk)
        if select_form is not None and select_form.is_bound and select_form.is_valid():
            picked = services.spot_check_select(
                user=request.user, campaign=campaign, **select_form.cleaned_data
            )
            messages.success(request, _("已按风险加权抽取 %(n)d 所学校。") % {"n": len(picked)})
            return redirect("inspections:campaign", campaign_id=campaign.pk)
    except BusinessRuleError as exc:
        (plan_form if request.POST.get("form") == "plan" else select_form).add_error(None, str(exc))
    return render(
        request,
        "inspections/campaign.html",
        {
            "campaign": campaign,
            "inspections": inspection_list(user=request.user, campaign=campaign),
            "plan_form": plan_form,
            "select_form": select_form,
            "units": units.only("code", "name", "path")[:3000] if plan else [],
        },
    )


def _coordinate(value, bound: int):
    """The browser's position if it sent a sane one; a check is never refused for lack of it."""
    try:
        number = Decimal(value).quantize(Decimal("0.000001"))
    except (InvalidOperation, TypeError, ValueError, ArithmeticError):
        return None
    return number if abs(number) <= bound else None


@login_required
def inspection_view(request, inspection_id: int):
    inspection = inspection_get(user=request.user, inspection_id=inspection_id)
    inspector = inspection.team.filter(pk=request.user.pk).exists() or can(
        request.user, "inspection.plan", inspection.campaign.unit
    )
    if request.method == "POST" and inspector:
        try:
            if request.POST.get("action") == "start":
                services.inspection_start(user=request.user, inspection=inspection)
            else:
                results = [
                    {
                        "item_id": item.pk,
                        "outcome": request.POST.get(f"outcome-{item.pk}", ""),
                        "note": request.POST.get(f"note-{item.pk}", ""),
                        "latitude": _coordinate(request.POST.get("latitude"), 90),
                        "longitude": _coordinate(request.POST.get("longitude"), 180),
                    }
                    for item in inspection.campaign.template.items.all()
                    if request.POST.get(f"outcome-{item.pk}") in Outcome.values
                ]
                _done, created = services.inspection_submit(
                    user=request.user,
                    inspection=inspection,
                    results=results,
                    client_key=request.POST.get("client_key") or None,
                )
                messages.success(request, _("检查结果已提交，不合格项已进入整改清单。"))
            return redirect("inspections:inspection", inspection_id=inspection.pk)
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
    inspection = inspection_get(user=request.user, inspection_id=inspection_id)
    results = {r.item_id: r for r in inspection.results.select_related("hazard")}
    items = [
        (item, results.get(item.pk))
        for item in inspection.campaign.template.items.select_related("aspect")
    ]
    return render(
        request,
        "inspections/inspection.html",
        {
            "inspection": inspection,
            "items": items,
            "inspector": inspector,
            "outcomes": Outcome.choices,
            "posted": request.POST,
        },
    )
