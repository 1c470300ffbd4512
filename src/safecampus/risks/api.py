from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from safecampus.access.scope import require
from safecampus.core.excel import xlsx_response
from safecampus.core.pagination import LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle

from .choices import CatalogGroup, CheckFrequency, RiskLevel
from .filters import PointFilters
from .models import Aspect
from .selectors import catalog_get, catalog_list, catalog_points
from .services import catalog_export

router = Router(tags=["risks"])


class AspectOut(Schema):
    code: str
    name: str


class CatalogOut(Schema):
    id: int
    school_type: CatalogGroup = Field(
        ..., alias="group", description="适用学校：k12、kindergarten、training、university"
    )
    school_type_label: str = Field(..., alias="get_group_display")
    name: str
    version: str
    source: str
    is_current: bool
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    points: int = Field(..., alias="point_count")
    measures: int = Field(..., alias="measure_count")
    generated_points: int = Field(
        ..., alias="generated_count", description="补充条目（非专家编制清单原文）的风险点数"
    )
    created_at: datetime


class MeasureOut(Schema):
    id: int
    text: str
    department: str
    post: str
    frequency: CheckFrequency
    generated: bool


class PointOut(Schema):
    id: int
    code: str
    aspect: str = Field(..., alias="aspect.code")
    aspect_name: str = Field(..., alias="aspect.name")
    place: str
    name: str
    hazard: str
    accident: str
    level: RiskLevel
    generated: bool
    measures: list[MeasureOut]

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.all())


@router.get("/aspects", response=list[AspectOut], summary="安全工作十六个方面")
def aspects(request):
    return list(Aspect.objects.all())


@router.get(
    "/risk-catalogs",
    response={200: list[CatalogOut], 403: Error},
    summary="风险清单库（各类学校的清单及其风险点、措施数）",
)
@paginate(LimitOffset)
def catalogs(request, current: bool = False):
    require(request.auth, "catalog.view")
    return catalog_list(user=request.auth, current_only=current)


@router.get(
    "/risk-catalogs/{catalog_id}",
    response={200: CatalogOut, 403: Error, 404: Error},
    summary="风险清单详情",
)
def catalog_detail(request, catalog_id: RecordId):
    return (
        catalog_list(user=request.auth)
        .filter(pk=catalog_get(user=request.auth, catalog_id=catalog_id).pk)
        .get()
    )


@router.get(
    "/risk-catalogs/{catalog_id}/points",
    response={200: list[PointOut], 403: Error, 404: Error},
    summary="清单中的风险点及管控措施",
)
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def catalog_point_list(request, catalog_id: RecordId, filters: Query[PointFilters]):
    catalog = catalog_get(user=request.auth, catalog_id=catalog_id)
    return catalog_points(user=request.auth, catalog=catalog, filters=filters)


@router.get(
    "/risk-catalogs/{catalog_id}/export",
    response={200: None, 403: Error, 404: Error},
    summary="导出风险清单 Excel",
    openapi_extra={"responses": {200: {"description": "xlsx"}}},
)
@throttle("export")
def catalog_export_api(request, catalog_id: RecordId):
    catalog = catalog_get(user=request.auth, catalog_id=catalog_id)
    return xlsx_response(
        catalog_export(user=request.auth, catalog=catalog),
        f"risk-catalog-{catalog.group}-{catalog.version}.xlsx",
    )
