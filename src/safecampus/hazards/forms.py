from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import ancestor_paths, scoped
from safecampus.accounts.models import User
from safecampus.orgs.fields import SchoolChoiceField
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.models import Aspect

from .choices import HazardLevel, HazardSource
from .models import Hazard


class HazardReportForm(forms.Form):
    school = SchoolChoiceField(label=_("学校"), queryset=School.objects.none())
    aspect = forms.ModelChoiceField(label=_("方面"), queryset=Aspect.objects.all(), required=False)
    level = forms.ChoiceField(
        label=_("隐患等级"), choices=HazardLevel.choices, initial=HazardLevel.GENERAL
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=HazardSource.choices, initial=HazardSource.REPORT
    )
    place = forms.CharField(label=_("部位"), max_length=100, required=False)
    description = forms.CharField(
        label=_("隐患描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    found_at = forms.DateTimeField(
        label=_("发现时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = scoped(School.objects.select_related("unit"), user, "hazard.report").order_by(
            "unit__path"
        )
        school = self.fields["school"]
        assert isinstance(school, SchoolChoiceField)
        school.queryset = schools
        if schools.count() == 1:
            school.initial = schools.first()
        self.fields["found_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("整改责任人"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = candidates


class StartForm(forms.Form):
    plan = forms.CharField(
        label=_("整改方案"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("整改措施"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    money = forms.DecimalField(
        label=_("整改资金（元）"), max_digits=12, decimal_places=2, min_value=0, required=False
    )


class SubmitForm(forms.Form):
    result = forms.CharField(
        label=_("整改结果"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("验收意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuperviseForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("督办单位"), queryset=OrgUnit.objects.none())
    deadline = forms.DateField(label=_("督办期限"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("督办要求"), max_length=1000, required=False)

    def __init__(self, *args: Any, user: User, hazard: Hazard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The school's own district or city, where the user may supervise.
        above = ancestor_paths(hazard.school.unit.path)
        self.units = scoped(
            OrgUnit.objects.filter(kind__in=["district", "city"], path__in=above),
            user,
            "hazard.supervise",
        )
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = self.units
