"""Log filters of the platform (config/settings/base.py LOGGING)."""

import logging

from django.http import HttpRequest

# What a refused request was, in the words of the console (zh-hans, the platform's language).
CLIENT_ERRORS = {
    400: "请求有误",
    401: "未登录",
    403: "拒绝访问",
    404: "未找到",
    405: "不允许的请求方法",
    413: "请求过大",
    422: "请求参数有误",
    429: "请求过于频繁",
}


def _printable(text: str) -> str:
    """Control characters escaped (a path with %0A must not start a second log line)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _who(request: HttpRequest) -> str:
    # An API call with a token has its user on request.auth (django-ninja); a page on .user.
    for user in (getattr(request, "auth", None), getattr(request, "user", None)):
        if user is not None and getattr(user, "is_authenticated", False):
            return _printable(user.get_username())
    return "匿名"


class ClientErrorFilter(logging.Filter):
    """`django.request`: a refused request (4xx: outside the user's scope or role, not logged
    in, no such page) is ordinary, not a fault — one line with the method, path, user and
    status instead of Django's English line or its traceback of the PermissionDenied. Server
    errors (5xx) are left as they are, with their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if request is None or not isinstance(status, int) or not 400 <= status < 500:
            return True
        record.msg = "%s：%s %s（用户 %s）→ %s"
        record.args = (
            CLIENT_ERRORS.get(status, "请求未完成"),
            request.method,
            _printable(request.path),
            _who(request),
            status,
        )
        record.exc_info = None
        record.exc_text = None
        return True
