import json

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import scoped
from safecampus.orgs.fields import UnitCodeField
from safecampus.orgs.models import OrgUnit


class RuleSetCopyForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("发布单位"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("名称"), max_length=100)
    version = forms.CharField(label=_("版本"), max_length=20)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    authority = forms.CharField(label=_("发布机关"), max_length=100)
    data = forms.CharField(
        label=_("规则内容（JSON）"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(
            OrgUnit.objects.filter(kind__in=["province", "city", "district"]), user, "rules.manage"
        )

    def clean_data(self):
        try:
            value = json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON：第 %(line)d 行第 %(col)d 列附近")
                % {"line": exc.lineno, "col": exc.colno}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("规则内容须为 JSON 对象"))
        return value


class AssignForm(forms.Form):
    unit = UnitCodeField(label=_("适用单位代码"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].units = scoped(OrgUnit.objects.all(), user, "rules.manage")
