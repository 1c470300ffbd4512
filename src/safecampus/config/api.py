"""The JSON API at /api/v1/: one NinjaAPI, the routers the apps declare, one error shape.

Errors always answer {"error": {"code": ..., "message": ..., "details": [...]}}.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from safecampus.accounts.api import CsrfFailed, SessionCsrfAuth, TokenAuth
from safecampus.accounts.reauth import Refused
from safecampus.core.errors import BusinessRuleError
from safecampus.core.middleware import broken_body_message
from safecampus.core.registry import each, load

logger = logging.getLogger("safecampus.api")

# What the platform answers before or around any endpoint, whatever the endpoint declares: a
# caller not let in (401, every authenticated operation), a parameter or body refused by its
# schema (422, ninja; every operation that takes one) and a request holding a control character
# (400, core.middleware RejectControlCharactersMiddleware: a NUL in a header or cookie reaches
# every operation, the schemathesis CLI found it). Each operation's own
# declaration names the answers of its view (403, 404, the business rules' 400 …).
PLATFORM_ANSWERS = {
    401: "未登录或令牌无效",
    400: "请求含有不允许的控制字符，或违反业务规则",
    422: "请求参数有误",
}


class SafeCampusAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for operation in item.values():
                answers = operation["responses"]
                statuses = [400] + ([401] if operation.get("security") else [])
                if operation.get("parameters") or operation.get("requestBody"):
                    statuses.append(422)
                for status in statuses:
                    answers.setdefault(
                        status, {"description": PLATFORM_ANSWERS[status], "content": error}
                    )
        return schema


api = SafeCampusAPI(
    title="SafeCampus 平安校园智慧管理平台 API",
    version="1.0.0",
    description="所有接口按调用者的组织机构范围返回数据。认证：`Authorization: Bearer <令牌>`（令牌由 `POST /api/v1/auth/token` 获取）或浏览器会话。分页列表返回 `{items, count}`。",
    urls_namespace="api",
    auth=[TokenAuth(), SessionCsrfAuth()],
    docs_url="/docs",
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, object]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details or []}},
        status=status,
    )


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return _error(request, 422, "validation_error", _("请求参数有误"), details)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthorized", _("未登录或令牌无效"))


@api.exception_handler(MultiPartParserError)
def _broken_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Read by the API itself (a multipart body on a method other than POST): the same answer as
    # core.middleware.RejectControlCharactersMiddleware gives a broken POST body.
    return _error(request, 400, "invalid", broken_body_message())


@api.exception_handler(CsrfFailed)
def _csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
    return _error(
        request, 403, "csrf_failed", _("CSRF 校验失败：浏览器会话的写请求须带 X-CSRFToken 请求头")
    )


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    # A refusal with its own code: `reauth_required` before a sensitive operation (accounts/reauth.py).
    return _error(request, exc.status, exc.code, exc.message)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _("无权执行此操作"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("资源不存在或不在您的权限范围内"))


@api.exception_handler(BusinessRuleError)
def _business_rule(request: HttpRequest, exc: BusinessRuleError) -> HttpResponse:
    return _error(request, 400, "invalid", str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the traceback like any Django error; the client gets the one error shape.
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("服务器内部错误，已记录。请稍后重试。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


# Every app's routers, as each declares them (`api_routers`, core/registry.py).
for _app, route in each("api_routers"):
    api.add_router(route.prefix, load(route.router))
