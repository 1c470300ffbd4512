import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .excel import CONTROL_RE


class ChineseByDefaultMiddleware:
    """The UI is Chinese unless the user picked another language (the language cookie):
    the browser's Accept-Language is not consulted, so an English-language browser at a
    bureau still gets the Chinese platform."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def _nul_message() -> str:
    return _("请求中含有不允许的空字符（\\x00），请检查输入。")


def broken_body_message() -> str:
    return _(
        "请求体无效（表单格式错误、内容不完整、字段或文件过多，或超过大小限制），请检查后重新提交。"
    )


def _control_message(field: str, char: str) -> str:
    return _("“%(field)s”中含有不允许的控制字符（U+%(code)04X），请删除后重新提交。") % {
        "field": field,
        "code": ord(char),
    }


def _json_texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every key and string of a JSON document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _json_texts(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_texts(item, f"{path}[{index}]")


class RejectControlCharactersMiddleware:
    """Refuse input with control characters before it reaches a form or a query.

    NUL anywhere (path, query, headers, cookies, form, JSON): PostgreSQL text cannot hold it.
    The other C0 and C1 control characters (tab, LF and CR are text) in a query parameter, a
    form field (urlencoded or the text fields of a multipart form; the files are not text) or a
    JSON key or string: nothing a person types holds them, and a workbook cannot (one in a
    school name made every export of the district fail). The answer names the field: a 400 in
    the API's error shape under /api/, a page saying what to correct elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            if self._has_nul(request):
                return self._refuse(request, _nul_message(), "")
            found = self._control_character(request)
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            # The body is read here first: a broken multipart form (bad boundary, bad base64,
            # truncated) gets the refusal in the API's error shape, not Django's bare HTML 400.
            return self._refuse(request, broken_body_message(), "")
        if found is not None:
            field, char = found
            return self._refuse(request, _control_message(field, char), field)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, message: str, field: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            details = [{"loc": ["body", field], "message": message, "type": "control_character"}]
            body = {
                "error": {
                    "code": "invalid",
                    "message": message,
                    "details": details if field else [],
                }
            }
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(
            render_to_string("400_input.html", {"message": message}),
            content_type="text/html; charset=utf-8",
        )

    @staticmethod
    def _control_character(request: HttpRequest) -> tuple[str, str] | None:
        fields: list[tuple[str, str]] = [(k, v) for k, vs in request.GET.lists() for v in [k, *vs]]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields += [(k, v) for k, vs in request.POST.lists() for v in [k, *vs]]
        elif request.content_type == "application/json" and request.body:
            with contextlib.suppress(ValueError):  # not JSON: the API answers that itself
                fields += list(_json_texts(json.loads(request.body)))
        for field, text in fields:
            if match := CONTROL_RE.search(text):
                return field, match.group()
        return None

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        texts = [request.path, *request.GET.keys(), *request.GET.values()]
        # Headers and cookies too: a session key or token with a NUL reaches a query as well.
        texts += [str(v) for k, v in request.META.items() if k.startswith("HTTP_")]
        texts += request.COOKIES.values()  # decoded: "\\000" in a quoted cookie is a NUL
        if request.content_type == "application/x-www-form-urlencoded":
            texts += [*request.POST.keys(), *request.POST.values()]
        if any("\x00" in text for text in texts):
            return True
        if request.content_type == "application/json":
            return b"\x00" in request.body or b"\\u0000" in request.body.lower()
        return False
