"""API of user management: the same services and scope as the pages."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params import functions as param

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import Role
from safecampus.access.scope import require
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.models import OrgUnit

from . import reauth, services
from .models import User
from .selectors import locked_usernames, manageable_units, user_get, user_list
from .types import ApiRequest

router = Router(tags=["users"])


class RoleAssignmentOut(Schema):
    id: int
    role: Role
    role_label: str = Field(..., alias="get_role_display")
    unit_id: int
    unit_code: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    is_recursive: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str
    email: str
    is_active: bool
    last_login: datetime | None
    assignments: list[RoleAssignmentOut]

    @staticmethod
    def resolve_assignments(obj: User) -> list[RoleAssignment]:
        return list(obj.assignments.all())


class UserDetailOut(UserOut):
    locked: bool

    @staticmethod
    def resolve_locked(obj: User) -> bool:
        return bool(locked_usernames([obj.username]))


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[A-Za-z0-9_.@-]+$")
    full_name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    role: Role
    unit_id: int = Field(..., ge=1, le=MAX_ID)


class UserPatch(Schema):
    full_name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class UserCreated(Schema):
    user: UserOut
    temporary_password: str = Field(..., description="一次性临时密码，仅此一次返回；首次登录须修改")


class PasswordOut(Schema):
    temporary_password: str


class RoleIn(Schema):
    role: Role
    unit_id: int = Field(..., ge=1, le=MAX_ID)


def _unit(manager: User, unit_id: int) -> OrgUnit:
    """A unit of the manager's scope; any other id is 404, whether it exists or not."""
    try:
        return manageable_units(manager).get(pk=unit_id)
    except OrgUnit.DoesNotExist:
        raise Http404 from None


@router.get("", response={200: list[UserOut], 403: Error}, summary="可管理的用户（范围内）")
@throttle("search", when=query_given("q"))
@paginate(LimitOffset)
def users(
    request: ApiRequest,
    q: str = param.Query("", max_length=100),
    role: Role | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    require(request.auth, "user.manage")
    return user_list(manager=request.auth, q=q, role=role or "", active=active)


@router.post(
    "",
    response={201: UserCreated, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="新建用户",
    description=reauth.REAUTH_NOTE,
)
def user_create(request: ApiRequest, payload: UserIn) -> Status[dict[str, Any]]:
    require(request.auth, "user.manage")
    reauth.require_recent(request)
    data = payload.dict()
    user, password = services.user_create(
        manager=request.auth, unit=_unit(request.auth, data.pop("unit_id")), **data
    )
    return Status(201, {"user": user, "temporary_password": password})


@router.get("/{user_id}", response={200: UserDetailOut, 403: Error, 404: Error}, summary="用户详情")
def user_detail(request: ApiRequest, user_id: RecordId) -> User:
    require(request.auth, "user.manage")
    return user_get(manager=request.auth, user_id=user_id)


@router.patch(
    "/{user_id}",
    response={200: UserDetailOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="修改用户资料或启用/停用",
)
def user_patch(request: ApiRequest, user_id: RecordId, payload: UserPatch) -> User:
    require(request.auth, "user.manage")
    target = user_get(manager=request.auth, user_id=user_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("full_name", "") is None or (
        "is_active" in changes and changes["is_active"] is None
    ):
        raise HttpError(400, _("姓名和启用状态不能为空值"))
    active = changes.pop("is_active", None)
    if changes:
        services.user_update(manager=request.auth, target=target, **changes)
    if active is not None:
        services.user_set_active(manager=request.auth, target=target, active=active)
    return user_get(manager=request.auth, user_id=user_id)


@router.post(
    "/{user_id}/password-reset",
    response={200: PasswordOut, 400: Error, 403: Error, 404: Error},
    summary="重置为临时密码",
)
def user_password_reset(request: ApiRequest, user_id: RecordId) -> dict[str, str]:
    require(request.auth, "user.manage")
    target = user_get(manager=request.auth, user_id=user_id)
    return {"temporary_password": services.user_password_reset(manager=request.auth, target=target)}


@router.post(
    "/{user_id}/roles",
    response={201: RoleAssignmentOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="添加角色",
    description=reauth.REAUTH_NOTE,
)
def role_add(request: ApiRequest, user_id: RecordId, payload: RoleIn) -> Status[RoleAssignment]:
    require(request.auth, "user.manage")
    target = user_get(manager=request.auth, user_id=user_id)
    reauth.require_recent(request)
    assignment = services.role_assignment_add(
        manager=request.auth,
        target=target,
        role=payload.role,
        unit=_unit(request.auth, payload.unit_id),
    )
    return Status(201, assignment)


@router.delete(
    "/{user_id}/roles/{assignment_id}",
    response={204: None, 400: Error, 403: Error, 404: Error},
    summary="移除角色",
    description=reauth.REAUTH_NOTE,
)
def role_remove(request: ApiRequest, user_id: RecordId, assignment_id: RecordId) -> Status[None]:
    require(request.auth, "user.manage")
    target = user_get(manager=request.auth, user_id=user_id)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user", "unit"), pk=assignment_id, user=target
    )
    reauth.require_recent(request)
    services.role_assignment_remove(manager=request.auth, assignment=assignment)
    return Status(204, None)
