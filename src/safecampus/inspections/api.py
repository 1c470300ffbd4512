from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, Http404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.accounts.models import User
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId, file_answer
from safecampus.orgs.choices import SchoolType
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.models import RiskCatalog

from . import services
from .models import CampaignKind, InspectionStatus, Outcome
from .selectors import (
    campaign_get,
    campaign_list,
    inspection_get,
    inspection_list,
    inspection_photo_get,
    template_list,
)

router = Router(tags=["inspections"])


class TemplateOut(Schema):
    id: int
    name: str
    unit_id: int
    items: int = Field(..., alias="item_count")


class CampaignOut(Schema):
    id: int
    unit_id: int
    name: str
    kind: CampaignKind
    starts_on: date
    ends_on: date
    template_id: int
    school_types: list[str]
    planned: int
    done: int


class InspectionOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str = Field(..., alias="campaign.name")
    kind: CampaignKind = Field(..., alias="campaign.kind")
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    planned_on: date | None
    status: InspectionStatus
    started_at: datetime | None
    submitted_at: datetime | None
    selection_reason: str
    failed: int


class ItemOut(Schema):
    id: int
    order: int
    text: str
    aspect: str | None = None

    @staticmethod
    def resolve_aspect(obj):
        return obj.aspect.code if obj.aspect_id else None


class ResultOut(Schema):
    item_id: int
    outcome: Outcome
    note: str
    hazard_id: int | None


class InspectionPhotoOut(Schema):
    id: int
    item_id: int
    width: int
    height: int
    uploaded_at: datetime
    url: str

    @staticmethod
    def resolve_url(obj):
        return f"/api/v1/inspections/photos/{obj.pk}"


class InspectionDetailOut(InspectionOut):
    items: list[ItemOut]
    results: list[ResultOut]
    photos: list[InspectionPhotoOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.campaign.template.items.select_related("aspect"))

    @staticmethod
    def resolve_results(obj):
        return list(obj.results.all())

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.order_by("item__order", "uploaded_at", "pk"))


class TemplateIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    catalog_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    aspects: list[str] = Field(default_factory=list, description="方面编号；空为全部")
    limit: int = Field(60, ge=1, le=500)


class CampaignIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    kind: CampaignKind
    starts_on: date
    ends_on: date
    template_id: int = Field(..., ge=1, le=MAX_ID)
    school_types: list[SchoolType] = Field(default_factory=list)


class InspectionPlanIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    team: list[int] = Field(default_factory=list, max_length=20)
    planned_on: date | None = None


class SelectIn(Schema):
    count: int = Field(..., ge=1, le=500)
    seed: int = Field(..., ge=0, le=2**31)
    team: list[int] = Field(default_factory=list, max_length=20)
    planned_on: date | None = None


class ResultIn(Schema):
    item_id: int = Field(..., ge=1, le=MAX_ID)
    outcome: Outcome
    note: str = Field("", max_length=500)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class InspectionSubmitIn(Schema):
    results: list[ResultIn] = Field(..., max_length=500)
    client_key: str | None = Field(
        None, min_length=8, max_length=64, description="重试时重复提交同一编号不会重复记录"
    )


def _team(ids):
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(set(ids)):
        raise Http404
    return users


@router.get("/checklists", response={200: list[TemplateOut], 403: Error}, summary="检查表")
@paginate(LimitOffset)
def checklists(request):
    require(request.auth, "inspection.view")
    return template_list(user=request.auth)


@router.post(
    "/checklists/from-catalog",
    response={201: TemplateOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="由风险清单库生成检查表",
)
def checklist_create(request, payload: TemplateIn):
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "inspection.plan", pk=payload.unit_id)
    catalog = scoped_get(
        RiskCatalog.objects.all(), request.auth, "catalog.view", pk=payload.catalog_id
    )
    template = services.checklist_from_catalog(
        user=request.auth,
        unit=unit,
        catalog=catalog,
        name=payload.name,
        aspects=payload.aspects,
        limit=payload.limit,
    )
    return Status(201, template_list(user=request.auth).get(pk=template.pk))


@router.get(
    "/campaigns", response={200: list[CampaignOut], 403: Error}, summary="检查行动（组织方可见）"
)
@paginate(LimitOffset)
def campaigns(request):
    require(request.auth, "inspection.view")
    return campaign_list(user=request.auth)


@router.post(
    "/campaigns",
    response={201: CampaignOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="创建检查行动",
)
def campaign_create(request, payload: CampaignIn):
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "inspection.plan", pk=payload.unit_id)
    template = template_list(user=request.auth).filter(pk=payload.template_id).first()
    if template is None:
        raise Http404
    data = payload.dict(exclude={"unit_id", "template_id"})
    campaign = services.campaign_create(user=request.auth, unit=unit, template=template, **data)
    return Status(201, campaign_list(user=request.auth).get(pk=campaign.pk))


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, 403: Error, 404: Error},
    summary="检查行动详情",
)
def campaign_detail(request, campaign_id: RecordId):
    campaign_get(user=request.auth, campaign_id=campaign_id)
    return campaign_list(user=request.auth).get(pk=campaign_id)


