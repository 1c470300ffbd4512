"""The dashboard's figures as JSON (the same selectors as the home page)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema
from ninja.params import functions as param

from safecampus.access.scope import can
from safecampus.accounts.types import ApiRequest
from safecampus.core.pagination import MAX_ID
from safecampus.core.schemas import Error
from safecampus.orgs.selectors import home_unit, unit_get, unit_summary

router = Router(tags=["dashboard"])


class TypeCount(Schema):
    type: str
    label: str
    count: int


class DistrictRow(Schema):
    id: int
    name: str
    code: str
    schools: int
    students: int
    staff: int


class DashboardSummaryOut(Schema):
    unit_id: int
    unit_name: str
    districts: int
    schools: int
    universities: int
    training_institutions: int
    directly_affiliated: int
    students: int
    staff: int
    boarding: int
    by_type: list[TypeCount]
    district_rows: list[DistrictRow]


@router.get(
    "/dashboard/summary",
    response={200: DashboardSummaryOut, 403: Error, 404: Error},
    summary="首页统计：学校、学生、教职工（按调用者范围）",
)
def dashboard_summary(
    request: ApiRequest, unit: int | None = param.Query(None, ge=1, le=MAX_ID)
) -> dict[str, Any]:
    user = request.auth
    if not can(user, "dashboard.view"):
        raise PermissionDenied
    target = unit_get(user=user, unit_id=unit) if unit is not None else home_unit(user)
    if target is None:
        raise PermissionDenied
    data = unit_summary(user=user, unit=target)
    return {**data, "unit_id": target.pk, "unit_name": target.name}
