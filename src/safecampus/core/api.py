from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema

from safecampus.access.roles import PERMISSIONS
from safecampus.access.scope import can, grants, home_unit
from safecampus.orgs.selectors import unit_get, unit_summary

from .pagination import MAX_ID
from .schemas import Error

router = Router(tags=["me"])


class RoleOut(Schema):
    role: str
    role_label: str
    unit_id: int
    unit_path: str
    is_recursive: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[RoleOut]
    permissions: list[str]
    home_unit_id: int | None


@router.get("/me", response=MeOut, summary="当前用户、角色与权限")
def me(request):
    user = request.auth
    home = home_unit(user)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {
                "role": g.role.value,
                "role_label": str(g.role.label),
                "unit_id": g.unit_id,
                "unit_path": g.path,
                "is_recursive": g.is_recursive,
            }
            for g in grants(user)
        ],
        "permissions": sorted(a for a in PERMISSIONS if can(user, a)),
        "home_unit_id": home.pk if home else None,
    }


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


class SummaryOut(Schema):
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
    response={200: SummaryOut, 403: Error, 404: Error},
    tags=["dashboard"],
    summary="首页统计：学校、学生、教职工（按调用者范围）",
)
def dashboard_summary(request, unit: int | None = Query(None, ge=1, le=MAX_ID)):
    user = request.auth
    if not can(user, "dashboard.view"):
        raise PermissionDenied
    target = unit_get(user=user, unit_id=unit) if unit is not None else home_unit(user)
    data = unit_summary(user=user, unit=target)
    return {**data, "unit_id": target.pk, "unit_name": target.name}
