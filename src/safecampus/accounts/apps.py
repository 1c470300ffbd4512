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
        MenuItem(
            _("安全管理"),
            "accounts:security_policy",
            "security.manage",
            "shield",
            "/security/",
            135,
        ),
    )
    actions = {
        "user.manage": Action(
            _("管理用户与角色"), frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER, R.PRINCIPAL})
        ),
        # The security administrator's alone (三员分立): the system administrator manages
        # accounts and units, the auditor reads the trail.
        "security.manage": Action(
            _("安全策略、登录锁定、动态口令重置与外联白名单"), frozenset({R.SECURITY_ADMIN})
        ),
    }
    urls = "safecampus.accounts.urls"
    api_routers = (
        ApiRoute("/", "safecampus.accounts.me_api.router"),
        ApiRoute("/auth", "safecampus.accounts.api.router"),
        ApiRoute("/users", "safecampus.accounts.user_api.router"),
        ApiRoute("/security", "safecampus.accounts.security_api.router"),
    )

    def ready(self) -> None:
        from safecampus.audit.services import actor_units_from
        from safecampus.core.outbound import extra_networks_from

        from . import signals  # noqa: F401
        from .security_services import outbound_networks
        from .selectors import actor_unit

        actor_units_from(actor_unit)
        extra_networks_from(outbound_networks)
