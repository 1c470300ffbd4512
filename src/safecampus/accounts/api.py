from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from safecampus.audit.context import bind_user
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import Throttled, throttle, throttled_response

from .forms import PasswordChangeForm
from .models import ApiToken, User
from .reauth import Refused
from .services import (
    PasswordChangeRequired,
    api_token_check,
    api_token_issue,
    api_token_revoke,
    reauthenticate,
    user_password_change,
)
from .types import ApiRequest


class TokenAuth(HttpBearer):
    """Authorization: Bearer <personal API token>."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = api_token_check(token)
        if found is None:
            return None
        request.user = found.user
        setattr(request, "api_token", found)  # noqa: B010 - read by reauth.recent
        bind_user(found.user)
        return found.user


class CsrfFailed(Exception):
    """A logged-in browser session sent an unsafe request without a valid CSRF token."""


class SessionCsrfAuth(SessionAuth):
    """The browser's session. Without a logged-in session the caller is not authenticated
    (401, like a missing token); ninja's own SessionAuth ran the CSRF check first and answered
    an anonymous POST 403 "CSRF check Failed". A logged-in session must pass the CSRF check on
    unsafe methods (403 `csrf_failed`)."""

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed
        return request.user


router = Router(tags=["auth"])


class TokenCreateIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    # No password is longer (validators.MaximumLengthValidator): refused (422), never hashed.
    password: str = Field(..., min_length=1, max_length=settings.PASSWORD_MAX_LENGTH)
    name: str = Field(
        "API", min_length=1, max_length=100, description="令牌名称，便于日后识别和吊销"
    )
    days: int = Field(90, ge=1, le=365, description="有效天数（1–365）")
    otp: str | None = Field(
        None,
        min_length=1,
        max_length=16,
        description="动态口令（验证器 App 的 6 位数字）或一个恢复码；账号已启用或须启用动态口令时必填",
    )


class ReauthIn(Schema):
    password: str = Field(..., min_length=1, max_length=256)
    otp: str | None = Field(
        None, min_length=1, max_length=16, description="动态口令或恢复码；已绑定动态口令的账号必填"
    )


class ReauthOut(Schema):
    verified_until: datetime = Field(..., description="在此时刻之前可执行须再次验证身份的操作")


class TokenCreatedOut(Schema):
    id: int
    name: str
    token: str = Field(..., description="令牌值，仅此一次返回")
    expires_at: datetime | None


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


@router.post(
    "/token",
    auth=None,
    response={201: TokenCreatedOut, 401: Error, 403: Error, 422: Error},
    summary="用户名和密码（及动态口令）换取 API 令牌",
    description=(
        "用户名或密码错误：401 `unauthorized`。密码正确而账号已启用动态口令（市级管理员、"
        "审计员、安全管理员、区市安全干部必须启用）：未提供 `otp` 为 401 `otp_required`，"
        "动态口令错误为 401 `otp_invalid`（与密码错误一样计入登录失败次数）；须启用而尚未绑定"
        "为 403 `second_factor_enrolment_required`（先在网页上登录绑定）。临时或过期密码 403 "
        "`password_expired`，账号锁定 403 `locked_out`。新令牌视为刚验证过身份（见 `/auth/reauth`）。"
        "同一客户端地址每分钟申请次数有限；该地址（跨所有用户名）登录失败过多时也暂停受理，"
        "均返回 429 及 Retry-After。"
    ),
)
@throttle("token", by="address")
def token_create(
    request: HttpRequest, payload: TokenCreateIn
) -> Status[dict[str, Any]] | HttpResponse:
    try:
        token, raw = api_token_issue(
            request=request,
            username=payload.username,
            password=payload.password,
            name=payload.name,
            days=payload.days,
            otp=payload.otp,
        )
    except Refused as exc:
        return Status(
            exc.status, {"error": {"code": exc.code, "message": exc.message, "details": []}}
        )
    except PasswordChangeRequired as exc:
        return Status(
            403, {"error": {"code": "password_expired", "message": str(exc), "details": []}}
        )
    except Throttled as exc:
        return throttled_response(request, exc)
    except PermissionError:
        if getattr(request, "axes_locked_out", False):
            raise PermissionDenied from None
        raise AuthenticationError from None
    return Status(
        201, {"id": token.pk, "name": token.name, "token": raw, "expires_at": token.expires_at}
    )


@router.post(
    "/reauth",
    response={200: ReauthOut, 401: Error, 403: Error, 422: Error},
    summary="再次验证身份（密码及动态口令）",
    description=(
        f"授予或移除角色、导出个人信息、修改规则集须在 {settings.REAUTH_SECONDS // 60} 分钟内验证过身份，否则答 403 "
        "`reauth_required`。用令牌调用时本接口为该令牌验证身份（新申请的令牌视为刚验证过），"
        "用浏览器会话调用时为该会话。密码错误 403 `reauth_failed`，动态口令缺失或错误 401 "
        "`otp_required` / `otp_invalid`（计入登录失败次数），账号锁定 403 `locked_out`。"
    ),
)
def reauth(request: ApiRequest, payload: ReauthIn) -> Status[dict[str, Any]]:
    try:
        reauthenticate(
            request=request, user=request.auth, password=payload.password, otp=payload.otp
        )
    except Refused as exc:
        return Status(
            exc.status, {"error": {"code": exc.code, "message": exc.message, "details": []}}
        )
    except PermissionError:
        raise PermissionDenied from None  # locked out: AxesMiddleware answers `locked_out`
    until = timezone.now() + timedelta(seconds=settings.REAUTH_SECONDS)
    return Status(200, {"verified_until": until})


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌")
def token_list(request: ApiRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=request.auth))


@router.delete("/tokens/{token_id}", response={200: TokenOut, 404: Error}, summary="吊销我的令牌")
def token_revoke(request: ApiRequest, token_id: RecordId) -> ApiToken:
    try:
        return api_token_revoke(user=request.auth, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None


class PasswordChangeIn(Schema):
    old_password: str = Field(..., min_length=1, max_length=settings.PASSWORD_MAX_LENGTH)
    new_password: str = Field(
        ...,
        min_length=1,
        max_length=settings.PASSWORD_MAX_LENGTH,
        description="新密码，须符合密码规则：长度、字符种类、不与近期密码重复、不易被猜到",
    )


# The page form's fields, by the names of the API's body.
PASSWORD_FIELDS = {"old_password": "old_password", "new_password1": "new_password"}


@router.post(
    "/password",
    response={204: None, 400: Error},
    summary="修改自己的密码",
    description=(
        "与“修改密码”页面同样的规则；不符合时返回 400 及中文说明（details 逐项列出）。"
        "成功后该用户的所有会话和 API 令牌（包括本次使用的）立即失效。"
    ),
)
def password_change_api(request: ApiRequest, payload: PasswordChangeIn) -> Status[Any]:
    new = payload.new_password
    form = PasswordChangeForm(
        request.auth,
        {"old_password": payload.old_password, "new_password1": new, "new_password2": new},
    )
    if not form.is_valid():
        problems = [
            (PASSWORD_FIELDS.get(field, field), str(m))
            for field, messages in form.errors.items()
            for m in messages
        ]
        details = [{"loc": ["body", "payload", f], "message": m} for f, m in problems]
        message = " ".join(m for _f, m in problems)
        return Status(400, {"error": {"code": "invalid", "message": message, "details": details}})
    user_password_change(user=request.auth, new_password=new)
    return Status(204, None)
