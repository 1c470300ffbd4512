"""The patrols API: check points (managed by the school), scans (a guard's phone), and the
daily completeness of a school and of a district or city."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from safecampus.access.scope import can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import DateTimeIn, Error, RecordId, file_answer
from safecampus.core.throttle import throttle
from safecampus.hazards.choices import HazardLevel
from safecampus.orgs.selectors import school_get

from . import services
from .qr import qr_svg, scan_url
from .selectors import (
    checkpoint_for_scan,
    checkpoint_get,
    checkpoint_list,
    patrol_rollup,
    school_day,
    visit_list,
)

router = Router(tags=["patrols"])

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
Token = Annotated[str, Path(..., pattern=TOKEN_PATTERN, description="二维码中的巡查点令牌")]


class CheckPointOut(Schema):
    id: int
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    name: str
    place: str
    is_key_area: bool
    active: bool
    created_at: datetime
    scan_url: str | None = Field(
        None, description="二维码内容（扫码页面地址）；仅对可维护巡查点的用户返回"
    )

    @staticmethod
    def resolve_scan_url(obj, context):
        request = context["request"]
        if can(request.auth, "patrol.manage", obj.school.unit):
            return scan_url(obj, request)
        return None


class CheckPointIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=60)
    place: str = Field("", max_length=200)
    is_key_area: bool = False


class CheckPointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    place: str | None = Field(None, max_length=200)
    is_key_area: bool | None = None
    active: bool | None = None


class VisitOut(Schema):
    id: int
    check_point_id: int
    check_point_name: str = Field(..., alias="check_point.name")
    school_id: int = Field(..., alias="check_point.school_id")
    user_id: int
    user_name: str
    visited_at: datetime
    day: date
    note: str
    hazard_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None

    @staticmethod
    def resolve_user_name(obj):
        return obj.user.full_name or obj.user.username


class HazardIn(Schema):
    description: str = Field(..., min_length=1, max_length=1000)
    level: HazardLevel = HazardLevel.GENERAL


class ScanIn(Schema):
    token: str = Field(..., pattern=TOKEN_PATTERN, description="二维码中的巡查点令牌")
    client_key: str = Field(
        ...,
        min_length=8,
        max_length=64,
        description="客户端生成的提交编号；重试时重复提交同一编号不会产生重复记录",
    )
    note: str = Field("", max_length=500)
    visited_at: DateTimeIn | None = Field(
        None, description="离线补传时的巡查时间（24 小时以内）；缺省为现在"
    )
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=12, decimal_places=8)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=12, decimal_places=8)
    hazard: HazardIn | None = Field(
        None,
        description="发现的隐患：按“巡查发现”上报到整改清单；照片用 POST /hazards/{id}/photos 上传",
    )


class ScanPointOut(CheckPointOut):
    today_visits: int
    required: int | None = Field(..., description="重点部位每日巡查次数要求；非重点部位为 null")


class RecordOut(Schema):
    id: int
    user_name: str
    visited_at: datetime
    note: str
    hazard_id: int | None

    @staticmethod
    def resolve_user_name(obj):
        return obj.user.full_name or obj.user.username


class PointDayOut(Schema):
    check_point_id: int
    name: str
    place: str
    is_key_area: bool
    active: bool
    required: int | None
    visits: int
    done: bool
    counted: bool = Field(..., description="是否计入当日是否达标（启用且当日已设立的重点部位）")
    records: list[RecordOut]


class SchoolDayOut(Schema):
    school_id: int
    school_name: str
    date: date
    complete: bool | None = Field(..., description="当日是否达标；未设重点部位时为 null")
    required: int
    rule_set_id: int
    explanation: str
    key_areas: int
    key_areas_done: int
    points: list[PointDayOut]


class PatrolRollupRowOut(Schema):
    district_id: int = Field(..., description="区市编号；0 为市直属")
    name: str
    schools: int
    complete: int
    missing: int
    rate: float | None


class MissingOut(Schema):
    school_id: int
    name: str
    district_id: int | None
    required: int
    key_areas: int
    key_areas_done: int


class PatrolRollupOut(Schema):
    date: date
    schools: int = Field(..., description="设有启用的重点部位巡查点的学校")
    complete: int
    rate: float | None = Field(..., description="达标率（%），截断到两位小数")
    districts: list[PatrolRollupRowOut]
    missing_schools: list[MissingOut]


class DayQuery(Schema):
    day: date | None = Field(None, alias="date", description="日期 YYYY-MM-DD；缺省为今天")


class VisitQuery(DayQuery):
    school: int | None = Field(None, ge=1, le=MAX_ID)
    check_point: int | None = Field(None, ge=1, le=MAX_ID)


class RollupQuery(Schema):
    day: date | None = Field(None, alias="date", description="日期 YYYY-MM-DD；缺省为昨天")
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="未达标学校只列此区市的；0 为市直属"
    )


def _day(value: date | None, default: date | None = None) -> date:
    today = timezone.localdate()
    if value is None:
        return default or today
    if value > today:
        raise BusinessRuleError(_("不能查看未来的日期"))
    return value


@router.get(
    "/patrols/check-points",
    response={200: list[CheckPointOut], 403: Error},
    summary="巡查点（范围内）",
)
@paginate(LimitOffset)
def check_points(
    request,
    school: int | None = Query(None, ge=1, le=MAX_ID),
    active: bool | None = None,
):
    require(request.auth, "patrol.view")
    qs = checkpoint_list(user=request.auth)
    if school is not None:
        qs = qs.filter(school_id=school)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("school__unit__path", "-is_key_area", "name", "pk")


@router.post(
    "/patrols/check-points",
    response={201: CheckPointOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="添加巡查点（校长、分管安全负责人）",
)
def check_point_create(request, payload: CheckPointIn):
    school = school_get(user=request.auth, school_id=payload.school_id, action="patrol.manage")
    point = services.checkpoint_create(
        user=request.auth,
        school=school,
        name=payload.name,
        place=payload.place,
        is_key_area=payload.is_key_area,
    )
    return Status(201, checkpoint_get(user=request.auth, check_point_id=point.pk))


@router.get(
    "/patrols/check-points/{point_id}",
    response={200: CheckPointOut, 404: Error},
    summary="巡查点详情",
)
def check_point_detail(request, point_id: RecordId):
    return checkpoint_get(user=request.auth, check_point_id=point_id)


@router.patch(
    "/patrols/check-points/{point_id}",
    response={200: CheckPointOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改、停用或启用巡查点",
)
def check_point_update(request, point_id: RecordId, payload: CheckPointPatch):
    point = checkpoint_get(user=request.auth, check_point_id=point_id, action="patrol.manage")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.checkpoint_update(user=request.auth, check_point=point, **changes)
    return checkpoint_get(user=request.auth, check_point_id=point_id)


@router.post(
    "/patrols/check-points/{point_id}/renew-token",
    response={200: CheckPointOut, 403: Error, 404: Error},
    summary="更换二维码（旧二维码立即作废）",
)
def check_point_renew(request, point_id: RecordId):
    point = checkpoint_get(user=request.auth, check_point_id=point_id, action="patrol.manage")
    services.checkpoint_token_renew(user=request.auth, check_point=point)
    return checkpoint_get(user=request.auth, check_point_id=point_id)


@router.get(
    "/patrols/check-points/{point_id}/qr.svg",
    response={200: None, 403: Error, 404: Error},
    summary="巡查点二维码（SVG）",
    openapi_extra=file_answer("image/svg+xml"),
)
@throttle("export")
def check_point_qr(request, point_id: RecordId):
    point = checkpoint_get(user=request.auth, check_point_id=point_id, action="patrol.manage")
    svg = '<?xml version="1.0" encoding="utf-8"?>\n' + qr_svg(scan_url(point, request), scale=8)
    return HttpResponse(svg, content_type="image/svg+xml")


@router.get(
    "/patrols/scan/{token}",
    response={200: ScanPointOut, 403: Error, 404: Error, 422: Error},
    summary="扫码：二维码对应的巡查点及今日巡查次数",
)
def scan_point(request, token: Token):
    point = checkpoint_for_scan(user=request.auth, token=token)
    report = school_day(user=request.auth, school=point.school, day=timezone.localdate())
    mine = next((p for p in report.points if p.check_point.pk == point.pk), None)
    point.today_visits = mine.count if mine else 0
    point.required = report.required if point.is_key_area else None
    return point


@router.post(
    "/patrols/scan",
    response={200: VisitOut, 201: VisitOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="扫码记录巡查（可同时上报隐患；同一提交编号重试不重复）",
)
def scan(request, payload: ScanIn):
    point = checkpoint_for_scan(user=request.auth, token=payload.token)
    visit, created = services.patrol_record(
        user=request.auth,
        check_point=point,
        client_key=payload.client_key,
        note=payload.note,
        visited_at=payload.visited_at,
        latitude=payload.latitude,
        longitude=payload.longitude,
        hazard_description=payload.hazard.description if payload.hazard else "",
        hazard_level=payload.hazard.level if payload.hazard else HazardLevel.GENERAL,
    )
    return Status(201 if created else 200, visit_list(user=request.auth).get(pk=visit.pk))


@router.get(
    "/patrols/visits",
    response={200: list[VisitOut], 400: Error, 403: Error},
    summary="巡查记录（范围内，可按学校、日期、巡查点筛选）",
)
@paginate(LimitOffset)
def visits(request, filters: Query[VisitQuery]):
    require(request.auth, "patrol.view")
    qs = visit_list(user=request.auth)
    if filters.school is not None:
        qs = qs.filter(check_point__school_id=filters.school)
    if filters.check_point is not None:
        qs = qs.filter(check_point_id=filters.check_point)
    if filters.day is not None:
        qs = qs.filter(day=filters.day)
    return qs


@router.get(
    "/patrols/schools/{school_id}/day",
    response={200: SchoolDayOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="学校某日巡查完成情况（按适用的巡查规则集）",
)
def school_day_report(request, school_id: RecordId, query: Query[DayQuery]):
    school = school_get(user=request.auth, school_id=school_id, action="patrol.view")
    report = school_day(user=request.auth, school=school, day=_day(query.day))
    return {
        "school_id": school.pk,
        "school_name": school.unit.name,
        "date": report.day,
        "complete": report.complete,
        "required": report.required,
        "rule_set_id": report.rule.rule_set.pk,
        "explanation": report.explanation,
        "key_areas": len(report.key_areas),
        "key_areas_done": report.key_areas_done,
        "points": [
            {
                "check_point_id": p.check_point.pk,
                "name": p.check_point.name,
                "place": p.check_point.place,
                "is_key_area": p.check_point.is_key_area,
                "active": p.check_point.active,
                "required": p.required,
                "visits": p.count,
                "done": p.done,
                "counted": p.counted,
                "records": p.visits,
            }
            for p in report.points
        ],
    }


@router.get(
    "/patrols/completeness",
    response={200: PatrolRollupOut, 400: Error, 403: Error, 422: Error},
    summary="某日巡查达标情况：学校数、达标数、达标率，分区市；未达标学校（可按区市筛选，0 为市直属）",
)
def completeness(request, query: Query[RollupQuery]):
    require(request.auth, "patrol.view")
    # The last whole day by default: today's rounds are still being walked.
    yesterday = timezone.localdate() - timedelta(days=1)
    rollup = patrol_rollup(user=request.auth, day=_day(query.day, default=yesterday))
    return {
        "date": rollup.day,
        "schools": rollup.schools,
        "complete": rollup.complete,
        "rate": rollup.rate,
        "districts": rollup.rows,
        "missing_schools": rollup.missing(query.district),
    }
