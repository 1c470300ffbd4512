"""Form fields that pick an org unit or a school, for the pages of every app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, School


class UnitCodeField(forms.CharField):
    """An org unit of the manager's scope, picked by its code (the page offers the codes as
    suggestions). A unit outside the scope reads as unknown: its existence is not revealed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("组织机构代码"))
        kwargs.setdefault("max_length", 32)
        self.units = OrgUnit.objects.none()
        super().__init__(*args, **kwargs)

    def clean(self, value):
        code = super().clean(value).strip()
        code = code.split(" ", 1)[0]  # "3706020001 芝罘…幼儿园" from the suggestion list
        try:
            return self.units.get(code=code)
        except OrgUnit.DoesNotExist:
            raise forms.ValidationError(
                _("您的管辖范围内没有代码为“%(code)s”的组织机构。") % {"code": code}
            ) from None


class SchoolChoiceField(forms.ModelChoiceField):
    """A school from a (scoped) queryset of schools, shown with its code."""

    def label_from_instance(self, obj: School) -> str:
        return f"{obj.unit.name}（{obj.unit.code}）"
