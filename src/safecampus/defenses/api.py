"""The defenses API: the four-100% summary and verdicts, and the records of the staffing and
physical defenses of a school. Every read goes through the selectors (the choke point), every
write through the services."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from safecampus.access.scope import require
from safecampus.accounts import reauth
from safecampus.core.excel import xlsx_response
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import DateTimeIn, Error, LocalTime, RecordId
from safecampus.core.throttle import throttle

from . import services
from .choices import DutyKind, Employment, EquipmentKind, Indicator, Period
from .excel import guards_export
from .filters import DefenseFilters, VerdictFilters
from .models import GatePost, GatePostDuty, Guard
from .selectors import (
    defense_school_get,
    defense_summary,
    duty_get,
    entry_get,
    entry_list,
    equipment_get,
    equipment_list,
    gate_post_get,
    gate_post_list,
    guard_get,
    guard_list,
    security_of,
    sign_in_list,
    verdict_list,
)

router = Router(tags=["defenses"])
SchoolId = Field(..., ge=1, le=MAX_ID, description="学校编号")


def _school(request, school_id: int, action: str = "defense.view"):
    return defense_school_get(user=request.auth, school_id=school_id, action=action)


# --- the four 100% ---------------------------------------------------------------------------


class DefenseSummaryOut(Schema):
    schools: int = Field(..., description="参与四个100%评价的中小学幼儿园数")
    guards: int = Field(..., description="在岗保安员人数")
    equipment: int = Field(..., description="防护器材件数（各类数量之和）")
    cameras: int
    cameras_online: int
    guard_rate: float | None = Field(..., description="专职保安员配备达标率（%，截断两位小数）")
    closure_rate: float | None = Field(..., description="封闭化管理达标率（%）")
    alarm_video_rate: float | None = Field(..., description="一键报警和视频监控达标率（%）")
    gate_post_rate: float | None = Field(..., description="护学岗达标率（%）")
    guard_schools: int = Field(..., description="专职保安员配备达标学校数")
    closure_schools: int
    alarm_video_schools: int
    gate_post_schools: int
    all_four_schools: int = Field(..., description="四项全部达标的学校数")


class VerdictOut(Schema):
    meets: bool
    reason: str


class SchoolVerdictOut(Schema):
    school_id: int
    school_name: str = Field(..., alias="name")
    code: str
    district_id: int | None
    district_name: str
    meets_all: bool
    guards: VerdictOut
    closure: VerdictOut
    alarm_video: VerdictOut
    gate_posts: VerdictOut

    @staticmethod
    def _v(obj, key):
        v = obj.verdicts[key]
        return {"meets": v.meets, "reason": v.reason}

    @staticmethod
    def resolve_guards(obj):
        return SchoolVerdictOut._v(obj, Indicator.GUARDS)

    @staticmethod
    def resolve_closure(obj):
        return SchoolVerdictOut._v(obj, Indicator.CLOSURE)

    @staticmethod
    def resolve_alarm_video(obj):
        return SchoolVerdictOut._v(obj, Indicator.ALARM_VIDEO)

    @staticmethod
    def resolve_gate_posts(obj):
        return SchoolVerdictOut._v(obj, Indicator.GATE_POSTS)


@router.get(
    "/defenses/summary",
    response={200: DefenseSummaryOut, 403: Error},
    summary="三防与四个100%汇总（调用者范围内，可按区市或学校筛选）",
)
def summary(request, filters: Query[DefenseFilters]):
    require(request.auth, "defense.view")
    s = defense_summary(user=request.auth, filters=filters)
    meets, rates = s["meets"], s["rates"]
    return {
        **{k: s[k] for k in ("schools", "guards", "equipment", "cameras", "cameras_online")},
        "guard_rate": rates[Indicator.GUARDS],
        "closure_rate": rates[Indicator.CLOSURE],
        "alarm_video_rate": rates[Indicator.ALARM_VIDEO],
        "gate_post_rate": rates[Indicator.GATE_POSTS],
        "guard_schools": meets[Indicator.GUARDS],
        "closure_schools": meets[Indicator.CLOSURE],
        "alarm_video_schools": meets[Indicator.ALARM_VIDEO],
        "gate_post_schools": meets[Indicator.GATE_POSTS],
        "all_four_schools": s["meets_all"],
    }


@router.get(
    "/defenses/indicators",
    response={200: list[SchoolVerdictOut], 403: Error},
    summary="各校四个100%判定及原因（可筛选未达标的学校）",
)
@paginate(LimitOffset)
def indicators(request, filters: Query[VerdictFilters]):
    require(request.auth, "defense.view")
    return verdict_list(user=request.auth, filters=filters)


# --- guards ----------------------------------------------------------------------------------


class GuardOut(Schema):
    id: int
    school_id: int
    name: str
    licence_no: str
    licence_expiry: date | None
    birth_year: int
    employment: Employment
    company: str
    active: bool
    hired_on: date | None = Field(..., description="上岗日期（登记之日，或导入/演示数据所记）")
    left_on: date | None = Field(..., description="离岗日期（设为不在岗之日）")


class GuardPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    licence_no: str | None = Field(None, max_length=30)
    licence_expiry: date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    employment: Employment | None = None
    company: str | None = Field(None, max_length=100)
    active: bool | None = None


class GuardIn(GuardPatch):
    school_id: int = SchoolId
    name: str = Field(..., min_length=1, max_length=50)
    birth_year: int = Field(..., ge=1900, le=2100)
    employment: Employment = Employment.FULL_TIME
    licence_no: str = Field("", max_length=30)
    company: str = Field("", max_length=100)
    active: bool = True


class SchoolQuery(Schema):
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校编号")


def _for_school(request, qs, query: SchoolQuery):
    require(request.auth, "defense.view")
    if query.school is not None:
        qs = qs.filter(school=_school(request, query.school))
    return qs


@router.get(
    "/defenses/guards", response={200: list[GuardOut], 403: Error, 404: Error}, summary="保安员"
)
@paginate(LimitOffset)
def guards(request, query: Query[SchoolQuery]):
    return _for_school(request, guard_list(user=request.auth), query)


@router.post(
    "/defenses/guards",
    response={201: GuardOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="新增保安员",
)
def guard_create(request, payload: GuardIn):
    school = _school(request, payload.school_id, "defense.manage")
    data = payload.dict(exclude={"school_id"})
    guard = services.record_save(user=request.auth, record=Guard(school=school, **data))
    return Status(201, guard)


@router.get(
    "/defenses/guards/export",
    response={200: None, 403: Error, 404: Error, 422: Error},
    summary="导出某校保安员花名册 Excel",
    description=reauth.REAUTH_NOTE,
    openapi_extra={"responses": {200: {"description": "xlsx"}}},
)
@throttle("export")
def guards_export_api(request, school: int = Query(..., ge=1, le=MAX_ID)):
    unit_school = _school(request, school)
    reauth.require_recent(request)  # personal data: the guards' names, licences, ages
    data = guards_export(
        school=unit_school, guards=guard_list(user=request.auth, school=unit_school)
    )
    return xlsx_response(data, f"guards-{unit_school.unit.code}.xlsx")


@router.get(
    "/defenses/guards/{guard_id}", response={200: GuardOut, 404: Error}, summary="保安员详情"
)
def guard_detail(request, guard_id: RecordId):
    return guard_get(user=request.auth, guard_id=guard_id)


@router.patch(
    "/defenses/guards/{guard_id}",
    response={200: GuardOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改保安员（离岗请设 active=false）",
)
def guard_patch(request, guard_id: RecordId, payload: GuardPatch):
    guard = guard_get(user=request.auth, guard_id=guard_id, action="defense.manage")
    changes = payload.dict(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key != "licence_expiry":
            raise HttpError(400, _("字段不能为空值"))
        setattr(guard, key, value)
    return services.record_save(user=request.auth, record=guard)


# --- gate posts, rosters and sign-ins ---------------------------------------------------------


class DutyOut(Schema):
    id: int
    name: str
    kind: DutyKind
    weekdays: str = Field(..., description="上岗日，ISO 星期数字，如 12345 为周一至周五")


class GatePostOut(Schema):
    id: int
    school_id: int
    name: str
    period: Period
    starts_at: LocalTime
    ends_at: LocalTime
    active: bool
    duties: list[DutyOut]

    @staticmethod
    def resolve_duties(obj):
        return list(obj.duties.all())


class GatePostPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    period: Period | None = None
    starts_at: LocalTime | None = None
    ends_at: LocalTime | None = None
    active: bool | None = None


class GatePostIn(Schema):
    school_id: int = SchoolId
    name: str = Field(..., min_length=1, max_length=100)
    period: Period
    starts_at: LocalTime
    ends_at: LocalTime
    active: bool = True


class DutyIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    kind: DutyKind
    weekdays: str = Field("12345", pattern=r"^1?2?3?4?5?6?7?$", min_length=1, max_length=7)


class SignInIn(Schema):
    post_id: int = Field(..., ge=1, le=MAX_ID)
    client_key: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        description="客户端生成的提交编号；重试时重复提交同一编号不会产生重复记录",
    )


class SignInOut(Schema):
    id: int
    post_id: int
    post_name: str = Field(..., alias="post.name")
    on_date: date
    period: Period
    user_id: int
    name: str
    signed_at: datetime


def _post_out(request, post_id):
    return gate_post_list(user=request.auth).get(pk=post_id)


@router.get(
    "/defenses/gate-posts",
    response={200: list[GatePostOut], 403: Error, 404: Error},
    summary="护学岗及排班",
)
@paginate(LimitOffset)
def gate_posts(request, query: Query[SchoolQuery]):
    return _for_school(request, gate_post_list(user=request.auth), query)


@router.post(
    "/defenses/gate-posts",
    response={201: GatePostOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="新增护学岗",
)
def gate_post_create(request, payload: GatePostIn):
    school = _school(request, payload.school_id, "defense.manage")
    post = services.record_save(
        user=request.auth,
        record=GatePost(school=school, **payload.dict(exclude={"school_id"})),
    )
    return Status(201, _post_out(request, post.pk))


@router.patch(
    "/defenses/gate-posts/{post_id}",
    response={200: GatePostOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改或停用护学岗",
)
def gate_post_patch(request, post_id: RecordId, payload: GatePostPatch):
    post = gate_post_get(user=request.auth, post_id=post_id, action="defense.manage")
    for key, value in payload.dict(exclude_unset=True).items():
        if value is None:
            raise HttpError(400, _("字段不能为空值"))
        setattr(post, key, value)
    services.record_save(user=request.auth, record=post)
    return _post_out(request, post.pk)


@router.post(
    "/defenses/gate-posts/{post_id}/duties",
    response={201: DutyOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="护学岗排班：增加在岗人员",
)
def duty_add(request, post_id: RecordId, payload: DutyIn):
    post = gate_post_get(user=request.auth, post_id=post_id, action="defense.manage")
    duty = services.record_save(user=request.auth, record=GatePostDuty(post=post, **payload.dict()))
    return Status(201, duty)


@router.delete(
    "/defenses/gate-post-duties/{duty_id}",
    response={204: None, 403: Error, 404: Error},
    summary="护学岗排班：移除在岗人员",
)
def duty_remove(request, duty_id: RecordId):
    duty = duty_get(user=request.auth, duty_id=duty_id, action="defense.manage")
    services.record_delete(user=request.auth, record=duty)
    return Status(204, None)


@router.get(
    "/defenses/sign-ins",
    response={200: list[SignInOut], 403: Error, 404: Error},
    summary="护学岗签到记录（默认当天）",
)
@paginate(LimitOffset)
def sign_ins(request, query: Query[SchoolQuery], on_date: date | None = None):
    require(request.auth, "defense.view")
    school = _school(request, query.school) if query.school is not None else None
    return sign_in_list(user=request.auth, school=school, on_date=on_date or timezone.localdate())


@router.post(
    "/defenses/sign-ins",
    response={200: SignInOut, 201: SignInOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="护学岗签到（当天；同一提交编号或同一人同岗同日重复签到不重复记录）",
)
def sign_in(request, payload: SignInIn):
    post = gate_post_get(user=request.auth, post_id=payload.post_id)
    record, created = services.gate_post_sign_in(
        user=request.auth, post=post, client_key=payload.client_key
    )
    return Status(201 if created else 200, record)


# --- equipment --------------------------------------------------------------------------------


class EquipmentOut(Schema):
    id: int
    school_id: int
    kind: EquipmentKind
    kind_label: str = Field(..., alias="get_kind_display")
    group: str
    quantity: int
    last_checked_on: date | None
    note: str


class EquipmentIn(Schema):
    school_id: int = SchoolId
    kind: EquipmentKind
    quantity: int = Field(..., ge=0, le=1_000_000)
    last_checked_on: date | None = None
    note: str = Field("", max_length=200)


@router.get(
    "/defenses/equipment",
    response={200: list[EquipmentOut], 403: Error, 404: Error},
    summary="防护器材（安保器械与消防器材）",
)
@paginate(LimitOffset)
def equipment(request, query: Query[SchoolQuery]):
    return _for_school(request, equipment_list(user=request.auth), query)


@router.put(
    "/defenses/equipment",
    response={200: EquipmentOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="登记某校一种器材的数量与检查日期（每校每种一条，重复提交即更新）",
)
def equipment_put(request, payload: EquipmentIn):
    school = _school(request, payload.school_id, "defense.manage")
    return services.equipment_set(
        user=request.auth,
        school=school,
        kind=payload.kind,
        quantity=payload.quantity,
        last_checked_on=payload.last_checked_on,
        note=payload.note,
    )


@router.delete(
    "/defenses/equipment/{equipment_id}",
    response={204: None, 403: Error, 404: Error},
    summary="删除一种器材的记录",
)
def equipment_delete(request, equipment_id: RecordId):
    record = equipment_get(user=request.auth, equipment_id=equipment_id, action="defense.manage")
    services.record_delete(user=request.auth, record=record)
    return Status(204, None)


# --- closure and visitor registration -----------------------------------------------------------


class SecurityIn(Schema):
    closed_management: bool
    entry_registration: bool
    anti_ram_barriers: bool
    perimeter_fence: bool
    gate_house_24h: bool


class SecurityOut(SecurityIn):
    school_id: int
    updated_at: datetime | None = None


@router.get(
    "/defenses/schools/{school_id}/security",
    response={200: SecurityOut, 404: Error},
    summary="学校封闭化管理与周界防护（未填报时各项为 false）",
)
def security(request, school_id: RecordId):
    school = _school(request, school_id)
    record = security_of(school)
    if record is None:
        return {"school_id": school.pk, **dict.fromkeys(SecurityIn.model_fields, False)}
    return record


@router.put(
    "/defenses/schools/{school_id}/security",
    response={200: SecurityOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="填报学校封闭化管理与周界防护",
)
def security_put(request, school_id: RecordId, payload: SecurityIn):
    school = _school(request, school_id, "defense.manage")
    return services.security_set(user=request.auth, school=school, **payload.dict())


class EntryOut(Schema):
    id: int
    school_id: int
    visitor_name: str
    id_last4: str
    reason: str
    host: str
    entered_at: datetime
    left_at: datetime | None


class EntryIn(Schema):
    school_id: int = SchoolId
    visitor_name: str = Field(..., min_length=1, max_length=50)
    id_last4: str = Field(
        ..., pattern=r"^\d{3}[\dXx]$", description="只登记证件号后 4 位（最小必要收集）"
    )
    reason: str = Field(..., min_length=1, max_length=200)
    host: str = Field(..., min_length=1, max_length=100)
    entered_at: DateTimeIn | None = None
    client_key: str | None = Field(None, min_length=8, max_length=64)


@router.get(
    "/defenses/entries",
    response={200: list[EntryOut], 403: Error, 404: Error},
    summary="来访人员出入登记",
)
@paginate(LimitOffset)
def entries(request, query: Query[SchoolQuery]):
    return _for_school(request, entry_list(user=request.auth), query)


@router.post(
    "/defenses/entries",
    response={200: EntryOut, 201: EntryOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="登记来访人员进校（同一提交编号重试不重复）",
)
def entry_create(request, payload: EntryIn):
    school = _school(request, payload.school_id, "visitor.register")
    record, created = services.entry_register(
        user=request.auth,
        school=school,
        **payload.dict(exclude={"school_id"}),
    )
    return Status(201 if created else 200, record)


@router.post(
    "/defenses/entries/{entry_id}/leave",
    response={200: EntryOut, 400: Error, 403: Error, 404: Error},
    summary="登记来访人员离校",
)
def entry_leave(request, entry_id: RecordId):
    entry = entry_get(user=request.auth, entry_id=entry_id, action="visitor.register")
    return services.entry_leave(user=request.auth, entry=entry)
