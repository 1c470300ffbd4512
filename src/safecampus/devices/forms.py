from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlarmButton, Camera

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CameraForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = ["name", "device_id", "place", "model", "stream_url", "installed_on"]
        widgets = {
            "installed_on": _DATE,
            "device_id": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20}),
        }
        help_texts = {
            "device_id": _("20 位数字：中心编码 8 位、行业 2 位、类型 3 位、网络 1 位、序号 6 位"),
            "stream_url": _("如 rtsp://10.1.2.3:554/Streaming/Channels/101"),
        }


class AlarmForm(forms.ModelForm):
    class Meta:
        model = AlarmButton
        fields = [
            "name",
            "device_id",
            "place",
            "linked_to_police",
            "police_unit",
            "last_tested_on",
            "installed_on",
        ]
        widgets = {
            "installed_on": _DATE,
            "last_tested_on": _DATE,
            "device_id": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20}),
        }


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100)
    device_id = forms.CharField(
        label=_("限定设备编码"),
        max_length=20,
        required=False,
        help_text=_("留空则本校所有设备都可用此令牌上报（如学校的视频网关）"),
    )
