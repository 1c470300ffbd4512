"""Forms of user management (kept apart from the self-service account forms)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import Role
from safecampus.access.scope import assignable_roles_anywhere
from safecampus.orgs.fields import UnitCodeField

from .models import User
from .selectors import manageable_units


class _ManagerChoices(forms.Form):
    """Offers only the roles the manager may hand out, at units of the manager's scope (the
    subclasses declare the fields `role` and `unit`)."""

    def __init__(self, *args: Any, manager: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = assignable_roles_anywhere(manager)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r.value, r.label) for r in Role if r in roles]
        unit = self.fields["unit"]
        assert isinstance(unit, UnitCodeField)
        unit.units = manageable_units(manager)


class UserCreateForm(_ManagerChoices):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ -")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = UnitCodeField()


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)


class RoleAssignmentForm(_ManagerChoices):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = UnitCodeField()
