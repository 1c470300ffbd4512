from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from safecampus.audit.context import bind_user
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import Throttled, throttle, throttled_response

from .forms import PasswordChangeForm
from .models import ApiToken, User
from .services import (
    PasswordChangeRequired,
    api_token_issue,
    api_token_revoke,
    api_token_user,
    user_password_change,
)
from .types import ApiRequest


class TokenAuth(HttpBearer):
    """Authorization: Bearer <personal API token>."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token)
        if user is not None:
            request.user = user
            bind_user(user)
        return user


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
    summary="用户名和密码换取 API 令牌",
    description=(
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
