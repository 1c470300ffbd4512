import json
import typing
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped, scoped_get
from safecampus.accounts import reauth
from safecampus.accounts.types import UserRequest
from safecampus.core.errors import BusinessRuleError

from .forms import AssignForm, RuleSetCopyForm
from .kinds import kinds
from .models import RuleSet, RuleSetAssignment
from .selectors import assignment_list, rule_set_get, rule_set_list
from .services import rule_set_assign, rule_set_copy, rule_set_unassign


@login_required
def rule_set_list_view(request: UserRequest) -> HttpResponse:
    require(request.user, "rules.view")
    rule_sets, assignments = rule_set_list(user=request.user), assignment_list(user=request.user)
    by_kind = [
        {
            "kind": kind,
            "label": spec.label,
            "rule_sets": [r for r in rule_sets if r.kind == kind],
            "assignments": [a for a in assignments if a.kind == kind],
        }
        for kind, spec in kinds().items()
    ]
    return render(
        request,
        "rules/rule_set_list.html",
        {"kinds": by_kind, "can_manage": can(request.user, "rules.manage")},
    )


def _cell(value: object) -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None:
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def _fields(rule_set: RuleSet) -> list[dict[str, Any]]:
    """The data with the descriptions its kind's schema gives each field. A list of objects
    (staffing tiers, protection places …) becomes a small table headed by the descriptions of
    its item model's fields, so that no administrator has to read JSON."""
    schema = kinds()[rule_set.kind].schema
    fields = []
    for name, field in schema.model_fields.items():
        value = rule_set.data.get(name)
        row: dict[str, Any] = {"name": name, "label": field.description or name, "value": value}
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            item = next(iter(typing.get_args(field.annotation)), None)
            item_fields = getattr(item, "model_fields", {})
            columns = list(item_fields) or list(value[0])
            row["table"] = {
                "headers": [getattr(item_fields.get(c), "description", None) or c for c in columns],
                "rows": [[_cell(v.get(c)) for c in columns] for v in value],
            }
        elif value is None or isinstance(value, list):
            row["value"] = _cell(value)
        fields.append(row)
    return fields


def _display(rule_set: RuleSet) -> dict[str, Any] | None:
    """The kind's own way of showing its data (a risk matrix as a coloured grid), if any."""
    spec = kinds().get(rule_set.kind)
    if spec is None or spec.display is None:
        return None
    return {"template": spec.display.template, **spec.display.context(rule_set.data)}


@login_required
def rule_set_detail_view(request: UserRequest, rule_set_id: int) -> HttpResponse:
    rule_set = rule_set_get(user=request.user, rule_set_id=rule_set_id)
    form = AssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and not reauth.recent(request):
        return reauth.to_reauth(request, request.path)
    if request.method == "POST" and form.is_valid():
        try:
            rule_set_assign(user=request.user, unit=form.cleaned_data["unit"], rule_set=rule_set)
        except BusinessRuleError as exc:
            form.add_error("unit", str(exc))
        else:
            messages.success(
                request,
                _("已为 %(unit)s 及其下级选用该规则集。")
                % {"unit": form.cleaned_data["unit"].name},
            )
            return redirect("rules:rule_set_detail", rule_set_id=rule_set.pk)
    return render(
        request,
        "rules/rule_set_detail.html",
        {
            "rule_set": rule_set,
            "fields": _fields(rule_set),
            "display": _display(rule_set),
            "form": form,
            "can_manage": can(request.user, "rules.manage"),
            "units": form.units.only("code", "name", "path")[:3000],
            "assignments": scoped(
                rule_set.assignments.select_related("unit"), request.user, "rules.view"
            ),
        },
    )


@login_required
def rule_set_copy_view(request: UserRequest, rule_set_id: int) -> HttpResponse:
    require(request.user, "rules.manage")
    source = rule_set_get(user=request.user, rule_set_id=rule_set_id)
    initial = {
        "name": source.name,
        "version": "",
        "effective_from": source.effective_from,
        "authority": source.authority,
        "data": json.dumps(source.data, ensure_ascii=False, indent=2),
    }
    form = RuleSetCopyForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and not reauth.recent(request):
        return reauth.to_reauth(request, request.path)
    if request.method == "POST" and form.is_valid():
        try:
            copy = rule_set_copy(user=request.user, source=source, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已发布新规则集；在详情页为需要的单位选用它。"))
            return redirect("rules:rule_set_detail", rule_set_id=copy.pk)
    return render(
        request,
        "rules/rule_set_copy.html",
        {"form": form, "source": source, "fields": _fields(source)},
    )


@login_required
@require_POST
def assignment_remove_view(request: UserRequest, assignment_id: int) -> HttpResponse:
    assignment = scoped_get(
        RuleSetAssignment.objects.select_related("unit", "rule_set"),
        request.user,
        "rules.manage",
        pk=assignment_id,
    )
    if not reauth.recent(request):
        return reauth.to_reauth(request)
    rule_set_unassign(user=request.user, assignment=assignment)
    messages.success(
        request, _("%(unit)s 已恢复使用上级或默认规则集。") % {"unit": assignment.unit.name}
    )
    return redirect("rules:rule_set_list")
