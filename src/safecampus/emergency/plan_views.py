"""Pages of emergency plans (应急预案): the list, a plan with its steps as a checklist, the
editor, and a school adopting a city plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.selectors import district_choices, home_unit, school_list

from . import plan_services as services
from .choices import IncidentType
from .plan_forms import PlanForm
from .plan_selectors import (
    PlanFilters,
    plan_copies,
    plan_get,
    plan_history,
    plan_list,
    plan_school_actives,
    plan_schools_for_adopt,
    plan_units_for_create,
)

# A school picker beyond this many schools is a list nobody scrolls: the search box serves.
MAX_SCHOOL_CHOICES = 300
COPIES_SHOWN = 20
ROLE_SUGGESTIONS = [
    gettext_lazy("校长"),
    gettext_lazy("分管安全副校长"),
    gettext_lazy("安全办主任"),
    gettext_lazy("值班领导"),
    gettext_lazy("保安员"),
    gettext_lazy("班主任"),
    gettext_lazy("任课教师"),
    gettext_lazy("全体教职工"),
    gettext_lazy("校医"),
    gettext_lazy("后勤主任"),
    gettext_lazy("食堂负责人"),
    gettext_lazy("心理教师"),
    gettext_lazy("宿管员"),
    gettext_lazy("办公室"),
]


@login_required
@throttle("search", when=query_given("q"))
def plan_list_view(request):
    require(request.user, "plan.view")
    filters = filters_from_query(request, PlanFilters)
    page, query = page_of(request, plan_list(user=request.user, filters=filters))
    districts = district_choices(user=request.user)
    schools = school_list(user=request.user, action="plan.view").select_related(None)
    count = schools.count()
    return render(
        request,
        "emergency/plan_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "types": IncidentType.choices,
            "districts": districts,
            "schools": (
                schools.order_by("unit__path").values("pk", "unit__name")
                if 1 < count <= MAX_SCHOOL_CHOICES
                else []
            ),
            "can_create": bool(plan_units_for_create(request.user)),
        },
    )


@login_required
def plan_detail_view(request, plan_id: int):
    plan = plan_get(user=request.user, plan_id=plan_id)
    user = request.user
    is_city_plan = plan.unit.kind != UnitKind.SCHOOL
    copies = plan_copies(user=user, plan=plan) if is_city_plan else None
    copies_count = copies.count() if copies is not None else 0
    adopt_schools = []
    if is_city_plan and plan.active:
        schools = [
            s for s in plan_schools_for_adopt(user) if s.unit.path.startswith(plan.unit.path)
        ]
        actives = plan_school_actives(user=user, schools=schools, plan=plan)
        adopt_schools = [
            {
                "school": s,
                "active": actives.get(s.pk),
                "adopted": actives.get(s.pk) is not None
                and actives[s.pk].adopted_from_id == plan.pk,
            }
            for s in schools
        ]
    return render(
        request,
        "emergency/plan_detail.html",
        {
            "plan": plan,
            "is_city_plan": is_city_plan,
            "copies": copies[:COPIES_SHOWN] if copies is not None else None,
            "copies_count": copies_count,
            # A school's people see their own copy only: "0 schools adopted it" would mislead.
            "show_copies": is_city_plan and (copies_count > 0 or _above_schools(user)),
            "history": plan_history(plan),
            # The city revised its plan after this copy was last saved: worth a look.
            "source_revised": plan.adopted_from is not None
            and plan.adopted_from.updated_at > plan.updated_at,
            "can_manage": services.plan_manageable(user, plan.unit) and can(user, "plan.manage"),
            "adopt_schools": adopt_schools,
            "breadcrumbs": plan.unit.ancestors(),
        },
    )


def _above_schools(user) -> bool:
    unit = home_unit(user)
    return unit is not None and unit.kind != UnitKind.SCHOOL


def _editor_context(form, **extra) -> dict:
    return {"form": form, "rows": form.rows, "role_suggestions": ROLE_SUGGESTIONS, **extra}


@login_required
def plan_create_view(request):
    require(request.user, "plan.manage")
    units = plan_units_for_create(request.user)
    if not units:
        raise PermissionDenied
    initial = {"unit": units[0].pk}
    if request.GET.get("type") in IncidentType.values:
        initial["incident_type"] = request.GET["type"]
    form = PlanForm(
        request.POST if request.method == "POST" else None, units=units, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data["unit"])
        try:
            plan = services.plan_create(
                user=request.user,
                unit=unit,
                incident_type=data["incident_type"],
                title=data["title"],
                summary=data["summary"],
                steps=data["steps"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("预案已保存（共 %(n)d 步）。") % {"n": len(plan.steps)})
            return redirect("emergency:plan_detail", plan_id=plan.pk)
    return render(request, "emergency/plan_form.html", _editor_context(form))


@login_required
def plan_edit_view(request, plan_id: int):
    plan = plan_get(user=request.user, plan_id=plan_id)
    if not (can(request.user, "plan.manage") and services.plan_manageable(request.user, plan.unit)):
        raise PermissionDenied
    form = PlanForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = plan.version
        try:
            plan = services.plan_update(
                user=request.user,
                plan=plan,
                title=data["title"],
                summary=data["summary"],
                steps=data["steps"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            if plan.version == before:
                messages.info(request, _("没有修改。"))
            else:
                messages.success(request, _("已保存为第 %(v)d 版。") % {"v": plan.version})
            return redirect("emergency:plan_detail", plan_id=plan.pk)
    return render(request, "emergency/plan_form.html", _editor_context(form, plan=plan))


@login_required
@require_POST
def plan_adopt_view(request, plan_id: int):
    plan = plan_get(user=request.user, plan_id=plan_id)
    schools = plan_schools_for_adopt(request.user)
    if not schools:
        raise PermissionDenied
    wanted = request.POST.get("school")
    if wanted:
        school = next((s for s in schools if str(s.pk) == wanted), None)
        if school is None:
            raise Http404
    elif len(schools) == 1:
        school = schools[0]
    else:
        messages.error(request, _("请选择学校。"))
        return redirect("emergency:plan_detail", plan_id=plan.pk)
    previous = plan_school_actives(user=request.user, schools=[school], plan=plan).get(school.pk)
    try:
        copy = services.plan_adopt(user=request.user, plan=plan, school=school)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
        return redirect("emergency:plan_detail", plan_id=plan.pk)
    if previous is not None:
        messages.success(
            request,
            _("已采用为本校预案，原“%(old)s”已停用。可按本校实际修改。") % {"old": previous.title},
        )
    else:
        messages.success(request, _("已采用为本校预案，可按本校实际修改。"))
    return redirect("emergency:plan_detail", plan_id=copy.pk)


@login_required
@require_POST
def plan_active_view(request, plan_id: int):
    """Deactivate (`active=0`) or activate (`active=1`) a plan."""
    plan = plan_get(user=request.user, plan_id=plan_id)
    activate = request.POST.get("active") == "1"
    try:
        if activate:
            services.plan_activate(user=request.user, plan=plan)
        else:
            services.plan_deactivate(user=request.user, plan=plan)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("预案已启用。") if activate else _("预案已停用。"))
    return redirect("emergency:plan_detail", plan_id=plan.pk)
