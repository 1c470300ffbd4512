"""Forms of user management (kept apart from the self-service account forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import Role
from safecampus.orgs.models import OrgUnit


class UnitCodeField(forms.CharField):
    """An org unit picked by its code (the page offers the codes in scope as suggestions)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("组织机构代码"))
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        code = super().clean(value).strip()
        code = code.split(" ", 1)[0]  # "3706020001 芝罘…幼儿园" from the suggestion list
        try:
            return OrgUnit.objects.get(code=code)
        except OrgUnit.DoesNotExist:
            raise forms.ValidationError(
                _("没有代码为“%(code)s”的组织机构。") % {"code": code}
            ) from None


class _RoleChoices:
    """Offers only the roles the manager may hand out somewhere in their scope."""

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r in roles]


class UserCreateForm(_RoleChoices, forms.Form):
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


class RoleAssignmentForm(_RoleChoices, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = UnitCodeField()
