from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.choices import UnitKind

from .choices import IncidentType
from .plan_services import MAX_SUMMARY, MAX_TITLE, plan_steps_clean, plan_steps_from_rows


class PlanForm(forms.Form):
    """A plan's title, summary and steps; on a new plan also its unit and incident type.

    The steps come from the page's step editor as parallel lists (`step_role`, `step_text`,
    one pair a row); `steps` carries only their error and, once valid, the cleaned list."""

    unit = forms.TypedChoiceField(label=_("制定单位"), coerce=int)
    incident_type = forms.ChoiceField(label=_("事件类型"), choices=IncidentType.choices)
    title = forms.CharField(label=_("预案名称"), max_length=MAX_TITLE)
    summary = forms.CharField(
        label=_("适用范围与要点"),
        max_length=MAX_SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("适用的场所与情形、处置原则等，可留空。"),
    )
    steps = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, units=(), plan=None, initial=None):
        if plan is not None:
            initial = {"title": plan.title, "summary": plan.summary, **(initial or {})}
        super().__init__(data, initial=initial)
        if plan is not None:
            del self.fields["unit"], self.fields["incident_type"]
        else:
            unit = self.fields["unit"]
            assert isinstance(unit, forms.TypedChoiceField)
            unit.choices = [
                (
                    u.pk,
                    _("%(name)s（市级预案）") % {"name": u.name}
                    if u.kind != UnitKind.SCHOOL
                    else _("%(name)s（本校预案）") % {"name": u.name},
                )
                for u in units
            ]
        if data is not None:
            # The rows as posted, so that a form sent back with an error keeps every row.
            self.rows = plan_steps_from_rows(data.getlist("step_role"), data.getlist("step_text"))
        elif plan is not None:
            self.rows = [dict(step) for step in plan.steps]
        else:
            self.rows = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() answers
        try:
            data["steps"] = plan_steps_clean(self.rows)
        except BusinessRuleError as exc:
            self.add_error("steps", str(exc))
        return data
