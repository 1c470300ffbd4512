from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.models import OrgUnit

from . import channels
from .models import DeliveryStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _endpoint_channel_choices() -> list[tuple[str, "StrOrPromise"]]:
    return [(c.name, c.label) for c in channels.endpoint_channels()]


class EndpointForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int)
    channel = forms.ChoiceField(label=_("类型"), choices=_endpoint_channel_choices)
    name = forms.CharField(label=_("名称"), max_length=60, help_text=_("如：甲区应急值班群"))
    url = forms.CharField(
        label=_("地址"),
        max_length=500,
        help_text=_("Webhook 的接收地址，或群机器人设置中复制的完整地址"),
    )
    secret = forms.CharField(
        label=_("密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Webhook 签名密钥（留空自动生成）；钉钉加签的 SEC… 密钥；企业微信不用"),
    )
    kinds = forms.CharField(
        label=_("消息类别"),
        max_length=400,
        required=False,
        initial="incident.*",
        help_text=_("逗号分隔，可用 * 通配，如 incident.*；留空表示全部紧急消息"),
    )

    def __init__(self, *args: Any, units: Iterable[OrgUnit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(u.pk, u.name) for u in units]


class EndpointEditForm(EndpointForm):
    active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用后不再推送，投递记录保留")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["unit"]
        self.fields["secret"].help_text = _("留空则保持原密钥不变")


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *DeliveryStatus.choices]
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("全部渠道")),
            *[(c.name, c.label) for c in channels.all_channels().values()],
        ]
