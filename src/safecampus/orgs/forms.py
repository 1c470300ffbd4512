from django import forms
from django.utils.translation import gettext_lazy as _

from .models import School


class SchoolForm(forms.ModelForm):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            unit = self.instance.unit
            self.initial.update(name=unit.name, longitude=unit.longitude, latitude=unit.latitude)

    def clean(self):
        data = super().clean()
        if (data.get("boarders") or 0) > (data.get("students") or 0):
            self.add_error("boarders", _("寄宿生数不能大于学生数。"))
        return data
