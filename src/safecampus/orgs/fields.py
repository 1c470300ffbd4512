"""Form fields that pick an org unit or a school, for the pages of every app."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, School

# ModelChoiceField is generic in django-stubs only; at run time it cannot be subscripted.
if TYPE_CHECKING:
    _SchoolChoiceField = forms.ModelChoiceField[School]
else:
    _SchoolChoiceField = forms.ModelChoiceField


class UnitCodeField(forms.CharField):
    """An org unit of the manager's scope, picked by its code (the page offers the codes as
    suggestions). A unit outside the scope reads as unknown: its existence is not revealed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("组织机构代码"))
        kwargs.setdefault("max_length", 32)
        # The units the code may name: the form sets them to the manager's scope.
        self.units: QuerySet[OrgUnit] = OrgUnit.objects.none()
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> OrgUnit:
        code: str = super().clean(value).strip()
        code = code.split(" ", 1)[0]  # "3706020001 芝罘…幼儿园" from the suggestion list
        try:
            return self.units.get(code=code)
        except OrgUnit.DoesNotExist:
            raise forms.ValidationError(
                _("您的管辖范围内没有代码为“%(code)s”的组织机构。") % {"code": code}
            ) from None


class SchoolChoiceField(_SchoolChoiceField):
    """A school from a (scoped) queryset of schools, shown with its code."""

    def label_from_instance(self, obj: School) -> str:
        return f"{obj.unit.name}（{obj.unit.code}）"
