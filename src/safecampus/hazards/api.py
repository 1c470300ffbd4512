from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Literal

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.accounts import reauth
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.excel import XLSX_CONTENT_TYPE, xlsx_response
from safecampus.core.pagination import MAX_ID, LimitOffset, Rows
from safecampus.core.schemas import DateTimeIn, Error, RecordId, RowSchema, file_answer
from safecampus.core.texts import Text
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.models import Aspect

from . import services
from .choices import HazardAction, HazardLevel, HazardSource, HazardStatus
from .excel import ledger_bytes
from .filters import HazardFilters
from .models import HazardPhoto
from .selectors import (
    hazard_get,
    hazard_ids,
    hazard_list,
    hazard_rows,
    hazard_stats,
    owner_candidates,
)

router = Router(tags=["hazards"])


class HazardEventOut(Schema):
    at: datetime
    by: str | None = None
    action: HazardAction
    action_label: str = Field(..., alias="get_action_display")
    from_status: str
    to_status: HazardStatus
    note: str

    @staticmethod
    def resolve_by(obj):
        return str(obj.by) if obj.by_id else None


# Read from a model instance (detail, steps) or from a dict of selectors.hazard_rows (the
# list), which names the same fields. (A docstring would change the OpenAPI description.)
class HazardOut(RowSchema):
    id: int
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    district_id: int | None
    aspect: str | None = None
    level: HazardLevel
    source: HazardSource
    place: str
    description: str
    found_at: datetime
    status: HazardStatus
    status_label: str = Field(..., alias="get_status_display")
    owner_id: int | None
    deadline: date | None
    overdue: bool = Field(..., alias="is_overdue")
    plan: str
    measures: str
    money: Decimal | None
    result: str
    closed_at: datetime | None
    supervised_by_id: int | None
    supervision_deadline: date | None

    @staticmethod
    def resolve_aspect(obj):
        return obj.aspect.code if obj.aspect_id else None


class HazardPhotoOut(Schema):
    id: int
    stage: str
    width: int
    height: int
    uploaded_at: datetime
    url: str

    @staticmethod
    def resolve_url(obj):
        return f"/api/v1/hazards/photos/{obj.pk}"


class HazardDetailOut(HazardOut):
    events: list[HazardEventOut]
    photos: list[HazardPhotoOut]

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.select_related("by"))


class StatsOut(Schema):
    found: int
    rectified: int
    rate: float | None = Field(..., description="整改率（%），无隐患时为 null")
    overdue: int
    open: int
    major: int
    major_open: int
    supervised: int


class ReportIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    description: str = Field(..., min_length=1, max_length=1000)
    level: HazardLevel = HazardLevel.GENERAL
    source: HazardSource = HazardSource.REPORT
    place: str = Field("", max_length=100)
    aspect: str | None = Field(None, pattern=r"^\d{2}$")
    found_at: DateTimeIn | None = None
    client_key: str | None = Field(
        None,
        min_length=8,
        max_length=64,
        description="客户端生成的提交编号；重试时重复提交同一编号不会产生重复记录",
    )


class HazardAssignIn(Schema):
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    deadline: date | None = None
    note: str = Field("", max_length=1000)


class StartIn(Schema):
    plan: str = Field(..., min_length=1, max_length=1000)
    measures: str = Field(..., min_length=1, max_length=1000)
    money: Decimal | None = Field(
        None, ge=0, le=Decimal("9999999999"), max_digits=12, decimal_places=2
    )


class HazardSubmitIn(Schema):
    result: str = Field(..., min_length=1, max_length=1000)


class VerifyIn(Schema):
    accept: bool
    note: str = Field("", max_length=1000)


class SuperviseIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    deadline: date
    note: str = Field("", max_length=1000)


@router.get(
    "/hazards", response={200: list[HazardOut], 403: Error}, summary="隐患台账（范围内，可筛选）"
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def hazards(request, filters: Query[HazardFilters]):
    require(request.auth, "hazard.view")
    user = request.auth
    return Rows(
        hazard_ids(user=user, filters=filters),
        read=partial(hazard_rows, user=user),
        # The same figure as the statistics' "found", cached until a hazard changes: a COUNT
        # of a whole city's ledger on every page was the list's largest query.
        count=hazard_stats(user=user, filters=filters)["found"],
    )


@router.get(
    "/hazards/stats",
    response={200: StatsOut, 403: Error},
    summary="隐患统计：发现、整改、整改率、逾期（范围内）",
)
@throttle("search", when=query_given("q"))
def stats(request, filters: Query[HazardFilters]):
    require(request.auth, "hazard.view")
    return hazard_stats(user=request.auth, filters=filters)


@router.get(
    "/hazards/export",
    response={200: None, 403: Error},
    summary="导出隐患台账 Excel（与台账相同的筛选）",
    description=reauth.REAUTH_NOTE,
    openapi_extra=file_answer(XLSX_CONTENT_TYPE),
)
@throttle("export")
def export(request, filters: Query[HazardFilters]):
    require(request.auth, "hazard.view")
    reauth.require_recent(request)  # personal data: the owners' names
    rows = hazard_list(user=request.auth, filters=filters)
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出隐患台账 %(count)s 条"), count=rows.count())
    )
    return xlsx_response(ledger_bytes(rows), f"hazards-{timezone.localdate():%Y%m%d}.xlsx")


