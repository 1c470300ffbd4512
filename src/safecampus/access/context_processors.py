"""The shell's view of the user (core/templates/base.html): the sidebar entries their roles
show, and the roles themselves."""

from django.http import HttpRequest

from safecampus.core.menu import sidebar

from .scope import can, grants


def shell(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "sidebar": sidebar(request.path, lambda action: can(user, action)),
        "user_roles": sorted({g.role.label for g in grants(user)}, key=str),
    }
