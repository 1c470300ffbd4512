from datetime import datetime
from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.accounts.types import ApiRequest
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.orgs.models import OrgUnit

from .channels import all_channels
from .models import Delivery, DeliveryStatus, Notification, WebhookEndpoint
from .selectors import delivery_list, endpoint_get, endpoint_list
from .services import endpoint_create, endpoint_test_send, endpoint_update, notification_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(..., description="标题（按请求的界面语言）")
    body: str = Field(..., description="内容（按请求的界面语言）")
    url: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return obj.display_title()

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return obj.display_body()


class Count(Schema):
    count: int


@router.get("/notifications", response=list[NotificationOut], summary="我的消息")
@paginate(LimitOffset)
def notifications(request: ApiRequest, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=request.auth)
    return qs.filter(read_at__isnull=True) if unread else qs


@router.post(
    "/notifications/{notification_id}/read", response={200: Count, 404: Error}, summary="标记已读"
)
def read(request: ApiRequest, notification_id: RecordId) -> dict[str, int]:
    if not Notification.objects.filter(user=request.auth, pk=notification_id).exists():
        from django.http import Http404

        raise Http404
    return {"count": notification_read(user=request.auth, notification_id=notification_id)}


@router.post("/notifications/read-all", response=Count, summary="全部标记已读")
def read_all(request: ApiRequest) -> Status[dict[str, int]]:
    return Status(200, {"count": notification_read(user=request.auth)})


# --- Channels, webhook endpoints and the delivery log (notification.manage) -----------------
# A router of its own, mounted under the one above (so config/api.py needs no new line).

manage_router = Router(tags=["notification channels"])


class ChannelOut(Schema):
    name: str
    label: str
    audience: str = Field(
        ..., description="user：发给个人（邮件、短信）；endpoint：推送到配置的地址"
    )
    enabled: bool


class EndpointOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    channel: str = Field(..., description="webhook | wecom | dingtalk")
    name: str
    url: str
    has_secret: bool
    kinds: list[str] = Field(..., description="接收的消息类别（通配 *）；空表示全部紧急消息")
    active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_has_secret(obj: WebhookEndpoint) -> bool:
        return bool(obj.secret)


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(..., description="签名密钥：仅在创建时返回一次，请妥善保存")


class EndpointIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID, description="市或区市")
    channel: str = Field(
        "webhook", min_length=1, max_length=20, description="webhook | wecom | dingtalk"
    )
    name: str = Field(..., min_length=1, max_length=60)
    url: str = Field(..., min_length=1, max_length=500)
    secret: str = Field(
        "",
        max_length=200,
        description="Webhook 签名密钥（留空自动生成）；钉钉加签密钥 SEC…；企业微信不用",
    )
    kinds: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=lambda: ["incident.*"], max_length=20
    )
    active: bool = True


class EndpointPatch(Schema):
    channel: str | None = Field(None, min_length=1, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=60)
    url: str | None = Field(None, min_length=1, max_length=500)
    secret: str | None = Field(None, max_length=200, description="新密钥；不传或留空则不变")
    kinds: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=20)
    active: bool | None = Field(None, description="false 停用（投递记录保留）")


class DeliveryOut(Schema):
    id: int
    channel: str
    kind: str
    title: str
    target: str = Field(..., description="发送对象（邮箱、手机号、地址中的个人信息与令牌已打码）")
    status: DeliveryStatus
    attempts: int
    last_error: str
    urgent: bool
    is_test: bool
    created_at: datetime
    sent_at: datetime | None
    notification_id: int | None
    endpoint_id: int | None
    unit_id: int | None


class EndpointQuery(Schema):
    unit: int | None = Field(None, ge=1, le=MAX_ID)
    channel: str | None = Field(None, max_length=20)
    active: bool | None = None


class DeliveryQuery(Schema):
    status: DeliveryStatus | None = None
    channel: str | None = Field(None, max_length=20)
    endpoint: int | None = Field(None, ge=1, le=MAX_ID)
    kind: str | None = Field(None, max_length=40)


@manage_router.get(
    "/notifications/channels",
    response={200: list[ChannelOut], 403: Error},
    summary="消息渠道及其是否启用",
)
def channel_list(request: ApiRequest) -> list[dict[str, str | bool]]:
    require(request.auth, "notification.manage")
    return [
        {"name": c.name, "label": str(c.label), "audience": c.audience, "enabled": c.enabled()}
        for c in all_channels().values()
    ]


@manage_router.get(
    "/notifications/endpoints",
    response={200: list[EndpointOut], 403: Error},
    summary="推送地址（Webhook、群机器人；范围内）",
)
@paginate(LimitOffset)
def endpoint_list_api(
    request: ApiRequest, filters: Query[EndpointQuery]
) -> QuerySet[WebhookEndpoint]:
    require(request.auth, "notification.manage")
    qs = endpoint_list(user=request.auth, unit_id=filters.unit)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs


@manage_router.post(
    "/notifications/endpoints",
    response={201: EndpointCreatedOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="添加推送地址（市级管理员、区市安全干部）",
)
def endpoint_create_api(request: ApiRequest, payload: EndpointIn) -> Status[WebhookEndpoint]:
    unit = scoped_get(
        OrgUnit.objects.all(), request.auth, "notification.manage", pk=payload.unit_id
    )
    endpoint = endpoint_create(
        user=request.auth,
        unit=unit,
        channel=payload.channel,
        name=payload.name,
        url=payload.url,
        secret=payload.secret,
        kinds=payload.kinds,
        active=payload.active,
    )
    return Status(201, endpoint)


@manage_router.get(
    "/notifications/endpoints/{endpoint_id}",
    response={200: EndpointOut, 403: Error, 404: Error},
    summary="推送地址详情",
)
def endpoint_detail_api(request: ApiRequest, endpoint_id: RecordId) -> WebhookEndpoint:
    return endpoint_get(user=request.auth, endpoint_id=endpoint_id)


@manage_router.patch(
    "/notifications/endpoints/{endpoint_id}",
    response={200: EndpointOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改、停用或启用推送地址",
)
def endpoint_update_api(
    request: ApiRequest, endpoint_id: RecordId, payload: EndpointPatch
) -> WebhookEndpoint:
    endpoint = endpoint_get(user=request.auth, endpoint_id=endpoint_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    endpoint_update(user=request.auth, endpoint=endpoint, **changes)
    return endpoint_get(user=request.auth, endpoint_id=endpoint_id)


@manage_router.post(
    "/notifications/endpoints/{endpoint_id}/test",
    response={200: DeliveryOut, 403: Error, 404: Error},
    summary="发送测试消息（立即发送一次，返回投递结果）",
)
def endpoint_test_api(request: ApiRequest, endpoint_id: RecordId) -> Delivery:
    endpoint = endpoint_get(user=request.auth, endpoint_id=endpoint_id)
    return endpoint_test_send(user=request.auth, endpoint=endpoint)


@manage_router.get(
    "/notifications/deliveries",
    response={200: list[DeliveryOut], 403: Error, 422: Error},
    summary="投递记录（邮件、短信、Webhook、群机器人；范围内，可按状态筛选）",
)
@paginate(LimitOffset)
def delivery_list_api(request: ApiRequest, filters: Query[DeliveryQuery]) -> QuerySet[Delivery]:
    require(request.auth, "notification.manage")
    return delivery_list(
        user=request.auth,
        status=filters.status,
        channel=filters.channel,
        endpoint_id=filters.endpoint,
        kind=filters.kind,
    )


router.add_router("/", manage_router)
