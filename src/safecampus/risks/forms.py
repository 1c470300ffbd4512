from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import scoped
from safecampus.accounts.models import User
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit

from .choices import CatalogGroup


class CatalogImportForm(forms.Form):
    """The options of a catalog import (the file is the pipeline's)."""

    unit = forms.ModelChoiceField(label=_("发布单位"), queryset=OrgUnit.objects.none())
    group = forms.ChoiceField(label=_("适用学校"), choices=CatalogGroup.choices)
    name = forms.CharField(label=_("清单名称"), max_length=100)
    version = forms.CharField(
        label=_("版本"), max_length=20, help_text=_("如 2026.1；同一单位同类清单的版本不能重复")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Catalogs are published by the city (or province), not by districts or schools.
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = scoped(
            OrgUnit.objects.filter(kind__in=[UnitKind.PROVINCE, UnitKind.CITY]),
            user,
            "catalog.manage",
        )
