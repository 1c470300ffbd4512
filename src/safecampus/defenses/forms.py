from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import WEEKDAY_LABELS, EquipmentKind
from .models import CampusSecurity, GatePost, GatePostDuty, Guard

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class GuardForm(forms.ModelForm):
    class Meta:
        model = Guard
        fields = [
            "name",
            "employment",
            "licence_no",
            "licence_expiry",
            "birth_year",
            "company",
            "active",
        ]
        widgets = {"licence_expiry": DATE}
        help_texts = {"licence_no": _("专职保安员必填")}


class GatePostForm(forms.ModelForm):
    class Meta:
        model = GatePost
        fields = ["name", "period", "starts_at", "ends_at", "active"]
        widgets = {"starts_at": TIME, "ends_at": TIME}


class DutyForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        label=_("上岗日"),
        choices=list(WEEKDAY_LABELS.items()),
        initial=list("12345"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = GatePostDuty
        fields = ["name", "kind", "weekdays"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model keeps "12345"; the checkboxes want ["1", "2", …].
        self.initial["weekdays"] = list(self.instance.weekdays)

    def clean_weekdays(self):
        return "".join(sorted(self.cleaned_data["weekdays"]))


class EquipmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("器材"), choices=EquipmentKind.choices)
    quantity = forms.IntegerField(label=_("数量"), min_value=0, max_value=1_000_000)
    last_checked_on = forms.DateField(label=_("最近检查日期"), required=False, widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class SecurityForm(forms.ModelForm):
    class Meta:
        model = CampusSecurity
        fields = CampusSecurity.audit_fields


class EntryForm(forms.Form):
    visitor_name = forms.CharField(label=_("来访人"), max_length=50)
    id_last4 = forms.RegexField(
        label=_("证件号后 4 位"),
        regex=r"^\d{3}[\dXx]$",
        error_messages={"invalid": _("只登记证件号后 4 位（数字，最后一位可为 X）")},
        widget=forms.TextInput(attrs={"inputmode": "text", "maxlength": 4, "autocomplete": "off"}),
        help_text=_("为保护个人信息，只记录后 4 位"),
    )
    reason = forms.CharField(label=_("事由"), max_length=200)
    host = forms.CharField(label=_("被访人/部门"), max_length=100)
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
