"""API of a school's three lists (the same services as the pages)."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from safecampus.access.scope import scoped_get
from safecampus.accounts.types import ApiRequest
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.hazards.choices import HazardLevel
from safecampus.orgs.selectors import school_get
from safecampus.risks.choices import CheckFrequency, RiskLevel
from safecampus.risks.models import Aspect

from . import selectors, services
from .models import MeasureCheck, ResponsibilityItem, SchoolRiskPoint

if TYPE_CHECKING:
    from .selectors import CheckedItem

router = Router(tags=["three lists"])


class SchoolRiskPointOut(Schema):
    id: int
    code: str
    aspect: str = Field(..., alias="aspect.code")
    place: str
    name: str
    hazard: str
    accident: str
    level: RiskLevel
    likelihood: int | None
    severity: int | None
    assessed_at: datetime | None
    catalog_point_id: int | None


class ResponsibilityOut(Schema):
    id: int
    risk_point_id: int
    risk_point_code: str = Field(..., alias="risk_point.code")
    text: str
    department: str
    post: str
    person_id: int | None
    frequency: CheckFrequency
    last_checked_at: datetime | None
    due: bool

    @staticmethod
    def resolve_due(obj: "CheckedItem") -> bool:
        return selectors.is_due(obj)


class RiskPointIn(Schema):
    aspect: str = Field(..., pattern=r"^\d{2}$")
    code: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,32}$")
    place: str = Field(..., min_length=1, max_length=100)
    name: str = Field(..., min_length=1, max_length=200)
    hazard: str = Field(..., min_length=1, max_length=500)
    accident: str = Field(..., min_length=1, max_length=200)
    level: RiskLevel


class AssessIn(Schema):
    likelihood: int = Field(..., ge=1, le=10)
    severity: int = Field(..., ge=1, le=10)


class ResponsibilityAssignIn(Schema):
    department: str = Field(..., min_length=1, max_length=50)
    post: str = Field(..., min_length=1, max_length=50)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    frequency: CheckFrequency


class CheckIn(Schema):
    passed: bool
    note: str = Field("", max_length=500)
    level: HazardLevel = HazardLevel.GENERAL
    client_key: str | None = Field(None, min_length=8, max_length=64)


class CheckOut(Schema):
    id: int
    item_id: int
    at: datetime
    passed: bool
    note: str
    hazard_id: int | None


class Added(Schema):
    added: int


@router.get(
    "/schools/{school_id}/risk-points",
    response={200: list[SchoolRiskPointOut], 403: Error, 404: Error},
    summary="学校风险清单",
)
@paginate(LimitOffset)
def risk_points(request: ApiRequest, school_id: RecordId) -> QuerySet[SchoolRiskPoint]:
    school = school_get(user=request.auth, school_id=school_id, action="risklist.view")
    return selectors.school_risk_points(user=request.auth, school=school).order_by("code")


@router.post(
    "/schools/{school_id}/risk-points/instantiate",
    response={200: Added, 400: Error, 403: Error, 404: Error},
    summary="从清单库生成（补充）本校风险清单与责任清单",
)
def instantiate(request: ApiRequest, school_id: RecordId) -> dict[str, int]:
    school = school_get(user=request.auth, school_id=school_id, action="risklist.manage")
    return {"added": services.risk_list_instantiate(user=request.auth, school=school)}


@router.post(
    "/schools/{school_id}/risk-points",
    response={201: SchoolRiskPointOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="增加本校特有的风险点",
)
def risk_point_add(
    request: ApiRequest, school_id: RecordId, payload: RiskPointIn
) -> Status[SchoolRiskPoint]:
    school = school_get(user=request.auth, school_id=school_id, action="risklist.manage")
    data = payload.dict()
    aspect = Aspect.objects.filter(code=data.pop("aspect")).first()
    if aspect is None:
        raise Http404
    return Status(
        201, services.risk_point_add(user=request.auth, school=school, aspect=aspect, **data)
    )


def _point(request: ApiRequest, point_id: int) -> SchoolRiskPoint:
    return scoped_get(
        SchoolRiskPoint.objects.select_related("school__unit", "aspect"),
        request.auth,
        "risklist.manage",
        pk=point_id,
    )


@router.post(
    "/risk-points/{point_id}/assess",
    response={200: SchoolRiskPointOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="按本校适用的风险矩阵重新评估",
)
def assess(request: ApiRequest, point_id: RecordId, payload: AssessIn) -> SchoolRiskPoint:
    return services.risk_point_assess(
        user=request.auth, point=_point(request, point_id), **payload.dict()
    )


@router.delete(
    "/risk-points/{point_id}",
    response={204: None, 403: Error, 404: Error},
    summary="从本校风险清单移除",
)
def remove(request: ApiRequest, point_id: RecordId) -> Status[None]:
    services.risk_point_remove(user=request.auth, point=_point(request, point_id))
    return Status(204, None)


@router.get(
    "/schools/{school_id}/responsibilities",
    response={200: list[ResponsibilityOut], 403: Error, 404: Error},
    summary="学校责任清单",
)
@paginate(LimitOffset)
def responsibilities(request: ApiRequest, school_id: RecordId) -> "QuerySet[CheckedItem]":
    school = school_get(user=request.auth, school_id=school_id, action="risklist.view")
    return selectors.responsibility_items(user=request.auth, school=school).order_by(
        "risk_point__code", "pk"
    )


@router.patch(
    "/responsibilities/{item_id}",
    response={200: ResponsibilityOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="落实责任（部门、岗位、责任人、频次）",
)
def assign(
    request: ApiRequest, item_id: RecordId, payload: ResponsibilityAssignIn
) -> "CheckedItem":
    item = scoped_get(
        ResponsibilityItem.objects.select_related("risk_point__school__unit"),
        request.auth,
        "risklist.manage",
        pk=item_id,
    )
    data = payload.dict()
    person_id = data.pop("person_id")
    person = None
    if person_id is not None:
        person = selectors.school_people(item.risk_point.school).filter(pk=person_id).first()
        if person is None:
            raise Http404
    services.responsibility_assign(user=request.auth, item=item, person=person, **data)
    return selectors.responsibility_items(user=request.auth, school=item.risk_point.school).get(
        pk=item.pk
    )


@router.get("/me/checks", response=list[ResponsibilityOut], summary="我的检查任务（到期的在前）")
def my_checks(request: ApiRequest) -> "list[CheckedItem]":
    return selectors.my_checks(user=request.auth)


@router.post(
    "/responsibilities/{item_id}/checks",
    response={200: CheckOut, 201: CheckOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="记录一次检查；不合格自动上报隐患（同一提交编号重试不重复）",
)
def check(request: ApiRequest, item_id: RecordId, payload: CheckIn) -> Status[MeasureCheck]:
    item = scoped_get(
        ResponsibilityItem.objects.select_related("risk_point__school__unit", "risk_point__aspect"),
        request.auth,
        "risklist.view",
        pk=item_id,
    )
    record, created = services.measure_check_record(user=request.auth, item=item, **payload.dict())
    return Status(201 if created else 200, record)
