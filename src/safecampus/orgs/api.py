from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params import functions as param

from safecampus.access.scope import require
from safecampus.core.excel import xlsx_response
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.core.types import ApiRequest

from .choices import Ownership, SchoolType, UnitKind
from .filters import SchoolFilters
from .models import OrgUnit, School
from .selectors import school_get, school_list, unit_get, unit_list
from .services import school_update, schools_export

router = Router(tags=["orgs"])


class UnitOut(Schema):
    id: int
    kind: UnitKind
    name: str
    code: str
    parent_id: int | None
    path: str
    depth: int
    longitude: Decimal | None
    latitude: Decimal | None


class SchoolOut(Schema):
    id: int = Field(..., alias="pk")
    code: str = Field(..., alias="unit.code")
    name: str = Field(..., alias="unit.name")
    parent_id: int = Field(..., alias="unit.parent_id")
    district_id: int | None
    district_name: str | None = None
    school_type: SchoolType
    school_type_label: str = Field(..., alias="get_school_type_display")
    ownership: Ownership
    boarding: bool
    students: int
    boarders: int
    staff: int
    address: str
    longitude: Decimal | None = Field(None, alias="unit.longitude")
    latitude: Decimal | None = Field(None, alias="unit.latitude")
    directly_affiliated: bool = Field(..., alias="is_directly_affiliated")

    @staticmethod
    def resolve_district_name(obj: School) -> str | None:
        return obj.district.name if obj.district is not None else None


class SchoolPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    school_type: SchoolType | None = None
    ownership: Ownership | None = None
    boarding: bool | None = None
    students: int | None = Field(None, ge=0, le=200000)
    boarders: int | None = Field(None, ge=0, le=200000)
    staff: int | None = Field(None, ge=0, le=50000)
    address: str | None = Field(None, max_length=200)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)


@router.get("/orgs", response={200: list[UnitOut], 403: Error}, summary="组织机构（范围内）")
@paginate(LimitOffset)
def org_list(
    request: ApiRequest,
    kind: UnitKind | None = None,
    parent: int | None = param.Query(None, ge=1, le=MAX_ID),
) -> QuerySet[OrgUnit]:
    require(request.auth, "org.view")
    return unit_list(user=request.auth, kind=kind, parent_id=parent)


@router.get(
    "/orgs/{unit_id}", response={200: UnitOut, 403: Error, 404: Error}, summary="组织机构详情"
)
def org_detail(request: ApiRequest, unit_id: RecordId) -> OrgUnit:
    return unit_get(user=request.auth, unit_id=unit_id)


@router.get(
    "/schools", response={200: list[SchoolOut], 403: Error}, summary="学校名录（范围内，可筛选）"
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def school_list_api(request: ApiRequest, filters: Query[SchoolFilters]) -> QuerySet[School]:
    require(request.auth, "org.view")
    return school_list(user=request.auth, filters=filters)


@router.get(
    "/schools/export",
    summary="导出学校名录 Excel（与列表相同的筛选）",
    response={200: None, 403: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "xlsx",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
                },
            }
        }
    },
)
@throttle("export")
def school_export_api(request: ApiRequest, filters: Query[SchoolFilters]) -> HttpResponse:
    require(request.auth, "school.export")
    schools = school_list(user=request.auth, filters=filters, action="school.export")
    return xlsx_response(
        schools_export(user=request.auth, schools=schools),
        f"schools-{timezone.localdate():%Y%m%d}.xlsx",
    )


@router.get(
    "/schools/{school_id}", response={200: SchoolOut, 403: Error, 404: Error}, summary="学校详情"
)
def school_detail_api(request: ApiRequest, school_id: RecordId) -> School:
    return school_get(user=request.auth, school_id=school_id)


@router.patch(
    "/schools/{school_id}",
    response={200: SchoolOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改学校档案",
)
def school_patch_api(request: ApiRequest, school_id: RecordId, payload: SchoolPatch) -> School:
    school = school_get(user=request.auth, school_id=school_id, action="school.change")
    changes = payload.dict(exclude_unset=True)
    if any(v is None for k, v in changes.items() if k not in ("longitude", "latitude", "address")):
        raise HttpError(400, _("字段不能为空值"))
    if "address" in changes and changes["address"] is None:
        changes["address"] = ""
    return school_update(user=request.auth, school=school, **changes)
