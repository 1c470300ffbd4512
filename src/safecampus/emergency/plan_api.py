"""The emergency plans (应急预案) of the JSON API."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit, School

from . import plan_services as services
from .choices import IncidentType
from .plan_selectors import PlanFilters, plan_copies, plan_get, plan_list

router = Router(tags=["emergency"])


class PlanStepOut(Schema):
    text: str
    role: str = ""


class PlanOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    level: str = Field(..., description="city：市级发布的预案；school：学校的预案")
    incident_type: IncidentType
    incident_type_label: str = Field(..., alias="get_incident_type_display")
    title: str
    step_count: int
    version: int
    active: bool
    adopted_from_id: int | None
    updated_at: datetime

    @staticmethod
    def resolve_level(obj):
        return "school" if obj.unit.kind == UnitKind.SCHOOL else "city"

    @staticmethod
    def resolve_step_count(obj):
        return len(obj.steps)


class PlanDetailOut(PlanOut):
    summary: str
    steps: list[PlanStepOut]
    adopted_from_title: str | None = None
    copy_count: int = Field(0, description="采用该预案的学校副本数（调用者范围内；仅市级预案）")

    @staticmethod
    def resolve_steps(obj):
        return [{"text": s.get("text", ""), "role": s.get("role", "")} for s in obj.steps]

    @staticmethod
    def resolve_copy_count(obj):
        return getattr(obj, "copy_count", 0)

    @staticmethod
    def resolve_adopted_from_title(obj):
        return obj.adopted_from.title if obj.adopted_from_id else None


# The limits the service checks (with a Chinese message naming the step) are stated here;
# the schema bounds only the size of a request.
class PlanStepIn(Schema):
    text: str = Field(..., max_length=2000, description="做什么（不超过 300 字）")
    role: str = Field("", max_length=500, description="由谁负责（可选，不超过 50 字）")


class PlanIn(Schema):
    unit_id: int = Field(
        ..., ge=1, le=MAX_ID, description="制定单位：市（市级预案）或学校（本校预案）"
    )
    incident_type: IncidentType
    title: str = Field(..., max_length=1000, description="预案名称（不超过 200 字）")
    summary: str = Field("", max_length=20000, description="适用范围与要点（不超过 5000 字）")
    steps: list[PlanStepIn] = Field(..., max_length=200, description="处置步骤，按顺序，1–40 步")


class PlanPatch(Schema):
    title: str | None = Field(None, max_length=1000, description="预案名称（不超过 200 字）")
    summary: str | None = Field(None, max_length=20000, description="适用范围与要点")
    steps: list[PlanStepIn] | None = Field(None, max_length=200, description="处置步骤，1–40 步")


class AdoptIn(Schema):
    school: int = Field(..., ge=1, le=MAX_ID, description="采用该预案的学校编号")


def _detail(request, plan_id: int):
    plan = plan_get(user=request.auth, plan_id=plan_id)
    plan.copy_count = (
        plan_copies(user=request.auth, plan=plan).count()
        if plan.unit.kind != UnitKind.SCHOOL
        else 0
    )
    return plan


@router.get(
    "/emergency/plans",
    response={200: list[PlanOut], 403: Error},
    summary="应急预案（市级预案与范围内学校的预案，可筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def plans(request, filters: Query[PlanFilters]):
    require(request.auth, "plan.view")
    return plan_list(user=request.auth, filters=filters)


@router.post(
    "/emergency/plans",
    response={201: PlanDetailOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="制定应急预案（市级发布，或学校制定本校预案）",
)
def plan_create(request, payload: PlanIn):
    require(request.auth, "plan.manage")
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "plan.manage", pk=payload.unit_id)
    plan = services.plan_create(
        user=request.auth,
        unit=unit,
        incident_type=payload.incident_type,
        title=payload.title,
        summary=payload.summary,
        steps=[s.dict() for s in payload.steps],
    )
    return Status(201, _detail(request, plan.pk))


@router.get(
    "/emergency/plans/{plan_id}",
    response={200: PlanDetailOut, 403: Error, 404: Error},
    summary="应急预案详情与处置步骤",
)
def plan_detail(request, plan_id: RecordId):
    return _detail(request, plan_id)


STEP = {200: PlanDetailOut, 400: Error, 403: Error, 404: Error, 422: Error}


@router.patch(
    "/emergency/plans/{plan_id}",
    response=STEP,
    summary="修改应急预案（名称、要点、步骤；有改动即升一版）",
)
def plan_patch(request, plan_id: RecordId, payload: PlanPatch):
    plan = plan_get(user=request.auth, plan_id=plan_id)
    # Who may write the plan before what is written (403 before 400, as documented): a caller
    # who may not learns nothing of the fields' rules.
    if not services.plan_manageable(request.auth, plan.unit):
        raise PermissionDenied
    changes = payload.dict(exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None]
    if nulls:
        raise HttpError(400, _("字段不能为空：%(f)s") % {"f": ", ".join(nulls)})
    if "steps" in changes:
        changes["steps"] = [dict(s) for s in changes["steps"]]
    services.plan_update(user=request.auth, plan=plan, **changes)
    return _detail(request, plan_id)


@router.post(
    "/emergency/plans/{plan_id}/adopt",
    response={201: PlanDetailOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="学校采用市级预案（生成本校副本，停用本校原有同类预案）",
)
def plan_adopt(request, plan_id: RecordId, payload: AdoptIn):
    plan = plan_get(user=request.auth, plan_id=plan_id)
    school = scoped_get(
        School.objects.select_related("unit"), request.auth, "plan.manage", pk=payload.school
    )
    copy = services.plan_adopt(user=request.auth, plan=plan, school=school)
    return Status(201, _detail(request, copy.pk))


@router.post("/emergency/plans/{plan_id}/deactivate", response=STEP, summary="停用应急预案")
def plan_deactivate(request, plan_id: RecordId):
    plan = plan_get(user=request.auth, plan_id=plan_id)
    services.plan_deactivate(user=request.auth, plan=plan)
    return _detail(request, plan_id)


@router.post(
    "/emergency/plans/{plan_id}/activate",
    response=STEP,
    summary="启用应急预案（学校的预案启用后，本校原有同类预案停用）",
)
def plan_activate(request, plan_id: RecordId):
    plan = plan_get(user=request.auth, plan_id=plan_id)
    services.plan_activate(user=request.auth, plan=plan)
    return _detail(request, plan_id)
