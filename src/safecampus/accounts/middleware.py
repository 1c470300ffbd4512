"""Session rules of 等保 level 3: idle sessions end, expired passwords must be changed."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import User
from .policy import security_policy
from .second_factor import SESSION_VERIFIED, second_factor_required
from .sessions import LAST_SEEN, now_seconds, session_idle

__all__ = [
    "LAST_SEEN",
    "IdleTimeoutMiddleware",
    "PasswordExpiryMiddleware",
    "SecondFactorMiddleware",
]


class SecondFactorMiddleware:
    """A session whose login passed no second factor, although its account needs one now (a
    role given after the login, the district officers' setting turned on), ends here: pages go
    to the login, which asks for the code or enrolment; the API answers 401. (A login that
    needed a code logs the session in only once the code was right: second_factor.py.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_authenticated
            and SESSION_VERIFIED not in request.session
            and second_factor_required(user)
        ):
            logout(request)
            if not request.path.startswith("/api/"):
                messages.warning(request, _("您的账号须使用动态口令登录，请重新登录。"))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Log out a browser session idle for longer than IDLE_TIMEOUT_SECONDS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = now_seconds()
            last_seen = request.session.get(LAST_SEEN)
            if session_idle(request.session, now):
                logout(request)
                minutes = settings.IDLE_TIMEOUT_SECONDS // 60
                if request.path.startswith("/api/"):
                    # The API answers 401 through its own authentication below.
                    return self.get_response(request)
                messages.warning(
                    request,
                    _("您已 %(m)d 分钟未操作，为保障安全已自动退出，请重新登录。") % {"m": minutes},
                )
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Write the session at most once a minute, not on every request.
            if last_seen is None or now - last_seen >= 60:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """Send a user whose password is older than the rule to the change-password page."""

    # The CSP reports too: the change-password page's own would otherwise be redirected.
    ALLOWED = (
        "accounts:password_change",
        "accounts:logout",
        "accounts:login",
        "core:set_language",
        "core:csp_report",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # The cheap test first: the paths below cost four reverse() on every request.
        if (
            isinstance(user, User)  # an anonymous visitor is not one
            and user.is_authenticated
            and user.password_expired()
            and not request.path.startswith(("/static/", "/healthz"))
            and request.path not in {reverse(name) for name in self.ALLOWED}
        ):
            if user.password_changed_at is None:
                message = _("请先修改管理员为您设置的临时密码。")
            else:
                message = _("您的密码已超过 %(d)d 天未修改，请先修改密码。") % {
                    "d": security_policy().max_age_days
                }
            if request.path.startswith("/api/"):
                # A browser session with a password that must change gets no API either.
                return JsonResponse(
                    {"error": {"code": "password_expired", "message": message, "details": []}},
                    status=403,
                )
            messages.warning(request, message)
            return redirect("accounts:password_change")
        return self.get_response(request)
