"""Who the caller is: their roles, where they hold them and what they may do."""

from typing import Any

from ninja import Router, Schema

from safecampus.access.roles import permissions
from safecampus.access.scope import can, grants
from safecampus.orgs.selectors import home_unit

from .types import ApiRequest

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
def me(request: ApiRequest) -> dict[str, Any]:
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
        "permissions": sorted(a for a in permissions() if can(user, a)),
        "home_unit_id": home.pk if home else None,
    }