@router.post(
    "/campaigns/{campaign_id}/inspections",
    response={201: InspectionOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="把一所学校列入检查名单",
)
def plan(request, campaign_id: RecordId, payload: InspectionPlanIn):
    campaign = campaign_get(user=request.auth, campaign_id=campaign_id, action="inspection.plan")
    school = scoped_get(
        School.objects.select_related("unit"), request.auth, "inspection.plan", pk=payload.school_id
    )
    inspection = services.inspection_plan(
        user=request.auth,
        campaign=campaign,
        school=school,
        team=_team(payload.team),
        planned_on=payload.planned_on,
    )
    return Status(201, inspection_list(user=request.auth).get(pk=inspection.pk))


@router.post(
    "/campaigns/{campaign_id}/select",
    response={201: list[InspectionOut], 400: Error, 403: Error, 404: Error, 422: Error},
    summary="按风险加权随机抽取受检学校（同一种子结果相同）",
)
def select(request, campaign_id: RecordId, payload: SelectIn):
    campaign = campaign_get(user=request.auth, campaign_id=campaign_id, action="inspection.plan")
    planned = services.spot_check_select(
        user=request.auth,
        campaign=campaign,
        count=payload.count,
        seed=payload.seed,
        team=_team(payload.team),
        planned_on=payload.planned_on,
    )
    return Status(
        201, list(inspection_list(user=request.auth).filter(pk__in=[i.pk for i in planned]))
    )


@router.get(
    "/inspections",
    response={200: list[InspectionOut], 403: Error},
    summary="检查（范围内；未开始的抽查对受检方不可见）",
)
@paginate(LimitOffset)
def inspections(request, campaign: int | None = Query(None, ge=1, le=MAX_ID)):
    require(request.auth, "inspection.view")
    qs = inspection_list(user=request.auth)
    return qs.filter(campaign_id=campaign) if campaign else qs


@router.get(
    "/inspections/{inspection_id}",
    response={200: InspectionDetailOut, 403: Error, 404: Error},
    summary="检查详情：检查项与结果",
)
def inspection_detail(request, inspection_id: RecordId):
    inspection_get(user=request.auth, inspection_id=inspection_id)
    return (
        inspection_list(user=request.auth)
        .select_related("campaign__template")
        .get(pk=inspection_id)
    )


@router.post(
    "/inspections/{inspection_id}/start",
    response={200: InspectionDetailOut, 403: Error, 404: Error},
    summary="到达现场，开始检查",
)
def start(request, inspection_id: RecordId):
    services.inspection_start(
        user=request.auth, inspection=inspection_get(user=request.auth, inspection_id=inspection_id)
    )
    return (
        inspection_list(user=request.auth)
        .select_related("campaign__template")
        .get(pk=inspection_id)
    )


@router.post(
    "/inspections/{inspection_id}/submit",
    response={
        200: InspectionDetailOut,
        201: InspectionDetailOut,
        400: Error,
        403: Error,
        404: Error,
        422: Error,
    },
    summary="提交检查结果（不合格项自动上报隐患；同一提交编号重试不重复）",
)
def submit(request, inspection_id: RecordId, payload: InspectionSubmitIn):
    inspection = inspection_get(user=request.auth, inspection_id=inspection_id)
    _done, created = services.inspection_submit(
        user=request.auth,
        inspection=inspection,
        results=[r.dict() for r in payload.results],
        client_key=payload.client_key,
    )
    detail = (
        inspection_list(user=request.auth)
        .select_related("campaign__template")
        .get(pk=inspection_id)
    )
    return Status(201 if created else 200, detail)


# Registered after the /inspections/{inspection_id} routes: their paths are distinct
# ("photos/{photo_id}").
@router.post(
    "/inspections/{inspection_id}/photos",
    response={
        200: InspectionPhotoOut,
        201: InspectionPhotoOut,
        400: Error,
        403: Error,
        404: Error,
        422: Error,
    },
    summary="上传检查项照片（检查中；重新编码并去除元数据；同一文件重传只保存一次）",
)
def photo_add(
    request,
    inspection_id: RecordId,
    photo: File[UploadedFile],
    item_id: int = Form(..., ge=1, le=MAX_ID, description="检查项编号"),
):
    inspection = inspection_get(user=request.auth, inspection_id=inspection_id)
    stored, created = services.inspection_photo_add(
        user=request.auth, inspection=inspection, item_id=item_id, upload=photo
    )
    return Status(201 if created else 200, stored)


@router.get(
    "/inspections/photos/{photo_id}",
    response={200: None, 403: Error, 404: Error},
    summary="检查照片（JPEG）",
    openapi_extra=file_answer("image/jpeg"),
)
def photo_get(request, photo_id: RecordId):
    photo = inspection_photo_get(user=request.auth, photo_id=photo_id)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@router.delete(
    "/inspections/photos/{photo_id}",
    response={204: None, 400: Error, 403: Error, 404: Error},
    summary="删除检查照片（仅检查中）",
)
def photo_remove(request, photo_id: RecordId):
    photo = inspection_photo_get(user=request.auth, photo_id=photo_id)
    services.inspection_photo_remove(user=request.auth, photo=photo)
    return Status(204, None)
