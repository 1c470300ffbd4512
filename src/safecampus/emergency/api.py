"""Emergency command over the API: alarms from devices (device token) and people, incidents and
their steps, and the command board's feed for clients that cannot hold a WebSocket."""

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.accounts.models import User
from safecampus.core.errors import BusinessRuleError
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import DateTimeIn, Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.devices.auth import DeviceTokenAuth
from safecampus.devices.messages import Malformed
from safecampus.devices.models import AlarmButton
from safecampus.orgs.models import School

from . import services
from .choices import EventKind, IncidentSource, IncidentStatus, IncidentType, Severity
from .filters import IncidentFilters
from .intake import alarm_from_dict, device_alarm
from .selectors import (
    alarm_get,
    board_events,
    incident_alarms,
    incident_get,
    incident_list,
    incident_timeline,
)

router = Router(tags=["emergency"])


class IncidentEventOut(Schema):
    id: int
    at: datetime
    by: str | None = None
    kind: EventKind
    kind_label: str
    note: str
    data: dict

    @staticmethod
    def resolve_by(obj):
        return str(obj.by) if obj.by_id else None

    @staticmethod
    def resolve_kind_label(obj):
        return str(EventKind(obj.kind).label)


class AlarmOut(Schema):
    id: int
    source: str
    origin: str
    event_id: str
    device_id: str | None = None
    place: str
    pressed_at: datetime
    received_at: datetime
    latched: bool
    reset_at: datetime | None
    reset_by: str | None = None
    reset_note: str
    incident_id: int

    @staticmethod
    def resolve_device_id(obj):
        return obj.device.device_id if obj.device_id else None

    @staticmethod
    def resolve_reset_by(obj):
        return str(obj.reset_by) if obj.reset_by_id else None


class IncidentOut(Schema):
    id: int
    school_id: int
    school_name: str
    district_id: int | None
    incident_type: IncidentType
    incident_type_label: str
    severity: Severity
    severity_label: str
    status: IncidentStatus
    status_label: str
    source: IncidentSource
    is_drill: bool
    place: str
    description: str
    reporter: str | None
    raised_at: datetime
    acknowledged_at: datetime | None
    assignee_id: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None

    @staticmethod
    def resolve_school_name(obj):
        return obj.school.unit.name

    @staticmethod
    def resolve_district_id(obj):
        return obj.school.district_id

    @staticmethod
    def resolve_incident_type_label(obj):
        return str(obj.get_incident_type_display())

    @staticmethod
    def resolve_severity_label(obj):
        return str(obj.get_severity_display())

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_reporter(obj):
        return str(obj.reporter) if obj.reporter_id else None


class IncidentPlanStepOut(Schema):
    index: int
    text: str
    role: str
    done: bool
    done_at: datetime | None = None
    done_by: str | None = None


class IncidentDetailOut(IncidentOut):
    report: str
    plan_id: int | None
    plan_title: str | None
    plan_steps: list[IncidentPlanStepOut]
    alarms: list[AlarmOut]
    events: list[IncidentEventOut]

    @staticmethod
    def resolve_plan_title(obj):
        return obj.plan.title if obj.plan_id else None

    @staticmethod
    def resolve_plan_steps(obj):
        done = services.steps_done(obj)
        steps = []
        for i, step in enumerate(obj.plan_steps):
            tick = done.get(i)
            steps.append(
                {
                    "index": i,
                    "text": step.get("text", ""),
                    "role": step.get("role", ""),
                    "done": tick is not None,
                    "done_at": tick.at if tick else None,
                    "done_by": str(tick.by) if tick and tick.by_id else None,
                }
            )
        return steps

    @staticmethod
    def resolve_alarms(obj):
        return incident_alarms(obj)

    @staticmethod
    def resolve_events(obj):
        return incident_timeline(obj)


class DeviceAlarmIn(Schema):
    device_id: str = Field(..., description="报警按钮的 20 位设备编码（GB/T 28181）")
    event_id: str = Field(..., description="设备自身的报警事件编号；重发同一编号不会重复报警")
    ts: float | str | None = Field(None, description="按下时间：Unix 秒数或带时区的 ISO 8601")
    drill: bool = Field(False, description="演练")


class DeviceAlarmOut(Schema):
    alarm_id: int
    incident_id: int
    created: bool


class PressIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    client_key: str = Field(
        ...,
        min_length=8,
        max_length=64,
        description="客户端生成的提交编号；重试（连按、网络重发）不会重复报警",
    )
    place: str = Field("", max_length=100)
    note: str = Field("", max_length=1000)


class RaiseIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    incident_type: IncidentType
    severity: Severity
    description: str = Field(..., min_length=1, max_length=1000)
    place: str = Field("", max_length=100)
    is_drill: bool = False
    raised_at: DateTimeIn | None = None
    client_key: str | None = Field(None, min_length=8, max_length=64)


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class IncidentAssignIn(Schema):
    assignee_id: int = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=1000)


class ClassifyIn(Schema):
    incident_type: IncidentType
    severity: Severity


class CloseIn(Schema):
    report: str = Field(..., min_length=1, max_length=20000)


class ResetIn(Schema):
    note: str = Field(..., min_length=1, max_length=500)


class BoardIncidentOut(Schema):
    id: int
    url: str
    school: str
    school_code: str
    district: str
    longitude: float | None
    latitude: float | None
    incident_type: IncidentType
    severity: Severity
    severity_colour: str
    status: IncidentStatus
    status_colour: str
    is_drill: bool
    place: str
    raised_at: str = Field(..., description="ISO 8601，本地时间带时区")
    escalated: bool


# selectors.event_payload: what the board receives over the WebSocket and by polling.
class BoardEventOut(Schema):
    id: int
    kind: EventKind
    at: str = Field(..., description="ISO 8601，本地时间带时区")
    by: str
    note: str
    data: dict
    alert: Literal["siren", "drill"] | None = Field(..., description="需要声光提示的条目")
    incident: BoardIncidentOut


class BoardFeedOut(Schema):
    cursor: int = Field(..., description="下次请求的 after")
    events: list[BoardEventOut] = Field(
        ...,
        description="时间线条目（与 WebSocket 推送的相同）：类别、事件类型、等级、状态均为代码，"
        "名称见事件详情接口的 *_label",
    )


@router.post(
    "/emergency/alarms",
    auth=DeviceTokenAuth(),
    response={200: DeviceAlarmOut, 201: DeviceAlarmOut, 400: Error, 401: Error, 403: Error},
    summary="一键报警上报（设备令牌认证；提交成功即已入库）",
    description=(
        "报警在应答前已提交数据库：收到 201 即不会丢失。同一设备的同一 `event_id` 再次上报返回 200 "
        "和同一报警（设备未收到应答时可放心重发）。"
    ),
)
def device_alarm_api(request, payload: DeviceAlarmIn):
    try:
        message = alarm_from_dict(payload.device_id, payload.dict())
    except Malformed as exc:
        raise BusinessRuleError(str(exc)) from None
    token = request.auth
    if token.device_id and token.device_id != message.device_id:
        return Status(403, _forbidden())
    button = (
        AlarmButton.objects.filter(
            device_id=message.device_id, school_id=token.school_id, active=True
        )
        .select_related("school__unit", "school__district")
        .first()
    )
    if button is None:
        return Status(403, _forbidden())
    alarm, created = device_alarm(message, button)
    return Status(
        201 if created else 200,
        {"alarm_id": alarm.pk, "incident_id": alarm.incident_id, "created": created},
    )


def _forbidden():
    return {
        "error": {
            "code": "forbidden",
            "message": "该令牌无权为此设备上报（设备未登记、已停用或属于其他学校）",
            "details": [],
        }
    }


DETAIL = {
    200: IncidentDetailOut,
    201: IncidentDetailOut,
    400: Error,
    403: Error,
    404: Error,
    422: Error,
}


def _detail(request, incident_id: int):
    return incident_get(user=request.auth, incident_id=incident_id)


def _school(request, school_id: int, action: str) -> School:
    return scoped_get(
        School.objects.select_related("unit", "district"), request.auth, action, pk=school_id
    )


@router.post("/emergency/alarms/press", response=DETAIL, summary="一键报警（页面或手机）")
def press(request, payload: PressIn):
    school = _school(request, payload.school_id, "alarm.raise")
    alarm, created = services.alarm_press(
        user=request.auth,
        school=school,
        client_key=payload.client_key,
        place=payload.place,
        note=payload.note,
    )
    return Status(201 if created else 200, _detail(request, alarm.incident_id))


