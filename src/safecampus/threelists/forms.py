from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.models import User
from safecampus.hazards.choices import HazardLevel
from safecampus.risks.choices import CheckFrequency, RiskLevel
from safecampus.risks.models import Aspect


class AssessForm(forms.Form):
    likelihood = forms.IntegerField(label=_("可能性"), min_value=1, max_value=10)
    severity = forms.IntegerField(label=_("严重程度"), min_value=1, max_value=10)


class RiskPointForm(forms.Form):
    aspect = forms.ModelChoiceField(label=_("方面"), queryset=Aspect.objects.all())
    code = forms.RegexField(label=_("编码"), max_length=32, regex=r"^[A-Za-z0-9_-]+$")
    place = forms.CharField(label=_("场所/部位"), max_length=100)
    name = forms.CharField(label=_("风险点"), max_length=200)
    hazard = forms.CharField(label=_("潜在风险隐患"), max_length=500)
    accident = forms.CharField(label=_("易发安全事故"), max_length=200)
    level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)


class ResponsibilityForm(forms.Form):
    department = forms.CharField(label=_("责任部门"), max_length=50)
    post = forms.CharField(label=_("责任岗位"), max_length=50)
    person = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none(), required=False)
    frequency = forms.ChoiceField(label=_("检查频次"), choices=CheckFrequency.choices)

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = people


class CheckForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("结果"), choices=[("1", _("合格")), ("0", _("不合格"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("情况说明"), max_length=500, required=False)
    level = forms.ChoiceField(
        label=_("隐患等级"),
        choices=HazardLevel.choices,
        initial=HazardLevel.GENERAL,
        required=False,
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
