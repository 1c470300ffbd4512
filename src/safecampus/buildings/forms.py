from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.models import School

from .choices import RemediationKind
from .models import Building, RemediationProject
from .services import building_problems

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = [
            "name",
            "use",
            "structure",
            "storeys",
            "floor_area_m2",
            "year_built",
            "seismic_status",
            "fire_status",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean() answers
        for field, message in building_problems(data).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


class BuildingChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_use_display()}，{obj.floor_area_m2:,} m²）"


class ProjectForm(forms.ModelForm):
    buildings = BuildingChoices(
        label=_("涉及楼栋"),
        queryset=Building.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    class Meta:
        model = RemediationProject
        fields = [
            "name",
            "kind",
            "buildings",
            "plan",
            "budget_yuan",
            "planned_start",
            "planned_end",
        ]
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 4}),
            "planned_start": DATE,
            "planned_end": DATE,
        }
        help_texts = {"budget_yuan": _("单位：元（1 万元 = 10,000 元）")}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buildings = self.fields["buildings"]
        assert isinstance(buildings, BuildingChoices)
        buildings.queryset = Building.objects.filter(school=school).order_by("name")
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = RemediationKind.choices
        if self.instance.pk:
            self.fields.pop("client_key")

    def _post_clean(self):
        # The service validates and saves; the form only parses (no model validation of an
        # instance whose M2M goes through ProjectBuilding).
        pass

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean() answers
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("计划完工日期不能早于计划开工日期"))
        budget = data.get("budget_yuan")
        if budget is not None and budget < 0:
            self.add_error("budget_yuan", _("预算不能为负数"))
        return data


def _today():
    return timezone.localdate()


class StartForm(forms.Form):
    on = forms.DateField(label=_("开工日期"), initial=_today, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    on = forms.DateField(label=_("日期"), initial=_today, widget=DATE)
    note = forms.CharField(
        label=_("进展情况"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class SubmitForm(forms.Form):
    on = forms.DateField(label=_("竣工日期"), initial=_today, widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)


class AcceptForm(forms.Form):
    on = forms.DateField(label=_("验收日期"), initial=_today, widget=DATE)
    note = forms.CharField(
        label=_("验收意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("整改说明"), max_length=1000, required=False)
