"""Pages of the second factor: the code step of the login, enrolment (at a first login that
needs it, or from one's account page), the recovery codes shown once, the account's page and
re-authentication (second_factor.py, reauth.py)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from safecampus.core.errors import BusinessRuleError

from . import reauth
from .models import User
from .reauth import Refused
from .second_factor import (
    SESSION_PENDING,
    SESSION_VERIFIED,
    code_check,
    enrolment_confirm,
    enrolment_device,
    pending_user,
    qr_svg,
    recovery_codes_left,
    second_factor_required,
    secret_base32,
    totp_device,
)
from .services import reauthenticate
from .types import UserRequest


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_lazy("动态口令"),
        max_length=16,
        help_text=_lazy("验证器 App 显示的 6 位数字，或一个恢复码"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_lazy("当前密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_lazy("动态口令"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, with_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]


def _login_complete(request: HttpRequest, user: User, backend: str, device: Any) -> None:
    """Both factors passed: the session logs in now, marked verified and recently checked."""
    login(request, user, backend=backend)
    request.session.pop(SESSION_PENDING, None)
    if device is not None:
        request.session[SESSION_VERIFIED] = device.persistent_id
    reauth.mark(request)


def _restart(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
    return redirect("accounts:login")


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code of the account's device (or a recovery code)."""
    found = pending_user(request)
    if found is None:
        return _restart(request)
    user, pending = found
    if totp_device(user) is None:
        return redirect("accounts:login_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = code_check(request, user, form.cleaned_data["code"])
        if device is not None:
            _login_complete(request, user, pending["backend"], device)
            return redirect(reauth.safe_next(request, pending.get("next")) or "/")
        form.add_error("code", _("动态口令或恢复码不正确。"))
    return render(request, "accounts/login_code.html", {"form": form, "who": user})


def _enrol(request: HttpRequest, user: User, *, done: Any) -> HttpResponse:
    device = enrolment_device(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = _("绑定后验证器 App 显示的 6 位数字")
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrolment_confirm(request=request, user=user, code=form.cleaned_data["code"])
        except BusinessRuleError as exc:
            form.add_error("code", str(exc))
        else:
            next_url = done(totp_device(user))
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url}
            )
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "who": user,
            "qr": qr_svg(device),
            "secret": secret_base32(device),
            "required": second_factor_required(user),
        },
    )


def login_enrol(request: HttpRequest) -> HttpResponse:
    """At a first login that needs a second factor: bind an authenticator app, then log in."""
    found = pending_user(request)
    if found is None:
        return _restart(request)
    user, pending = found
    if totp_device(user) is not None:
        return redirect("accounts:login_code")

    def done(device: Any) -> str:
        _login_complete(request, user, pending["backend"], device)
        return reauth.safe_next(request, pending.get("next")) or "/"

    return _enrol(request, user, done=done)


@login_required
@reauth.reauth_required
def second_factor_enrol(request: UserRequest) -> HttpResponse:
    """Enrolment from one's account page (an account whose role does not require it)."""
    if totp_device(request.user) is not None:
        messages.info(request, _("您已绑定动态口令；如需更换设备，请联系安全管理员重置。"))
        return redirect("accounts:second_factor")

    def done(device: Any) -> str:
        # The other sessions ended with the stamp; this one continues, verified.
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, request.user)
        request.session[SESSION_VERIFIED] = device.persistent_id
        return "/accounts/second-factor/"

    return _enrol(request, request.user, done=done)


@login_required
def second_factor(request: UserRequest) -> HttpResponse:
    """The account's second factor: bound or not, required or not, recovery codes left."""
    user = request.user
    return render(
        request,
        "accounts/second_factor.html",
        {
            "device": totp_device(user),
            "required": second_factor_required(user),
            "codes_left": recovery_codes_left(user),
        },
    )


@login_required
def reauth_view(request: UserRequest) -> HttpResponse:
    """Check the password (and code) again before a sensitive action, then go back."""
    with_code = totp_device(request.user) is not None
    form = ReauthForm(request.POST or None, with_code=with_code)
    next_url = reauth.safe_next(request, request.GET.get("next")) or "/"
    if request.method == "POST" and form.is_valid():
        try:
            reauthenticate(
                request=request,
                user=request.user,
                password=form.cleaned_data["password"],
                otp=form.cleaned_data.get("code"),
            )
        except Refused as exc:
            form.add_error(None, exc.message)
        except PermissionError:  # locked out meanwhile: AxesMiddleware answers
            return HttpResponse(status=403)
        else:
            return redirect(next_url)
    return render(request, "accounts/reauth.html", {"form": form, "next": next_url})
