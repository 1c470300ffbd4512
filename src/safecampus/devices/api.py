"""The devices API: the registry of cameras and alarm buttons, the camera workbook, online rates,
device tokens, and the HTTP status batch that devices (or a school's gateway) send with a
device token instead of a person's."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.core.excel import xlsx_response
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.selectors import home_unit, school_get, unit_get

from . import services
from .auth import DeviceTokenAuth
from .filters import DeviceFilters
from .models import DeviceKind, DeviceToken, Place
from .models import Status as DeviceStatus
from .selectors import (
    device_get,
    device_list,
    online_rates,
    school_devices_summary,
    status_of,
    token_list,
)

router = Router(tags=["devices"])


class DeviceOut(Schema):
    id: int
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    school_code: str = Field(..., alias="school.unit.code")
    name: str
    device_id: str
    place: Place
    place_label: str = Field(..., alias="get_place_display")
    installed_on: date | None
    active: bool
    removed_on: date | None = Field(..., description="停用日期（停用时记录）")
    status: DeviceStatus = Field(..., description="online 在线 / fault 故障 / offline 离线")
    last_seen_at: datetime | None = None
    fault_code: str = ""
    fault_since: datetime | None = None
    fault_hazard_id: int | None = Field(None, description="故障逾期未修复时转成的隐患")

    @staticmethod
    def resolve_status(obj):
        return status_of(obj)

    @staticmethod
    def _state(obj):
        return getattr(obj, "state", None)

    @staticmethod
    def resolve_last_seen_at(obj):
        state = DeviceOut._state(obj)
        return state.last_seen_at if state else None

    @staticmethod
    def resolve_fault_code(obj):
        state = DeviceOut._state(obj)
        return state.fault_code if state else ""

    @staticmethod
    def resolve_fault_since(obj):
        state = DeviceOut._state(obj)
        return state.fault_since if state else None

    @staticmethod
    def resolve_fault_hazard_id(obj):
        state = DeviceOut._state(obj)
        return state.fault_hazard_id if state else None


class CameraOut(DeviceOut):
    model: str
    stream_url: str


class AlarmButtonOut(DeviceOut):
    linked_to_police: bool
    police_unit: str
    last_tested_on: date | None


_ID = Field(..., pattern=r"^\d{20}$", description="20 位 GB/T 28181 设备编码")


class DeviceIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    device_id: str = _ID
    place: Place
    installed_on: date | None = None


class CameraIn(DeviceIn):
    model: str = Field("", max_length=60)
    stream_url: str = Field("", max_length=300, description="rtsp:// 等视频流地址")


class AlarmButtonIn(DeviceIn):
    place: Place = Place.GATE_HOUSE
    linked_to_police: bool = False
    police_unit: str = Field("", max_length=100)
    last_tested_on: date | None = None


class DevicePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    device_id: str | None = Field(None, pattern=r"^\d{20}$")
    place: Place | None = None
    installed_on: date | None = None


class CameraPatch(DevicePatch):
    model: str | None = Field(None, max_length=60)
    stream_url: str | None = Field(None, max_length=300)


class AlarmButtonPatch(DevicePatch):
    linked_to_police: bool | None = None
    police_unit: str | None = Field(None, max_length=100)
    last_tested_on: date | None = None


class Figures(Schema):
    cameras: int
    cameras_online: int
    cameras_offline: int
    cameras_fault: int
    camera_rate: float | None = Field(..., description="摄像头在线率（%，截断到两位小数）")
    alarms: int
    alarms_online: int
    alarms_offline: int
    alarms_fault: int
    alarm_rate: float | None


class RateRow(Figures):
    unit_id: int
    code: str
    name: str
    kind: str


class OnlineRatesOut(Schema):
    unit_id: int
    unit_name: str
    unit_kind: str
    at: datetime
    totals: Figures
    rows: list[RateRow]


class DeviceTokenCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    device_id: str = Field(
        "", pattern=r"^(\d{20})?$", description="只允许上报这一台设备；留空则本校所有设备"
    )


class DeviceTokenOut(Schema):
    id: int
    school_id: int
    name: str
    device_id: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class DeviceTokenCreatedOut(DeviceTokenOut):
    token: str = Field(..., description="令牌值，仅此一次返回")


class StatusItem(Schema):
    device_id: str = Field(..., description="20 位设备编码")
    status: str = Field(..., description="ok 或 fault")
    fault: str | None = Field(None, description="故障代码（status 为 fault 时必填）")
    ts: float | str | None = Field(None, description="设备发送时间：Unix 秒或 ISO 8601")


class StatusBatchIn(Schema):
    messages: list[Any] = Field(
        ...,
        max_length=services.MAX_BATCH,
        description="状态消息，每条形如 StatusItem；逐条校验，坏的按序号报告，好的照常写入",
        json_schema_extra={"items": StatusItem.model_json_schema()},
    )


class Rejected(Schema):
    index: int
    device_id: str | None
    message: str


class StatusBatchOut(Schema):
    accepted: int
    rejected: list[Rejected]


XLSX = {
    "responses": {
        200: {
            "description": "xlsx",
            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
        }
    }
}


# --- Registry ----------------------------------------------------------------------------------


def _create(request, kind: str, payload: DeviceIn):
    data = payload.dict()
    school = school_get(user=request.auth, school_id=data.pop("school_id"), action="device.view")
    device = services.device_create(user=request.auth, kind=kind, school=school, **data)
    return Status(201, device_get(user=request.auth, kind=kind, pk=device.pk))


def _patch(request, kind: str, pk: int, payload: DevicePatch):
    device = device_get(user=request.auth, kind=kind, pk=pk, action="device.manage")
    services.device_update(user=request.auth, device=device, **payload.dict(exclude_unset=True))
    return device_get(user=request.auth, kind=kind, pk=pk)


def _set_active(request, kind: str, pk: int, active: bool):
    device = device_get(user=request.auth, kind=kind, pk=pk, action="device.manage")
    services.device_set_active(user=request.auth, device=device, active=active)
    return device_get(user=request.auth, kind=kind, pk=pk)


ONE = {400: Error, 403: Error, 404: Error}


@router.get(
    "/devices/cameras",
    response={200: list[CameraOut], 403: Error},
    summary="摄像头（范围内，可按学校、区市、部位、在线状态筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def camera_list_api(request, filters: Query[DeviceFilters]):
    require(request.auth, "device.view")
    return device_list(user=request.auth, kind=DeviceKind.CAMERA, filters=filters)


@router.post("/devices/cameras", response={201: CameraOut, **ONE}, summary="登记摄像头")
def camera_create_api(request, payload: CameraIn):
    return _create(request, DeviceKind.CAMERA, payload)


@router.get(
    "/devices/cameras/export",
    response={200: None, 403: Error},
    summary="导出摄像头 Excel（与列表相同的筛选）",
    openapi_extra=XLSX,
)
@throttle("export")
def camera_export_api(request, filters: Query[DeviceFilters]):
    require(request.auth, "device.view")
    cameras = device_list(user=request.auth, kind=DeviceKind.CAMERA, filters=filters)
    return xlsx_response(
        services.cameras_export(user=request.auth, cameras=cameras),
        f"cameras-{timezone.localdate():%Y%m%d}.xlsx",
    )


@router.get("/devices/cameras/{camera_id}", response={200: CameraOut, **ONE}, summary="摄像头详情")
def camera_detail_api(request, camera_id: RecordId):
    return device_get(user=request.auth, kind=DeviceKind.CAMERA, pk=camera_id)


@router.patch(
    "/devices/cameras/{camera_id}", response={200: CameraOut, **ONE}, summary="修改摄像头"
)
def camera_update_api(request, camera_id: RecordId, payload: CameraPatch):
    return _patch(request, DeviceKind.CAMERA, camera_id, payload)


@router.post(
    "/devices/cameras/{camera_id}/deactivate",
    response={200: CameraOut, **ONE},
    summary="停用摄像头（不再计入在线率，其消息被忽略）",
)
def camera_deactivate_api(request, camera_id: RecordId):
    return _set_active(request, DeviceKind.CAMERA, camera_id, False)


@router.post(
    "/devices/cameras/{camera_id}/activate",
    response={200: CameraOut, **ONE},
    summary="恢复使用摄像头",
)
def camera_activate_api(request, camera_id: RecordId):
    return _set_active(request, DeviceKind.CAMERA, camera_id, True)


@router.get(
    "/devices/alarms",
    response={200: list[AlarmButtonOut], 403: Error},
    summary="一键式紧急报警（范围内，可筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def alarm_list_api(request, filters: Query[DeviceFilters]):
    require(request.auth, "device.view")
    return device_list(user=request.auth, kind=DeviceKind.ALARM, filters=filters)


@router.post("/devices/alarms", response={201: AlarmButtonOut, **ONE}, summary="登记一键式紧急报警")
def alarm_create_api(request, payload: AlarmButtonIn):
    return _create(request, DeviceKind.ALARM, payload)


@router.get(
    "/devices/alarms/{alarm_id}",
    response={200: AlarmButtonOut, **ONE},
    summary="一键式紧急报警详情",
)
def alarm_detail_api(request, alarm_id: RecordId):
    return device_get(user=request.auth, kind=DeviceKind.ALARM, pk=alarm_id)


@router.patch(
    "/devices/alarms/{alarm_id}",
    response={200: AlarmButtonOut, **ONE},
    summary="修改一键式紧急报警",
)
def alarm_update_api(request, alarm_id: RecordId, payload: AlarmButtonPatch):
    return _patch(request, DeviceKind.ALARM, alarm_id, payload)


@router.post(
    "/devices/alarms/{alarm_id}/deactivate",
    response={200: AlarmButtonOut, **ONE},
    summary="停用一键式紧急报警",
)
def alarm_deactivate_api(request, alarm_id: RecordId):
    return _set_active(request, DeviceKind.ALARM, alarm_id, False)


@router.post(
    "/devices/alarms/{alarm_id}/activate",
    response={200: AlarmButtonOut, **ONE},
    summary="恢复使用一键式紧急报警",
)
def alarm_activate_api(request, alarm_id: RecordId):
    return _set_active(request, DeviceKind.ALARM, alarm_id, True)


# --- Online rates --------------------------------------------------------------------------------


@router.get(
    "/devices/online-rates",
    response={200: OnlineRatesOut, 403: Error, 404: Error},
    summary="在线率：本级合计与下一级（区市 / 学校）逐个",
)
def online_rates_api(request, unit: int | None = Query(None, ge=1, le=MAX_ID)):
    require(request.auth, "device.view")
    target = unit_get(user=request.auth, unit_id=unit) if unit else home_unit(request.auth)
    if target is None:  # device.view is held somewhere (above), so a unit is
        raise PermissionDenied
    data = online_rates(user=request.auth, unit=target)
    return {
        "unit_id": target.pk,
        "unit_name": target.name,
        "unit_kind": target.kind,
        "at": timezone.now(),
        "totals": data["totals"],
        "rows": data["rows"],
    }


@router.get(
    "/devices/schools/{school_id}/summary",
    response={200: Figures, 403: Error, 404: Error},
    summary="一所学校的设备数与在线率",
)
def school_summary_api(request, school_id: RecordId):
    school = school_get(user=request.auth, school_id=school_id, action="device.view")
    return school_devices_summary(user=request.auth, school=school)


# --- Device tokens -------------------------------------------------------------------------------


@router.get(
    "/devices/schools/{school_id}/tokens",
    response={200: list[DeviceTokenOut], 403: Error, 404: Error},
    summary="本校的设备上报令牌",
)
def token_list_api(request, school_id: RecordId):
    school = school_get(user=request.auth, school_id=school_id, action="device.manage")
    return list(token_list(user=request.auth, school=school))


@router.post(
    "/devices/schools/{school_id}/tokens",
    response={201: DeviceTokenCreatedOut, 400: Error, 403: Error, 404: Error},
    summary="签发设备上报令牌（令牌值仅返回一次，只保存其摘要）",
)
def token_issue_api(request, school_id: RecordId, payload: DeviceTokenCreateIn):
    school = school_get(user=request.auth, school_id=school_id, action="device.manage")
    token, raw = services.device_token_issue(
        user=request.auth, school=school, name=payload.name, device_id=payload.device_id
    )
    return Status(201, {**DeviceTokenOut.from_orm(token).dict(), "token": raw})


@router.post(
    "/devices/tokens/{token_id}/revoke",
    response={200: DeviceTokenOut, 403: Error, 404: Error},
    summary="吊销设备上报令牌",
)
def token_revoke_api(request, token_id: RecordId):
    token = scoped_get(
        DeviceToken.objects.select_related("school__unit"),
        request.auth,
        "device.manage",
        pk=token_id,
    )
    return services.device_token_revoke(user=request.auth, token=token)


# --- Status over HTTP (device tokens) --------------------------------------------------------------


@router.post(
    "/devices/status",
    auth=DeviceTokenAuth(),
    response={200: StatusBatchOut, 400: Error, 401: Error},
    summary="设备状态批量上报（心跳与故障；设备令牌认证）",
    description=(
        "每条消息 `{device_id, status: ok|fault, fault?, ts?}`。逐条处理：有误的或令牌无权上报的"
        "按序号列在 `rejected` 中，其余照常写入（一台设备配置错误不应让同一网关下的其他设备“失联”）。"
        "只要请求体本身合法就返回 200。"
    ),
)
def status_batch_api(request, payload: StatusBatchIn):
    return services.device_status_report(token=request.auth, items=payload.messages)
