from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.core.throttle import Throttled, throttled_response

from . import reauth
from .forms import ApiTokenForm, LoginForm, PasswordChangeForm, lockout_rule
from .models import ApiToken
from .reauth import Refused
from .second_factor import SESSION_PENDING, needs_code, totp_device
from .services import (
    api_token_issue,
    api_token_revoke,
    login_attempt_check,
    user_password_change,
)
from .types import UserRequest


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "rule": lockout_rule()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            login_attempt_check(request)
        except Throttled as exc:
            return throttled_response(request, exc)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """The password is right. An account with (or needing) a second factor is not logged
        in yet: it waits in the session for its code, or for enrolment (second_factor.py)."""
        user = form.get_user()
        if needs_code(user):
            self.request.session[SESSION_PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": timezone.now().timestamp(),
            }
            return redirect("accounts:login_code" if totp_device(user) else "accounts:login_enrol")
        response = super().form_valid(form)
        reauth.mark(self.request)
        return response


def locked_out(
    request: HttpRequest, credentials: dict[str, Any], *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this once an account has failed too often."""
    message = (
        _("连续登录失败次数过多，账号已被锁定 %(minutes)d 分钟。如需立即解锁，请联系管理员。")
        % lockout_rule()
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "details": []}}, status=403
        )
    return render(request, "accounts/locked.html", {"message": message}, status=403)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@login_required
def password_change(request: UserRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        logout(request)
        messages.success(
            request, _("密码已修改，所有会话和 API 令牌均已失效，请用新密码重新登录。")
        )
        return redirect("accounts:login")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def tokens(request: UserRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_issue(
                request=request,
                username=request.user.get_username(),
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                otp=form.cleaned_data["otp"],
            )
            form = ApiTokenForm()
        except Refused as exc:
            form.add_error("otp", exc.message)
        except PermissionError:
            form.add_error("password", _("当前密码不正确。"))
        except Throttled as exc:
            return throttled_response(request, exc)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "new_key": new_key, "tokens": ApiToken.objects.filter(user=request.user)},
    )


@login_required
@require_POST
def token_revoke(request: UserRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke(user=request.user, token_id=token_id)
        messages.success(request, _("令牌已吊销。"))
    except ApiToken.DoesNotExist:
        messages.error(request, _("令牌不存在。"))
    return redirect("accounts:tokens")
