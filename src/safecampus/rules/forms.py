import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import scoped
from safecampus.accounts.models import User
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
    # A form field named like BaseForm.data (the bound input): the form's metaclass moves the
    # field into base_fields, so the instance's `data` stays the input at run time.
    data = forms.CharField(  # type: ignore[assignment]
        label=_("规则内容（JSON）"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = scoped(
            OrgUnit.objects.filter(kind__in=["province", "city", "district"]), user, "rules.manage"
        )

    def clean_data(self) -> dict[str, Any]:
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

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The units the field accepts, which the page also offers as suggestions.
        self.units = scoped(OrgUnit.objects.all(), user, "rules.manage")
        unit = self.fields["unit"]
        assert isinstance(unit, UnitCodeField)
        unit.units = self.units