@router.post(
    "/hazards",
    response={
        200: HazardDetailOut,
        201: HazardDetailOut,
        400: Error,
        403: Error,
        404: Error,
        422: Error,
    },
    summary="上报隐患（同一提交编号重试不重复）",
)
def report(request, payload: ReportIn):
    school = scoped_get(
        School.objects.select_related("unit", "district"),
        request.auth,
        "hazard.report",
        pk=payload.school_id,
    )
    aspect = Aspect.objects.filter(code=payload.aspect).first() if payload.aspect else None
    hazard, created = services.hazard_report(
        user=request.auth,
        school=school,
        description=payload.description,
        level=payload.level,
        source=payload.source,
        place=payload.place,
        aspect=aspect,
        found_at=payload.found_at,
        client_key=payload.client_key,
    )
    return Status(201 if created else 200, hazard_get(user=request.auth, hazard_id=hazard.pk))


@router.get(
    "/hazards/{hazard_id}",
    response={200: HazardDetailOut, 403: Error, 404: Error},
    summary="隐患详情及处理过程",
)
def detail(request, hazard_id: RecordId):
    return hazard_get(user=request.auth, hazard_id=hazard_id)


def _after(request, hazard_id):
    return hazard_get(user=request.auth, hazard_id=hazard_id)


STEP = {200: HazardDetailOut, 400: Error, 403: Error, 404: Error, 422: Error}


@router.post("/hazards/{hazard_id}/assign", response=STEP, summary="派发整改（指定责任人与期限）")
def assign(request, hazard_id: RecordId, payload: HazardAssignIn):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    owner = owner_candidates(hazard).filter(pk=payload.owner_id).first()
    if owner is None:
        raise Http404
    services.hazard_assign(
        user=request.auth, hazard=hazard, owner=owner, deadline=payload.deadline, note=payload.note
    )
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/start", response=STEP, summary="开始整改（方案、措施、资金）")
def start(request, hazard_id: RecordId, payload: StartIn):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    services.hazard_start(
        user=request.auth,
        hazard=hazard,
        plan=payload.plan,
        measures=payload.measures,
        money=payload.money,
    )
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/submit", response=STEP, summary="提交验收（整改结果）")
def submit(request, hazard_id: RecordId, payload: HazardSubmitIn):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    services.hazard_submit(user=request.auth, hazard=hazard, result=payload.result)
    return _after(request, hazard_id)


@router.post(
    "/hazards/{hazard_id}/verify", response=STEP, summary="验收：通过则销号，不通过退回整改"
)
def verify(request, hazard_id: RecordId, payload: VerifyIn):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    services.hazard_verify(
        user=request.auth, hazard=hazard, accept=payload.accept, note=payload.note
    )
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/supervise", response=STEP, summary="挂牌督办重大隐患")
def supervise(request, hazard_id: RecordId, payload: SuperviseIn):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "hazard.supervise", pk=payload.unit_id)
    services.hazard_supervise(
        user=request.auth, hazard=hazard, unit=unit, deadline=payload.deadline, note=payload.note
    )
    return _after(request, hazard_id)


# Registered after the /{hazard_id} routes: their paths are distinct ("photos/{id}").
@router.post(
    "/hazards/{hazard_id}/photos",
    response={201: HazardPhotoOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="上传隐患照片（重新编码，去除拍摄位置等元数据）",
)
def photo_add(
    request,
    hazard_id: RecordId,
    photo: File[UploadedFile],
    stage: Literal["found", "result"] = Form("found"),
):
    hazard = hazard_get(user=request.auth, hazard_id=hazard_id)
    return Status(
        201, services.hazard_photo_add(user=request.auth, hazard=hazard, upload=photo, stage=stage)
    )


@router.get(
    "/hazards/photos/{photo_id}",
    response={200: None, 403: Error, 404: Error},
    summary="隐患照片（JPEG）",
    openapi_extra=file_answer("image/jpeg"),
)
def photo_get(request, photo_id: RecordId):
    photo = scoped_get(
        HazardPhoto.objects.select_related("hazard"), request.auth, "hazard.view", pk=photo_id
    )
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")
