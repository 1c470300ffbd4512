from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.utils.translation import gettext_lazy as _

from .models import User
from .policy import lockout_rule

__all__ = ["ApiTokenForm", "LoginForm", "PasswordChangeForm", "lockout_rule"]


def too_long() -> str:
    return _("密码不能超过 %(n)d 个字符。") % {"n": settings.PASSWORD_MAX_LENGTH}


class LoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        # No password is longer (validators.MaximumLengthValidator): refused before it is
        # hashed, and not counted as a failed login.
        if len(self.cleaned_data.get("password") or "") > settings.PASSWORD_MAX_LENGTH:
            raise forms.ValidationError(too_long(), code="password_too_long")
        return super().clean()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            "invalid_login": _(
                "用户名或密码错误。连续失败 %(failures)d 次账号将被锁定 %(minutes)d 分钟。"
            )
            % lockout_rule(),
            "inactive": _("该账号已停用，请联系管理员。"),
        }


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        # Built per form, not at import, so it follows the configured rules and the language.
        self.fields["new_password1"].help_text = " ".join(
            str(t) for t in password_validators_help_texts()
        )

    def clean_old_password(self) -> str:
        value: str = self.cleaned_data["old_password"]
        if len(value) > settings.PASSWORD_MAX_LENGTH:  # not hashed
            raise forms.ValidationError(too_long())
        if not self.user.check_password(value):
            raise forms.ValidationError(_("当前密码不正确。"))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        elif p1:
            try:
                validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=365, initial=90)
    password = forms.CharField(label=_("当前密码（再次验证身份）"), widget=forms.PasswordInput)
    otp = forms.CharField(
        label=_("动态口令"),
        required=False,
        max_length=16,
        help_text=_("已绑定动态口令的账号须填写"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_password(self) -> str:
        value: str = self.cleaned_data["password"]
        if len(value) > settings.PASSWORD_MAX_LENGTH:  # not hashed
            raise forms.ValidationError(too_long())
        return value