@router.post(
    "/emergency/alarms/{alarm_id}/reset",
    response={200: AlarmOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="报警复位（现场核实后手动复位；报警记录不可删除）",
)
def alarm_reset(request, alarm_id: RecordId, payload: ResetIn):
    alarm = alarm_get(user=request.auth, alarm_id=alarm_id, action="alarm.reset")
    return services.alarm_reset(user=request.auth, alarm=alarm, note=payload.note)


@router.get(
    "/emergency/incidents",
    response={200: list[IncidentOut], 403: Error, 422: Error},
    summary="突发事件列表（范围内，可筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def incidents(request, filters: Query[IncidentFilters]):
    require(request.auth, "incident.view")
    return incident_list(user=request.auth, filters=filters)


@router.post(
    "/emergency/incidents", response=DETAIL, summary="发起突发事件（同一提交编号重试不重复）"
)
def raise_incident(request, payload: RaiseIn):
    school = _school(request, payload.school_id, "incident.raise")
    incident, created = services.incident_raise(
        user=request.auth,
        school=school,
        incident_type=payload.incident_type,
        severity=int(payload.severity),
        place=payload.place,
        description=payload.description,
        is_drill=payload.is_drill,
        raised_at=payload.raised_at,
        client_key=payload.client_key,
    )
    return Status(201 if created else 200, _detail(request, incident.pk))


@router.get(
    "/emergency/incidents/{incident_id}",
    response={200: IncidentDetailOut, 403: Error, 404: Error},
    summary="事件详情：报警、预案清单与时间线",
)
def incident_detail(request, incident_id: RecordId):
    return _detail(request, incident_id)


STEP = {200: IncidentDetailOut, 400: Error, 403: Error, 404: Error, 422: Error}


def _step(request, incident_id: int, service, **fields):
    """One step of the workflow (`service`) on an incident the caller can see, then the
    incident as it now stands."""
    service(
        user=request.auth,
        incident=incident_get(user=request.auth, incident_id=incident_id),
        **fields,
    )
    return _detail(request, incident_id)


@router.post("/emergency/incidents/{incident_id}/acknowledge", response=STEP, summary="接警")
def acknowledge(request, incident_id: RecordId, payload: NoteIn):
    return _step(request, incident_id, services.incident_acknowledge, note=payload.note)


@router.post("/emergency/incidents/{incident_id}/respond", response=STEP, summary="开始现场处置")
def respond(request, incident_id: RecordId, payload: NoteIn):
    return _step(request, incident_id, services.incident_respond, note=payload.note)


@router.post("/emergency/incidents/{incident_id}/assign", response=STEP, summary="指派现场负责人")
def assign(request, incident_id: RecordId, payload: IncidentAssignIn):
    incident = incident_get(user=request.auth, incident_id=incident_id)
    assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
    if assignee is None:
        raise Http404
    services.incident_assign(
        user=request.auth, incident=incident, assignee=assignee, note=payload.note
    )
    return _detail(request, incident_id)


@router.post("/emergency/incidents/{incident_id}/classify", response=STEP, summary="定性定级")
def classify(request, incident_id: RecordId, payload: ClassifyIn):
    return _step(
        request,
        incident_id,
        services.incident_classify,
        incident_type=payload.incident_type,
        severity=int(payload.severity),
    )


@router.post(
    "/emergency/incidents/{incident_id}/steps/{step}",
    response=STEP,
    summary="完成预案步骤（勾选清单，记入时间线）",
)
def step_tick(request, incident_id: RecordId, step: int, payload: NoteIn):
    return _step(request, incident_id, services.incident_step_tick, step=step, note=payload.note)


@router.post("/emergency/incidents/{incident_id}/notes", response=STEP, summary="添加处置记录")
def note(request, incident_id: RecordId, payload: NoteIn):
    return _step(request, incident_id, services.incident_note, note=payload.note)


@router.post("/emergency/incidents/{incident_id}/resolve", response=STEP, summary="处置完毕")
def resolve(request, incident_id: RecordId, payload: NoteIn):
    return _step(request, incident_id, services.incident_resolve, note=payload.note)


@router.post("/emergency/incidents/{incident_id}/close", response=STEP, summary="结案（总结报告）")
def close(request, incident_id: RecordId, payload: CloseIn):
    return _step(request, incident_id, services.incident_close, report=payload.report)


@router.get(
    "/emergency/board/events",
    response={200: BoardFeedOut, 403: Error, 422: Error},
    summary="指挥大屏的事件流（WebSocket 不可用时轮询；after 为上次的 cursor）",
    url_name="board_feed",
)
def board_feed(request, after: int = Query(0, ge=0, le=MAX_ID)):
    require(request.auth, "incident.command")
    events = board_events(user=request.auth, after=after)
    cursor = max([after, *(e["id"] for e in events)])
    return {"cursor": cursor, "events": events}
