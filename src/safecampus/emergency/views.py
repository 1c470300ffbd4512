from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safecampus.access.scope import ancestor_paths, can, require
from safecampus.accounts.models import User
from safecampus.core.errors import BusinessRuleError
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.selectors import district_choices

from . import services
from .choices import EventKind, IncidentStatus, IncidentType, Severity
from .filters import IncidentFilters
from .forms import (
    AssignForm,
    ClassifyForm,
    CloseForm,
    NoteForm,
    PressForm,
    RaiseForm,
    RequiredNoteForm,
    ResetForm,
)
from .selectors import (
    alarm_get,
    board_cursor,
    board_incidents,
    board_labels,
    commands_a_district,
    incident_alarms,
    incident_get,
    incident_list,
    incident_summary,
    incident_timeline,
)
from .workflow import incident_workflow, may_reset_alarms


@login_required
@throttle("search", when=query_given("q"))
def incident_list_view(request):
    require(request.user, "incident.view")
    filters = filters_from_query(request, IncidentFilters)
    page, query = page_of(request, incident_list(user=request.user, filters=filters))
    return render(
        request,
        "emergency/incident_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "districts": district_choices(user=request.user),
            "types": IncidentType.choices,
            "severities": Severity.choices,
            "statuses": IncidentStatus.choices,
            "can_raise": can(request.user, "incident.raise"),
            "can_press": can(request.user, "alarm.raise"),
            "can_command": can(request.user, "incident.command"),
        },
    )


@login_required
def press_view(request):
    """The one-button alarm on a page or a phone."""
    require(request.user, "alarm.raise")
    form = PressForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alarm, _created = services.alarm_press(
                user=request.user,
                school=data["school"],
                client_key=data["client_key"],
                place=data["place"],
                note=data["note"],
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "已报警：校长、安全负责人和区市值班人员已收到通知。请保持电话畅通，注意自身安全。"
                ),
            )
            return redirect("emergency:incident_detail", incident_id=alarm.incident_id)
    return render(request, "emergency/press.html", {"form": form})


@login_required
def raise_view(request):
    require(request.user, "incident.raise")
    form = RaiseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident, _created = services.incident_raise(user=request.user, **data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("事件已发起，相关人员已收到通知。"))
            return redirect("emergency:incident_detail", incident_id=incident.pk)
    return render(request, "emergency/raise.html", {"form": form})


def assignee_candidates(incident):
    """Who can be put in charge on site: the active users of the school and the units above."""
    path = incident.school.unit.path
    return (
        User.objects.filter(
            is_active=True, assignments__unit__path__in=[*ancestor_paths(path), path]
        )
        .distinct()
        .order_by("username")
    )


def _forms(request, incident, posted=None) -> dict:
    """The step forms this user may use on this incident now (only those): the workflow's own
    predicates decide (emergency/workflow.py)."""
    data = request.POST if posted else None

    def offered(step: str, kind: str, form, **kwargs):
        if incident_workflow.may(request.user, incident, kind):
            forms[step] = form(data if posted == step else None, **kwargs)

    forms: dict = {}
    offered("acknowledge", EventKind.ACKNOWLEDGED, NoteForm)
    offered("respond", EventKind.RESPONDING, NoteForm)
    offered(
        "assign",
        EventKind.ASSIGNED,
        AssignForm,
        candidates=assignee_candidates(incident),
        initial={"assignee": incident.assignee_id},
    )
    # Grading is a line of the timeline while the incident is open, like an assignment.
    if incident_workflow.may(request.user, incident, EventKind.ASSIGNED):
        forms["classify"] = ClassifyForm(
            data if posted == "classify" else None,
            initial={"incident_type": incident.incident_type, "severity": incident.severity},
        )
    offered("note", EventKind.NOTE, RequiredNoteForm)
    offered("resolve", EventKind.RESOLVED, NoteForm)
    offered("close", EventKind.CLOSED, CloseForm)
    return forms


STEP_LABELS = {
    "acknowledge": gettext_lazy("接警"),
    "respond": gettext_lazy("开始现场处置"),
    "assign": gettext_lazy("指派现场负责人"),
    "classify": gettext_lazy("定性定级"),
    "note": gettext_lazy("处置记录"),
    "resolve": gettext_lazy("处置完毕"),
    "close": gettext_lazy("结案"),
}


