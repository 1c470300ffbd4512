from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class AccountsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.accounts"
    verbose_name = "账号"
    menu = (
        MenuItem(
            _("用户与角色"), "accounts:user_list", "user.manage", "users", "/accounts/users/", 130
        ),
    )
    actions = {
        "user.manage": Action(
            _("管理用户与角色"), frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER, R.PRINCIPAL})
        ),
    }
    urls = "safecampus.accounts.urls"
    api_routers = (
        ApiRoute("/", "safecampus.accounts.me_api.router"),
        ApiRoute("/auth", "safecampus.accounts.api.router"),
        ApiRoute("/users", "safecampus.accounts.user_api.router"),
    )

    def ready(self) -> None:
        from safecampus.audit.services import actor_units_from

        from . import signals  # noqa: F401
        from .selectors import actor_unit

        actor_units_from(actor_unit)
