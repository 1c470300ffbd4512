"""/api/v1/buildings… and /api/v1/remediation-projects…: the same selectors and services as
the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from safecampus.access.scope import require, scoped_get
from safecampus.core.excel import xlsx_response
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.models import School

from . import services
from .choices import (
    BuildingUse,
    FireStatus,
    ProjectAction,
    ProjectStatus,
    RemediationKind,
    SeismicStatus,
    Structure,
)
from .filters import BuildingFilters, ProjectFilters, RemediationFilters
from .selectors import (
    building_get,
    building_list,
    project_buildings,
    project_events,
    project_get,
    project_list,
    project_stats,
    remediation_rollup,
    remediation_rollup_by,
    rollup_row,
)

router = Router(tags=["buildings"])

Area = Field(..., gt=0, le=Decimal("1000000"), max_digits=10, decimal_places=2)
Budget = Field(..., ge=0, lt=Decimal("1000000000000"), max_digits=14, decimal_places=2)
BuildingId = Annotated[int, Field(ge=1, le=MAX_ID)]
ClientKey = Field(
    None,
    min_length=8,
    max_length=64,
    description="客户端生成的提交编号；重试时重复提交同一编号不会产生重复记录",
)


class BuildingOut(Schema):
    id: int
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    district_id: int | None = Field(..., alias="school.district_id")
    name: str
    use: BuildingUse
    use_label: str = Field(..., alias="get_use_display")
    structure: Structure
    structure_label: str = Field(..., alias="get_structure_display")
    storeys: int
    floor_area_m2: Decimal
    year_built: int
    seismic_status: SeismicStatus
    seismic_status_label: str = Field(..., alias="get_seismic_status_display")
    fire_status: FireStatus
    fire_status_label: str = Field(..., alias="get_fire_status_display")
    needs_remediation: bool
    note: str


class BuildingIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    use: BuildingUse
    structure: Structure
    storeys: int = Field(..., ge=1, le=services.MAX_STOREYS)
    floor_area_m2: Decimal = Area
    year_built: int = Field(..., ge=services.EARLIEST_YEAR, le=2100)
    seismic_status: SeismicStatus = SeismicStatus.COMPLIANT
    fire_status: FireStatus = FireStatus.COMPLIANT
    note: str = Field("", max_length=500)


class BuildingPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    use: BuildingUse | None = None
    structure: Structure | None = None
    storeys: int | None = Field(None, ge=1, le=services.MAX_STOREYS)
    floor_area_m2: Decimal | None = Field(
        None, gt=0, le=Decimal("1000000"), max_digits=10, decimal_places=2
    )
    year_built: int | None = Field(None, ge=services.EARLIEST_YEAR, le=2100)
    seismic_status: SeismicStatus | None = None
    fire_status: FireStatus | None = None
    note: str | None = Field(None, max_length=500)


class ProjectEventOut(Schema):
    at: datetime
    on: date
    by: str | None = None
    action: ProjectAction
    action_label: str = Field(..., alias="get_action_display")
    from_status: str
    to_status: ProjectStatus
    progress: int | None
    note: str

    @staticmethod
    def resolve_by(obj):
        return str(obj.by) if obj.by_id else None


class ProjectOut(Schema):
    id: int
    school_id: int
    school_name: str = Field(..., alias="school.unit.name")
    district_id: int | None = Field(..., alias="school.district_id")
    name: str
    kind: RemediationKind
    kind_label: str = Field(..., alias="get_kind_display")
    status: ProjectStatus
    status_label: str = Field(..., alias="get_status_display")
    plan: str
    budget_yuan: Decimal = Field(..., description="预算，单位：元")
    planned_start: date
    planned_end: date
    actual_start: date | None
    actual_end: date | None
    progress: int = Field(..., description="进度（%）")
    acceptance_on: date | None
    acceptance_by: str | None = None
    acceptance_unit: str | None = None
    acceptance_passed: bool | None
    acceptance_note: str

    @staticmethod
    def resolve_acceptance_by(obj):
        return str(obj.acceptance_by) if obj.acceptance_by_id else None

    @staticmethod
    def resolve_acceptance_unit(obj):
        return obj.acceptance_unit.name if obj.acceptance_unit_id else None


class ProjectDetailOut(ProjectOut):
    buildings: list[BuildingOut]
    events: list[ProjectEventOut]

    @staticmethod
    def resolve_buildings(obj):
        return list(project_buildings(obj).select_related("school__unit", "school__district"))

    @staticmethod
    def resolve_events(obj):
        return list(project_events(obj))


class ProjectIn(Schema):
    school_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=200)
    kind: RemediationKind
    building_ids: list[BuildingId] = Field(..., min_length=1, max_length=500)
    plan: str = Field(..., min_length=1, max_length=4000)
    budget_yuan: Decimal = Budget
    planned_start: date
    planned_end: date
    client_key: str | None = ClientKey


class ProjectPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: RemediationKind | None = None
    building_ids: list[BuildingId] | None = Field(None, min_length=1, max_length=500)
    plan: str | None = Field(None, min_length=1, max_length=4000)
    budget_yuan: Decimal | None = Field(
        None, ge=0, lt=Decimal("1000000000000"), max_digits=14, decimal_places=2
    )
    planned_start: date | None = None
    planned_end: date | None = None


class ProjectStepIn(Schema):
    on: date | None = Field(None, description="日期（默认今天）")
    note: str = Field("", max_length=1000)


class ProgressIn(ProjectStepIn):
    percent: int = Field(..., ge=0, le=100)
    client_key: str | None = ClientKey


class AcceptIn(ProjectStepIn):
    passed: bool = Field(..., description="验收通过为 true；不通过须填写 note（原因）")


class ProjectStatsOut(Schema):
    planned: int
    in_progress: int
    awaiting_acceptance: int
    rejected: int
    accepted: int
    accepted_budget_yuan: float


class RemediationRollupRowOut(Schema):
    key: int | None = Field(..., description="区市或学校编号；null 表示市直属")
    name: str | None
    schools: int
    buildings: int
    floor_area_m2: float
    schools_total: int
    buildings_total: int
    floor_area_total_m2: float
    needing_remediation: int


class RemediationRollupOut(Schema):
    schools: int = Field(..., description="已完成消防抗震整改（项目验收通过）的学校数")
    buildings: int = Field(..., description="已完成整改的楼栋数")
    floor_area_m2: float = Field(..., description="已完成整改的建筑面积（m²）")
    schools_total: int
    buildings_total: int
    floor_area_total_m2: float
    needing_remediation: int = Field(..., description="目前仍需整改的楼栋数")
    until: date | None = Field(..., description="统计截至的验收日期（含）；null 表示全部")
    projects: ProjectStatsOut
    group: Literal["district", "school"]
    rows: list[RemediationRollupRowOut]


def _refuse_nulls(patch: Schema) -> dict:
    changes = patch.dict(exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None]
    if nulls:
        raise HttpError(400, _("字段不能为空：%(f)s") % {"f": ", ".join(nulls)})
    return changes


def _school(request, school_id: int, action: str) -> School:
    return scoped_get(
        School.objects.select_related("unit", "district"), request.auth, action, pk=school_id
    )


def _buildings(request, ids: list[int]):
    found = list(building_list(user=request.auth, action="building.view").filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404
    return found


# --- buildings ------------------------------------------------------------------------------


@router.get(
    "/buildings",
    response={200: list[BuildingOut], 403: Error},
    summary="校舍台账（范围内，可筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def buildings(request, filters: Query[BuildingFilters]):
    require(request.auth, "building.view")
    return building_list(user=request.auth, filters=filters)


@router.get(
    "/buildings/remediation",
    response={200: RemediationRollupOut, 403: Error},
    summary="消防抗震整改汇总：已整改学校数、楼栋数、建筑面积（范围内）",
)
def remediation(
    request,
    filters: Query[RemediationFilters],
    group: Literal["district", "school"] = "district",
):
    require(request.auth, "building.view")
    totals = remediation_rollup(user=request.auth, filters=filters)
    rows = remediation_rollup_by(user=request.auth, filters=filters, group=group)
    return {
        **totals,
        "until": filters.until(),
        "projects": project_stats(user=request.auth, filters=filters),
        "group": group,
        "rows": [rollup_row(r, group) for r in rows],
    }


@router.get(
    "/buildings/export",
    response={200: None, 403: Error},
    summary="导出校舍台账 Excel（与台账相同的筛选；可作为导入模板）",
    openapi_extra={"responses": {200: {"description": "xlsx"}}},
)
@throttle("export")
def export(request, filters: Query[BuildingFilters]):
    require(request.auth, "building.view")
    rows = building_list(user=request.auth, filters=filters)
    return xlsx_response(
        services.buildings_export(user=request.auth, buildings=rows),
        f"buildings-{timezone.localdate():%Y%m%d}.xlsx",
    )


@router.post(
    "/buildings",
    response={201: BuildingOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="新增楼栋",
)
def building_create(request, payload: BuildingIn):
    data = payload.dict()
    school = _school(request, data.pop("school_id"), "building.manage")
    building = services.building_create(user=request.auth, school=school, **data)
    return Status(201, building_get(user=request.auth, building_id=building.pk))


@router.get(
    "/buildings/{building_id}",
    response={200: BuildingOut, 404: Error},
    summary="楼栋详情",
)
def building_detail(request, building_id: RecordId):
    return building_get(user=request.auth, building_id=building_id)


@router.patch(
    "/buildings/{building_id}",
    response={200: BuildingOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改楼栋",
)
def building_patch(request, building_id: RecordId, payload: BuildingPatch):
    building = building_get(user=request.auth, building_id=building_id, action="building.manage")
    services.building_update(user=request.auth, building=building, **_refuse_nulls(payload))
    return building_get(user=request.auth, building_id=building_id)


@router.delete(
    "/buildings/{building_id}",
    response={204: None, 400: Error, 403: Error, 404: Error},
    summary="删除误录的楼栋（已列入整改项目的不能删除）",
)
def building_delete(request, building_id: RecordId):
    building = building_get(user=request.auth, building_id=building_id, action="building.manage")
    services.building_delete(user=request.auth, building=building)
    return Status(204, None)


# --- remediation projects -------------------------------------------------------------------


@router.get(
    "/remediation-projects",
    response={200: list[ProjectOut], 403: Error},
    summary="消防抗震整改项目（范围内，可筛选）",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def projects(request, filters: Query[ProjectFilters]):
    require(request.auth, "building.view")
    return project_list(user=request.auth, filters=filters).select_related(
        "acceptance_by", "acceptance_unit"
    )


@router.post(
    "/remediation-projects",
    response={
        200: ProjectDetailOut,
        201: ProjectDetailOut,
        400: Error,
        403: Error,
        404: Error,
        422: Error,
    },
    summary="新建整改项目（楼栋须属于该校；同一提交编号重试不重复）",
)
def project_create(request, payload: ProjectIn):
    school = _school(request, payload.school_id, "building.manage")
    project, created = services.project_create(
        user=request.auth,
        school=school,
        name=payload.name,
        kind=payload.kind,
        buildings=_buildings(request, payload.building_ids),
        plan=payload.plan,
        budget_yuan=payload.budget_yuan,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        client_key=payload.client_key,
    )
    return Status(201 if created else 200, project_get(user=request.auth, project_id=project.pk))


@router.get(
    "/remediation-projects/{project_id}",
    response={200: ProjectDetailOut, 404: Error},
    summary="整改项目详情、涉及楼栋与进度时间线",
)
def project_detail(request, project_id: RecordId):
    return project_get(user=request.auth, project_id=project_id)


STEP = {200: ProjectDetailOut, 400: Error, 403: Error, 404: Error, 422: Error}


@router.patch("/remediation-projects/{project_id}", response=STEP, summary="修改整改项目（验收前）")
def project_patch(request, project_id: RecordId, payload: ProjectPatch):
    project = project_get(user=request.auth, project_id=project_id, action="building.manage")
    changes = _refuse_nulls(payload)
    ids = changes.pop("building_ids", None)
    services.project_update(
        user=request.auth,
        project=project,
        buildings=_buildings(request, ids) if ids is not None else None,
        **changes,
    )
    return project_get(user=request.auth, project_id=project_id)


@router.post("/remediation-projects/{project_id}/start", response=STEP, summary="开工")
def project_start(request, project_id: RecordId, payload: ProjectStepIn):
    project = project_get(user=request.auth, project_id=project_id, action="building.manage")
    services.project_start(user=request.auth, project=project, on=payload.on, note=payload.note)
    return project_get(user=request.auth, project_id=project_id)


@router.post(
    "/remediation-projects/{project_id}/progress",
    response={**STEP, 201: ProjectDetailOut},
    summary="填报进度（带日期；同一提交编号重试只记录一次）",
)
def project_progress(request, project_id: RecordId, payload: ProgressIn):
    project = project_get(user=request.auth, project_id=project_id, action="building.manage")
    _project, created = services.project_progress(
        user=request.auth,
        project=project,
        percent=payload.percent,
        on=payload.on,
        note=payload.note,
        client_key=payload.client_key,
    )
    return Status(201 if created else 200, project_get(user=request.auth, project_id=project_id))


@router.post("/remediation-projects/{project_id}/submit", response=STEP, summary="竣工，申请验收")
def project_submit(request, project_id: RecordId, payload: ProjectStepIn):
    project = project_get(user=request.auth, project_id=project_id, action="building.manage")
    services.project_submit(user=request.auth, project=project, on=payload.on, note=payload.note)
    return project_get(user=request.auth, project_id=project_id)


@router.post(
    "/remediation-projects/{project_id}/accept",
    response=STEP,
    summary="验收（区市或市）：通过则楼栋计为已整改，不通过退回学校",
)
def project_accept(request, project_id: RecordId, payload: AcceptIn):
    project = project_get(user=request.auth, project_id=project_id, action="remediation.accept")
    services.project_accept(
        user=request.auth,
        project=project,
        passed=payload.passed,
        on=payload.on,
        note=payload.note,
    )
    return project_get(user=request.auth, project_id=project_id)


@router.post(
    "/remediation-projects/{project_id}/resume", response=STEP, summary="验收不通过后返工整改"
)
def project_resume(request, project_id: RecordId, payload: ProjectStepIn):
    project = project_get(user=request.auth, project_id=project_id, action="building.manage")
    services.project_resume(user=request.auth, project=project, note=payload.note)
    return project_get(user=request.auth, project_id=project_id)
