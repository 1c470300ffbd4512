from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.choices import HazardLevel


class CheckPointForm(forms.Form):
    name = forms.CharField(label=_("巡查点名称"), max_length=60)
    place = forms.CharField(
        label=_("位置与说明"),
        max_length=200,
        required=False,
        help_text=_("如：教学楼北侧，配电箱旁"),
    )
    is_key_area = forms.BooleanField(
        label=_("重点部位"),
        required=False,
        help_text=_("重点部位须按规则集每日巡查达到规定次数"),
    )


class CheckPointEditForm(CheckPointForm):
    active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用后扫码不能再记录，历史记录保留")
    )


class ScanForm(forms.Form):
    """The guard's one-button form; the hazard part is optional and opens on demand."""

    note = forms.CharField(
        label=_("巡查情况（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：门窗完好，无异常")}),
    )
    hazard = forms.BooleanField(label=_("发现隐患"), required=False)
    hazard_description = forms.CharField(
        label=_("隐患描述"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hazard_level = forms.ChoiceField(
        label=_("隐患等级"),
        choices=HazardLevel.choices,
        initial=HazardLevel.GENERAL,
        required=False,
    )
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    latitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-180, max_value=180, decimal_places=6
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("hazard") and not (data.get("hazard_description") or "").strip():
            self.add_error("hazard_description", _("请描述发现的隐患"))
        if not data.get("hazard"):
            data["hazard_description"] = ""
        data["hazard_level"] = data.get("hazard_level") or HazardLevel.GENERAL
        return data
