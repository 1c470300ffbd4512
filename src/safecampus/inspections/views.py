from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped
from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.models import OrgUnit

from . import services
from .forms import CampaignForm, ChecklistForm, PlanForm, SelectForm
from .models import InspectionStatus, Outcome
from .selectors import (
    campaign_get,
    campaign_list,
    inspection_get,
    inspection_list,
    inspection_photo_get,
    inspection_photos,
    team_candidates,
    template_list,
)


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
    if request.method == "POST" and not plan:
        # A reader who may not plan gets 403, not the page again as if nothing was sent.
        raise PermissionDenied
    units = scoped(
        OrgUnit.objects.filter(kind="school", path__startswith=campaign.unit.path),
        request.user,
        "inspection.plan",
    )
    plan_form: PlanForm | None = None
    select_form: SelectForm | None = None
    if plan:
        candidates = team_candidates(campaign)
        plan_form = PlanForm(
            request.POST if request.POST.get("form") == "plan" else None,
            units=units,
            candidates=candidates,
        )
        select_form = SelectForm(
            request.POST if request.POST.get("form") == "select" else None,
            candidates=candidates,
            auto_id="select-%s",  # the plan form beside it has fields of the same names
        )
    try:
        if plan_form is not None and plan_form.is_bound and plan_form.is_valid():
            school = plan_form.cleaned_data["school"].school
            services.inspection_plan(
                user=request.user,
                campaign=campaign,
                school=school,
                planned_on=plan_form.cleaned_data["planned_on"],
                team=plan_form.cleaned_data["team"],
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
        failed = plan_form if request.POST.get("form") == "plan" else select_form
        assert failed is not None  # only a bound form's service raises
        failed.add_error(None, str(exc))
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


def _is_inspector(user, inspection) -> bool:
    return inspection.team.filter(pk=user.pk).exists() or can(
        user, "inspection.plan", inspection.campaign.unit
    )


@login_required
def inspection_view(request, inspection_id: int):
    inspection = inspection_get(user=request.user, inspection_id=inspection_id)
    inspector = _is_inspector(request.user, inspection)
    if request.method == "POST" and not inspector:
        raise PermissionDenied
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                services.inspection_start(user=request.user, inspection=inspection)
            else:
                submitted = [
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
                    results=submitted,
                    client_key=request.POST.get("client_key") or None,
                )
                messages.success(request, _("检查结果已提交，不合格项已进入整改清单。"))
            return redirect("inspections:inspection", inspection_id=inspection.pk)
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
    inspection = inspection_get(user=request.user, inspection_id=inspection_id)
    results = {r.item_id: r for r in inspection.results.select_related("hazard")}
    photos = defaultdict(list)
    for photo in inspection_photos(user=request.user, inspection=inspection):
        photos[photo.item_id].append(photo)
    # A refused submission comes back with what the inspector had entered, so that nothing
    # has to be tapped twice on the phone.
    posted = request.POST
    items = [
        {
            "item": item,
            "result": results.get(item.pk),
            "photos": photos[item.pk],
            "outcome": posted.get(f"outcome-{item.pk}", ""),
            "note": posted.get(f"note-{item.pk}", ""),
        }
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
            "client_key": posted.get("client_key", ""),
            "max_photos": services.MAX_PHOTOS_PER_ITEM,
        },
    )


def _item_photos(request, inspection, item_id, error: str = "", status: int = 200):
    """The photo strip of one item: the answer to the page's uploads and removals."""
    return render(
        request,
        "inspections/_item_photos.html",
        {
            "inspection": inspection,
            "photos": inspection_photos(user=request.user, inspection=inspection).filter(
                item_id=item_id
            ),
            "editable": inspection.status == InspectionStatus.IN_PROGRESS,
            "error": error,
        },
        status=status,
    )


def _item_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@login_required
@require_POST
def photo_upload_view(request, inspection_id: int):
    """Photos of one item, sent by the page one file a request as soon as they are taken."""
    inspection = inspection_get(user=request.user, inspection_id=inspection_id)
    item_id, uploads = _item_id(request.POST.get("item")), request.FILES.getlist("photo")
    error = "" if uploads else _("请选择要上传的图片。")
    try:
        for upload in uploads:
            services.inspection_photo_add(
                user=request.user, inspection=inspection, item_id=item_id or 0, upload=upload
            )
    except BusinessRuleError as exc:
        error = str(exc)
    inspection.refresh_from_db(fields=["status"])
    return _item_photos(request, inspection, item_id, error, status=400 if error else 200)


@login_required
@require_POST
def photo_remove_view(request, photo_id: int):
    photo = inspection_photo_get(user=request.user, photo_id=photo_id)
    inspection, error = photo.inspection, ""
    try:
        services.inspection_photo_remove(user=request.user, photo=photo)
    except BusinessRuleError as exc:
        error = str(exc)
    return _item_photos(request, inspection, photo.item_id, error, status=400 if error else 200)


@login_required
def photo_view(request, photo_id: int):
    """An inspection photo, to those who may see the inspection (never a public media URL)."""
    photo = inspection_photo_get(user=request.user, photo_id=photo_id)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")
