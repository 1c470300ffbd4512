"""Rate limits: how often one client may fail to log in, ask for a token, export, import or
search (settings.SAFECAMPUS_THROTTLES, docs/operations.md §10).

Counted in Django's cache — Redis when REDIS_URL is set, so that every web process counts
into the same counters; the local-memory cache of a single-process setup otherwise — in fixed
windows of the limit's period (a counter per window, so an increment is one atomic INCR and a
window ends for everyone at once; a client may spend one window's allowance at its end and
the next at its start, at most twice the rate for that moment, never more on average).
A refused request answers 429 with `Retry-After` (the seconds until the window ends) and a
Chinese message: a page in the site's layout, or the API's error shape with code `throttled`.

Pages and API operations use one decorator, `throttle(name)`, which also documents the 429 of
an API operation in the OpenAPI document.
"""

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from .clients import client_network

# What each limit counts, for the message of a refusal.
REASONS = {
    "login_failures": gettext_lazy("该网络地址的登录失败次数过多"),
    "token": gettext_lazy("申请 API 令牌过于频繁"),
    "export": gettext_lazy("导出和下载过于频繁"),
    "import": gettext_lazy("导入过于频繁"),
    "search": gettext_lazy("搜索过于频繁"),
}


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # allowed in one window
    seconds: int  # the window

    @classmethod
    def named(cls, name: str) -> "Limit":
        count, seconds = settings.SAFECAMPUS_THROTTLES[name]
        return cls(name, count, seconds)


class Throttled(Exception):
    """A client went over a limit; `retry_after` seconds until its window ends."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(limit.name)
        self.limit, self.retry_after = limit, retry_after

    def message(self) -> str:
        wait = self.retry_after
        if wait < 120:
            later = ngettext("%(n)d 秒", "%(n)d 秒", wait) % {"n": wait}
        else:
            minutes = math.ceil(wait / 60)
            later = ngettext("%(n)d 分钟", "%(n)d 分钟", minutes) % {"n": minutes}
        return _("%(reason)s，请在 %(later)s后重试。") % {
            "reason": REASONS.get(self.limit.name, _("请求过于频繁")),
            "later": later,
        }


def _window(limit: Limit, who: str) -> tuple[str, int]:
    """The cache key of `who`'s counter in the current window, and the seconds it has left."""
    now = timezone.now().timestamp()
    index = int(now // limit.seconds)
    left = max(1, math.ceil((index + 1) * limit.seconds - now))
    return f"throttle:{limit.name}:{who}:{index}", left


def count(name: str, who: str) -> int:
    """Count one event of `who` (a failed login, a request) under the limit `name`."""
    key, left = _window(Limit.named(name), who)
    cache.add(key, 0, timeout=left + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between the two calls
        cache.add(key, 1, timeout=left + 1)
        return 1


def check(name: str, who: str) -> None:
    """Raise Throttled when `who` has used up the limit `name` in this window; count nothing."""
    limit = Limit.named(name)
    key, left = _window(limit, who)
    if (cache.get(key) or 0) >= limit.count:
        raise Throttled(limit, left)


def hit(name: str, who: str) -> None:
    """Count a request of `who`, and raise Throttled when it is one too many."""
    limit = Limit.named(name)
    if count(name, who) > limit.count:
        raise Throttled(limit, _window(limit, who)[1])


def throttled_response(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """429 with Retry-After: the API's error shape under /api/, else a page in the layout."""
    message = exc.message()
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"error": {"code": "throttled", "message": message, "details": []}}
        response = JsonResponse(body, status=429)
    else:
        context = {"message": message, "retry_after": exc.retry_after}
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def client(request: HttpRequest, by: Literal["user", "address"] = "user") -> str:
    """Whom a request is counted for: its user (after authentication: the session's, or the
    one a bearer token named), or its address (core.clients.client_network)."""
    user = getattr(request, "user", None)
    if by == "user" and user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_network(request)}"


def query_given(*parameters: str) -> Callable[[HttpRequest], bool]:
    """A `when` of `throttle`: the request asks a text search (one of these query parameters
    is not blank). Lists without one are not searches."""

    def given(request: HttpRequest) -> bool:
        return any(request.GET.get(p, "").strip() for p in parameters)

    return given


# The answer documented for every throttled API operation.
OPENAPI_429 = {
    "description": "请求过于频繁（限流）；Retry-After 头给出需等待的秒数",
    "headers": {
        "Retry-After": {
            "description": "距可以重试的秒数",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _document(operation: Operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["responses"] = {**extra.get("responses", {}), 429: OPENAPI_429}
    operation.openapi_extra = extra


View = TypeVar("View", bound=Callable[..., Any])


def throttle(
    name: str,
    *,
    by: Literal["user", "address"] = "user",
    when: Callable[[HttpRequest], bool] | None = None,
) -> Callable[[View], View]:
    """Limit a page view or an API operation (put it below `@router.get(…)`, so that it runs
    after the API's authentication, and below `@login_required`): each request, or each one
    `when` accepts, counts for its user (or address) under the limit `name`."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if when is None or when(request):
                try:
                    hit(name, client(request, by))
                except Throttled as exc:
                    return throttled_response(request, exc)
            return view(request, *args, **kwargs)

        limited.throttle = name  # type: ignore[attr-defined]  # read by the tests
        # An API operation documents its 429. The list is the wrapped view's (e.g. a paginated
        # one's), copied by functools.wraps: extend a copy of it, not the view's own.
        callbacks = list(getattr(view, "_ninja_contribute_to_operation", []))
        limited._ninja_contribute_to_operation = callbacks  # type: ignore[attr-defined]
        contribute_operation_callback(limited, _document)
        return cast(View, limited)

    return decorate
