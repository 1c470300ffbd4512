from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class ChineseByDefaultMiddleware:
    """The UI is Chinese unless the user picked another language (the language cookie):
    the browser's Accept-Language is not consulted, so an English-language browser at a
    bureau still gets the Chinese platform."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def _nul_message() -> str:
    return _("请求中含有不允许的空字符（\\x00），请检查输入。")


class RejectNullCharactersMiddleware:
    """Refuse input with NUL characters before it reaches a query: PostgreSQL text cannot hold
    them, and no form, filter or JSON field of the platform has a use for one. File uploads
    (multipart bodies) are binary and not inspected here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                body = {"error": {"code": "invalid", "message": _nul_message(), "details": []}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(_nul_message(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
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
