"""API of the security administrator (三员分立): `security.manage`, held by `security_admin`
alone — the system administrator and the auditor get 403. Same services as the pages."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import functions as param

from safecampus.access.scope import require
from safecampus.core.pagination import LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle

from . import security_services as services
from .models import POLICY_BOUNDS, OutboundNetwork, SecurityPolicy, User
from .policy import security_policy
from .second_factor import second_factor_reset
from .selectors import lockout_list, second_factor_list
from .types import ApiRequest

router = Router(tags=["security"])


def _bounded(name: str, description: str) -> Any:
    low, high = POLICY_BOUNDS[name]
    return Field(..., ge=low, le=high, description=f"{description}（{low}–{high}）")


class SecurityPolicyOut(Schema):
    min_length: int = Field(..., description="密码最短长度")
    min_classes: int = Field(..., description="密码至少包含的字符类别数（大写、小写、数字、符号）")
    history: int = Field(..., description="不得与最近几次密码相同")
    max_age_days: int = Field(..., description="密码有效期（天），0 为不过期（仅运维设置）")
    lockout_failures: int = Field(..., description="连续登录失败几次锁定账号")
    lockout_minutes: int = Field(..., description="锁定时长（分钟）")
    updated_at: datetime | None = Field(None, description="安全管理员最近修改的时间；未修改过为空")


class SecurityPolicyIn(Schema):
    min_length: int = _bounded("min_length", "密码最短长度")
    min_classes: int = _bounded("min_classes", "密码至少包含的字符类别数")
    history: int = _bounded("history", "不得与最近几次密码相同")
    max_age_days: int = _bounded("max_age_days", "密码有效期（天）")
    lockout_failures: int = _bounded("lockout_failures", "连续登录失败几次锁定账号")
    lockout_minutes: int = _bounded("lockout_minutes", "锁定时长（分钟）")


class LockoutOut(Schema):
    username: str
    user_id: int | None = Field(None, description="该用户名对应的账号；无此账号时为空")
    failures: int
    last_attempt_at: datetime
    locked_until: datetime


class UnlockIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)


class SecondFactorUserOut(Schema):
    id: int
    username: str
    full_name: str
    second_factor: bool = Field(..., description="已绑定动态口令")


class OutboundNetworkOut(Schema):
    id: int
    network: str
    note: str
    created_at: datetime


class OutboundNetworkIn(Schema):
    network: str = Field(..., min_length=1, max_length=43, description="网段，如 10.20.0.0/16")
    note: str = Field("", max_length=100)


@router.get("/policy", response={200: SecurityPolicyOut, 403: Error}, summary="安全策略")
def policy_get(request: ApiRequest) -> SecurityPolicy:
    require(request.auth, "security.manage")
    return security_policy()  # before any save: the settings' values, `updated_at` empty


@router.put(
    "/policy",
    response={200: SecurityPolicyOut, 400: Error, 403: Error, 422: Error},
    summary="修改安全策略（密码规则与登录锁定）",
)
def policy_put(request: ApiRequest, payload: SecurityPolicyIn) -> SecurityPolicy:
    require(request.auth, "security.manage")
    return services.security_policy_update(admin=request.auth, **payload.dict())


@router.get("/lockouts", response={200: list[LockoutOut], 403: Error}, summary="当前被锁定的账号")
def lockouts(request: ApiRequest) -> list[dict[str, Any]]:
    require(request.auth, "security.manage")
    return lockout_list()


@router.post(
    "/lockouts/unlock",
    response={200: list[LockoutOut], 400: Error, 403: Error, 422: Error},
    summary="解除登录锁定",
)
def lockout_unlock(request: ApiRequest, payload: UnlockIn) -> list[dict[str, Any]]:
    require(request.auth, "security.manage")
    services.lockout_lift(admin=request.auth, username=payload.username)
    return lockout_list()


@router.get(
    "/second-factors",
    response={200: list[SecondFactorUserOut], 403: Error},
    summary="账号的动态口令状态（范围内）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def second_factors(request: ApiRequest, q: str = param.Query("", max_length=100)) -> QuerySet[User]:
    require(request.auth, "security.manage")
    return second_factor_list(admin=request.auth, q=q)


@router.post(
    "/second-factors/{user_id}/reset",
    response={200: SecondFactorUserOut, 400: Error, 403: Error, 404: Error},
    summary="重置动态口令（移除设备，吊销令牌，下次登录重新绑定）",
)
def second_factor_reset_api(request: ApiRequest, user_id: RecordId) -> User:
    require(request.auth, "security.manage")
    target = second_factor_list(admin=request.auth).filter(pk=user_id).first()
    if target is None:
        raise Http404
    second_factor_reset(admin=request.auth, target=target)
    return second_factor_list(admin=request.auth).get(pk=user_id)


@router.get(
    "/networks", response={200: list[OutboundNetworkOut], 403: Error}, summary="外联白名单网段"
)
def networks(request: ApiRequest) -> QuerySet[OutboundNetwork]:
    require(request.auth, "security.manage")
    return OutboundNetwork.objects.all()


@router.post(
    "/networks",
    response={201: OutboundNetworkOut, 400: Error, 403: Error, 422: Error},
    summary="放行一个内网网段（运维设置 SAFECAMPUS_OUTBOUND_ALLOW 之外）",
)
def network_add(request: ApiRequest, payload: OutboundNetworkIn) -> Status[OutboundNetwork]:
    require(request.auth, "security.manage")
    return Status(201, services.outbound_network_add(admin=request.auth, **payload.dict()))


@router.delete(
    "/networks/{network_id}",
    response={204: None, 403: Error, 404: Error},
    summary="移除白名单网段",
)
def network_remove(request: ApiRequest, network_id: RecordId) -> Status[None]:
    require(request.auth, "security.manage")
    network = get_object_or_404(OutboundNetwork, pk=network_id)
    services.outbound_network_remove(admin=request.auth, network=network)
    return Status(204, None)
