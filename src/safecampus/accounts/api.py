from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from safecampus.audit.context import bind_user
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import Throttled, throttle, throttled_response

from .models import ApiToken, User
from .services import PasswordChangeRequired, api_token_issue, api_token_revoke, api_token_user
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
    password: str = Field(..., min_length=1, max_length=256)
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

