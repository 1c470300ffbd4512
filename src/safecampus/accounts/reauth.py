"""Re-authentication before sensitive actions (ASVS; 等保 level 3): granting or removing roles,
exporting personal data, changing rule sets.

The last check of the password (and code, for an account with a second factor) must be at
most REAUTH_SECONDS (10 minutes) old:

- a browser session: the login or the re-authentication page (`/accounts/reauth/?next=…`)
  stamps `SESSION_AUTH_AT`; a page behind `@reauth_required` sends a stale session there and
  back;
- a bearer token: its creation (`POST /api/v1/auth/token` took the password and code) or
  `POST /api/v1/auth/reauth` stamps `ApiToken.verified_at`; a sensitive operation called with
  a stale one answers 403 `reauth_required`. A browser session calling the API is judged by its
  session stamp.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .models import ApiToken

SESSION_AUTH_AT = "safecampus_auth_at"
# The OpenAPI description of the operations that need it.
REAUTH_NOTE = (
    f"须在 {settings.REAUTH_SECONDS // 60} 分钟内验证过身份（令牌：申请令牌或 POST /api/v1/auth/reauth；"
    "会话：登录或再次验证身份页），否则 403 `reauth_required`。"
)

F = TypeVar("F", bound=Callable[..., HttpResponse])


class Refused(Exception):
    """An API refusal with its own status and code (config/api.py answers it)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def mark(request: HttpRequest) -> None:
    """The password (and code) were checked just now, in this browser session."""
    request.session[SESSION_AUTH_AT] = int(timezone.now().timestamp())


def recent(request: HttpRequest) -> bool:
    """Whether the caller's last check of the password is recent enough."""
    now = timezone.now()
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        return (now - token.verified_at).total_seconds() <= settings.REAUTH_SECONDS
    stamp = request.session.get(SESSION_AUTH_AT) if hasattr(request, "session") else None
    return stamp is not None and now.timestamp() - int(stamp) <= settings.REAUTH_SECONDS


def require_recent(request: HttpRequest) -> None:
    """For the API's sensitive operations: 403 `reauth_required` unless `recent`."""
    if not recent(request):
        raise Refused(
            403,
            "reauth_required",
            _(
                "此操作须在 %(m)d 分钟内验证过身份：请先调用 POST /api/v1/auth/reauth"
                "（密码及动态口令），或重新申请令牌"
            )
            % {"m": settings.REAUTH_SECONDS // 60},
        )


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def reauth_required(view: F) -> F:
    """A page whose action needs a recent password check: a stale session goes to the
    re-authentication page and comes back (to the page itself for a GET, to the page the form
    was on for a POST, whose body is not replayed)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if recent(request):
            return view(request, *args, **kwargs)
        return to_reauth(request)

    return wrapper  # type: ignore[return-value]


def to_reauth(request: HttpRequest, back: str | None = None) -> HttpResponse:
    """Off to the re-authentication page, and then back to `back` (default: this page for a
    GET, the page the form was on for a POST)."""
    if back is None and request.method == "GET":
        back = request.get_full_path()
    back = back or safe_next(request, request.META.get("HTTP_REFERER")) or "/"
    messages.info(request, _("此操作须再次验证身份。"))
    return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': back})}")
