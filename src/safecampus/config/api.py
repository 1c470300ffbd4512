"""The JSON API at /api/v1/: one NinjaAPI, routers from the apps, one error shape.

Errors always answer {"error": {"code": ..., "message": ..., "details": [...]}}.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from safecampus.accounts.api import TokenAuth
from safecampus.accounts.api import router as accounts_router
from safecampus.accounts.user_api import router as users_router
from safecampus.audit.api import router as audit_router
from safecampus.buildings.api import router as buildings_router
from safecampus.core.api import router as core_router
from safecampus.core.errors import BusinessRuleError
from safecampus.defenses.api import router as defenses_router
from safecampus.devices.api import router as devices_router
from safecampus.emergency.api import router as emergency_router
from safecampus.emergency.plan_api import router as emergency_plans_router
from safecampus.hazards.api import router as hazards_router
from safecampus.inspections.api import router as inspections_router
from safecampus.notifications.api import router as notifications_router
from safecampus.orgs.api import router as orgs_router
from safecampus.patrols.api import router as patrols_router
from safecampus.risks.api import router as risks_router
from safecampus.risks.school_api import router as three_lists_router
from safecampus.rules.api import router as rules_router

logger = logging.getLogger("safecampus.api")

api = NinjaAPI(
    title="SafeCampus 平安校园智慧管理平台 API",
    version="1.0.0",
    description="所有接口按调用者的组织机构范围返回数据。认证：`Authorization: Bearer <令牌>`（令牌由 `POST /api/v1/auth/token` 获取）或浏览器会话。分页列表返回 `{items, count}`。",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
)


def _error(request, status: int, code: str, message: str, details=None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details or []}},
        status=status,
    )


@api.exception_handler(ValidationError)
def _validation(request, exc):
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
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthorized", _("未登录或令牌无效"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", _("无权执行此操作"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("资源不存在或不在您的权限范围内"))


@api.exception_handler(BusinessRuleError)
def _business_rule(request, exc):
    return _error(request, 400, "invalid", str(exc))


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Logged with the traceback like any Django error; the client gets the one error shape.
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("服务器内部错误，已记录。请稍后重试。"))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/", core_router)
api.add_router("/auth", accounts_router)
api.add_router("/users", users_router)
api.add_router("/", orgs_router)
api.add_router("/", risks_router)
api.add_router("/", rules_router)
api.add_router("/", hazards_router)
api.add_router("/", emergency_router)
api.add_router("/", emergency_plans_router)
api.add_router("/", three_lists_router)
api.add_router("/", notifications_router)
api.add_router("/", inspections_router)
api.add_router("/", defenses_router)
api.add_router("/", buildings_router)
api.add_router("/", patrols_router)
api.add_router("/", devices_router)
api.add_router("/audit", audit_router)
