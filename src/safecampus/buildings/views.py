from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.selectors import district_choices, school_get

from . import services
from .choices import (
    PROJECT_STATUS_COLOURS,
    ProjectAction,
    ProjectStatus,
    RemediationKind,
)
from .filters import BuildingFilters, ProjectFilters, RemediationFilters
from .forms import (
    AcceptForm,
    BuildingForm,
    ProgressForm,
    ProjectForm,
    ResumeForm,
    StartForm,
    SubmitForm,
)
from .selectors import (
    building_get,
    building_list,
    project_buildings,
    project_events,
    project_get,
    project_list,
    project_stats,
    remediation_rollup,
    remediation_rollup_by,
    rollup_row,
)
from .workflow import may_edit, project_workflow


@login_required
def overview_view(request):
    """The roll-up: totals, then a row per district (or per school), each drilling down."""
    require(request.user, "building.view")
    filters = filters_from_query(request, RemediationFilters)
    districts = district_choices(user=request.user)
    group = request.GET.get("group")
    if group not in ("district", "school"):
        many = len(districts) > 1 and filters.district is None and filters.school is None
        group = "district" if many else "school"
    rows = remediation_rollup_by(user=request.user, filters=filters, group=group)
    page, query = page_of(request, rows)
    page.object_list = [rollup_row(r, group) for r in page.object_list]
    drill = request.GET.copy()
    for key in ("district", "group", "page", "school"):
        drill.pop(key, None)
    return render(
        request,
        "buildings/overview.html",
        {
            "filters": filters,
            "until": filters.until(),
            "totals": remediation_rollup(user=request.user, filters=filters),
            "project_stats": project_stats(user=request.user, filters=filters),
            "group": group,
            "page": page,
            "query": query,
            "drill": drill.urlencode(),
            "districts": districts,
            "district_name": next(
                (d.name for d in districts if d.pk == filters.district),
                _("市直属") if filters.district == 0 else None,
            ),
            "kinds": RemediationKind.choices,
            "can_manage": can(request.user, "building.manage"),
        },
    )


@login_required
def school_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="building.view")
    filters = BuildingFilters.model_validate({"school": school.pk})
    buildings = building_list(user=request.user, filters=filters).order_by("name")
    projects = project_list(
        user=request.user, filters=ProjectFilters.model_validate({"school": school.pk})
    )
    scope = RemediationFilters.model_validate({"school": school.pk})
    return render(
        request,
        "buildings/school.html",
        {
            "school": school,
            "breadcrumbs": school.unit.ancestors(),
            "buildings": buildings,
            "projects": projects,
            "totals": remediation_rollup(user=request.user, filters=scope),
            "project_stats": project_stats(user=request.user, filters=scope),
            "can_manage": can(request.user, "building.manage", school.unit),
            "colours": PROJECT_STATUS_COLOURS,
        },
    )


@login_required
def building_new_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="building.manage")
    form = BuildingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.building_create(user=request.user, school=school, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("楼栋已添加。"))
            return redirect("buildings:school", school_id=school.pk)
    return render(
        request,
        "buildings/building_form.html",
        {"school": school, "form": form, "breadcrumbs": school.unit.ancestors()},
    )


@login_required
def building_edit_view(request, building_id: int):
    building = building_get(user=request.user, building_id=building_id, action="building.manage")
    school = building.school
    form = BuildingForm(request.POST or None, instance=building)
    if request.method == "POST" and form.is_valid():
        try:
            services.building_update(user=request.user, building=building, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("楼栋已保存。"))
            return redirect("buildings:school", school_id=school.pk)
    return render(
        request,
        "buildings/building_form.html",
        {
            "school": school,
            "building": building,
            "form": form,
            "breadcrumbs": school.unit.ancestors(),
        },
    )


@login_required
@require_POST
def building_delete_view(request, building_id: int):
    building = building_get(user=request.user, building_id=building_id, action="building.manage")
    try:
        services.building_delete(user=request.user, building=building)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
        return redirect("buildings:building_edit", building_id=building.pk)
    messages.success(request, _("楼栋已删除。"))
    return redirect("buildings:school", school_id=building.school_id)