def _run_step(request, incident, step: str, data: dict):
    user = request.user
    steps = {
        "acknowledge": lambda: services.incident_acknowledge(
            user=user, incident=incident, note=data["note"]
        ),
        "respond": lambda: services.incident_respond(
            user=user, incident=incident, note=data["note"]
        ),
        "assign": lambda: services.incident_assign(
            user=user, incident=incident, assignee=data["assignee"], note=data["note"]
        ),
        "classify": lambda: services.incident_classify(
            user=user,
            incident=incident,
            incident_type=data["incident_type"],
            severity=data["severity"],
        ),
        "note": lambda: services.incident_note(user=user, incident=incident, note=data["note"]),
        "resolve": lambda: services.incident_resolve(
            user=user, incident=incident, note=data["note"]
        ),
        "close": lambda: services.incident_close(
            user=user, incident=incident, report=data["report"]
        ),
    }
    steps[step]()


def _panel_context(request, incident, forms=None, reset_form=None, error=None) -> dict:
    done = services.steps_done(incident)
    alarms = incident_alarms(incident)
    return {
        "incident": incident,
        "summary": incident_summary(incident),
        "alarms": alarms,
        "events": incident_timeline(incident),
        "steps": [
            {"index": i, "text": s.get("text", ""), "role": s.get("role", ""), "tick": done.get(i)}
            for i, s in enumerate(incident.plan_steps)
        ],
        "forms": forms if forms is not None else _forms(request, incident),
        "step_labels": STEP_LABELS,
        "primary_steps": ("acknowledge", "respond", "resolve", "close"),
        "can_tick": incident_workflow.may(request.user, incident, EventKind.STEP),
        "can_reset": may_reset_alarms(request.user, incident),
        "reset_form": reset_form or ResetForm(),
        "error": error,
        "panel": request.headers.get("HX-Request") == "true",
    }


def _render_incident(request, incident, **extra):
    context = _panel_context(request, incident, **extra)
    if context["panel"]:
        return render(request, "emergency/_incident_panel.html", context)
    context["breadcrumbs"] = incident.school.unit.ancestors()
    return render(request, "emergency/incident_detail.html", context)


def _after_step(request, incident_id: int):
    """Answer a step: the panel again for the board (htmx), a redirect for the page."""
    if request.headers.get("HX-Request") == "true":
        incident = incident_get(user=request.user, incident_id=incident_id)
        return _render_incident(request, incident)
    messages.success(request, _("已保存。"))
    return redirect("emergency:incident_detail", incident_id=incident_id)


@login_required
def incident_detail_view(request, incident_id: int):
    incident = incident_get(user=request.user, incident_id=incident_id)
    posted = request.POST.get("step") if request.method == "POST" else None
    forms = _forms(request, incident, posted)
    if posted:
        form = forms.get(posted)
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                _run_step(request, incident, posted, form.cleaned_data)
            except BusinessRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return _after_step(request, incident.pk)
        incident = incident_get(user=request.user, incident_id=incident_id)
    return _render_incident(request, incident, forms=forms)


@login_required
@require_POST
def step_tick_view(request, incident_id: int, step: int):
    incident = incident_get(user=request.user, incident_id=incident_id)
    try:
        services.incident_step_tick(user=request.user, incident=incident, step=step)
    except BusinessRuleError as exc:
        if request.headers.get("HX-Request") == "true":
            return _render_incident(request, incident, error=str(exc))
        messages.error(request, str(exc))
        return redirect("emergency:incident_detail", incident_id=incident.pk)
    return _after_step(request, incident.pk)


@login_required
@require_POST
def alarm_reset_view(request, incident_id: int):
    incident = incident_get(user=request.user, incident_id=incident_id)
    form = ResetForm(request.POST)
    if form.is_valid():
        alarm = alarm_get(
            user=request.user, alarm_id=form.cleaned_data["alarm"], action="alarm.reset"
        )
        if alarm.incident_id != incident.pk:
            raise PermissionDenied
        try:
            services.alarm_reset(user=request.user, alarm=alarm, note=form.cleaned_data["note"])
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            return _after_step(request, incident.pk)
    return _render_incident(request, incident, reset_form=form)


@login_required
def board_view(request):
    """The command board of district and city duty officers."""
    require(request.user, "incident.command")
    # The cursor before the list: a line written in between arrives twice and is dropped
    # once, rather than not at all.
    cursor = board_cursor()
    incidents = [incident_summary(i) for i in board_incidents(user=request.user)[:200]]
    return render(
        request,
        "emergency/board.html",
        {
            "board": {"cursor": cursor, "incidents": incidents},
            "board_labels": board_labels(),
            "geo_focus": _board_focus(request.user),
            "board_level": "district" if commands_a_district(request.user) else "city",
        },
    )


def _board_focus(user):
    """A district officer's board draws their district's polygon; the city's draws them all."""
    from safecampus.access.scope import grants_for
    from safecampus.orgs.models import OrgUnit

    units = OrgUnit.objects.filter(
        pk__in=[g.unit_id for g in grants_for(user, "incident.command")], kind="district"
    ).values_list("map_feature", flat=True)
    features = [f for f in units if f]
    return features[0] if len(features) == 1 else ""
