from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import School

# ModelForm is generic in django-stubs only; at run time it cannot be subscripted.
if TYPE_CHECKING:
    _SchoolModelForm = forms.ModelForm[School]
else:
    _SchoolModelForm = forms.ModelForm


class SchoolForm(_SchoolModelForm):
    name = forms.CharField(label=_("学校名称"), max_length=100)
    longitude = forms.DecimalField(
        label=_("经度"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )

    class Meta:
        model = School
        fields = School.PROFILE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            unit = self.instance.unit
            self.initial.update(name=unit.name, longitude=unit.longitude, latitude=unit.latitude)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("boarders") or 0) > (data.get("students") or 0):
            self.add_error("boarders", _("寄宿生数不能大于学生数。"))
        return data