@login_required
@throttle("export")
def export_view(request):
    require(request.user, "building.view")
    filters = filters_from_query(request, BuildingFilters, warn=False)
    buildings = building_list(user=request.user, filters=filters).order_by(
        "school__unit__path", "name"
    )
    return xlsx_response(
        services.buildings_export(user=request.user, buildings=buildings),
        f"buildings-{timezone.localdate():%Y%m%d}.xlsx",
    )


@login_required
@throttle("search", when=query_given("q"))
def project_list_view(request):
    require(request.user, "building.view")
    filters = filters_from_query(request, ProjectFilters)
    projects = project_list(user=request.user, filters=filters)
    page, query = page_of(request, projects)
    return render(
        request,
        "buildings/projects.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "districts": district_choices(user=request.user),
            "kinds": RemediationKind.choices,
            "statuses": ProjectStatus.choices,
            "colours": PROJECT_STATUS_COLOURS,
        },
    )


@login_required
def project_new_view(request, school_id: int):
    school = school_get(user=request.user, school_id=school_id, action="building.manage")
    form = ProjectForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project, _created = services.project_create(
                user=request.user,
                school=school,
                name=data["name"],
                kind=data["kind"],
                buildings=data["buildings"],
                plan=data["plan"],
                budget_yuan=data["budget_yuan"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                client_key=data["client_key"] or None,
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("整改项目已立项。"))
            return redirect("buildings:project", project_id=project.pk)
    return render(
        request,
        "buildings/project_form.html",
        {"school": school, "form": form, "breadcrumbs": school.unit.ancestors()},
    )


@login_required
def project_edit_view(request, project_id: int):
    project = project_get(user=request.user, project_id=project_id, action="building.manage")
    school = project.school
    initial = {"buildings": list(project_buildings(project))}
    form = ProjectForm(request.POST or None, instance=project, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.project_update(
                user=request.user, project=project, buildings=data.pop("buildings"), **data
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("整改项目已保存。"))
            return redirect("buildings:project", project_id=project.pk)
    return render(
        request,
        "buildings/project_form.html",
        {
            "school": school,
            "project": project,
            "form": form,
            "breadcrumbs": school.unit.ancestors(),
        },
    )


STEP_TITLES = {
    "start": _("开工"),
    "progress": _("填报进度"),
    "submit": _("竣工，申请验收"),
    "accept": _("验收"),
    "resume": _("返工整改"),
}


# The forms of the steps a page offers, with the workflow step each one takes.
STEP_FORMS = {
    "start": (ProjectAction.START, StartForm),
    "progress": (ProjectAction.PROGRESS, ProgressForm),
    "submit": (ProjectAction.SUBMIT, SubmitForm),
    "accept": (ProjectAction.ACCEPT, AcceptForm),
    "resume": (ProjectAction.RESUME, ResumeForm),
}


def _step_forms(request, project, data=None, posted=None) -> dict:
    """The step forms this user may use on this project now (only those): the workflow's own
    predicates decide (buildings/workflow.py)."""
    return {
        step: form(data if posted == step else None)
        for step, (action, form) in STEP_FORMS.items()
        if project_workflow.may(request.user, project, action)
    }


def _run_step(request, project, step: str, data: dict):
    user = request.user
    if step == "start":
        return services.project_start(user=user, project=project, **data)
    if step == "progress":
        data["client_key"] = data["client_key"] or None
        return services.project_progress(user=user, project=project, **data)
    if step == "submit":
        return services.project_submit(user=user, project=project, **data)
    if step == "accept":
        passed = request.POST.get("passed") == "1"
        return services.project_accept(user=user, project=project, passed=passed, **data)
    return services.project_resume(user=user, project=project, **data)


@login_required
def project_view(request, project_id: int):
    project = project_get(user=request.user, project_id=project_id)
    posted = request.POST.get("step") if request.method == "POST" else None
    forms = _step_forms(request, project, request.POST, posted)
    if posted:
        form = forms.get(posted)
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                _run_step(request, project, posted, dict(form.cleaned_data))
            except BusinessRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect("buildings:project", project_id=project.pk)
    return render(
        request,
        "buildings/project.html",
        {
            "project": project,
            "buildings": project_buildings(project),
            "events": project_events(project),
            "forms": [(step, STEP_TITLES[step], form) for step, form in forms.items()],
            "breadcrumbs": project.school.unit.ancestors(),
            "can_edit": may_edit(request.user, project),
        },
    )
