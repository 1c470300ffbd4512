from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class RulesConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.rules"
    verbose_name = "规则集"
    menu = (MenuItem(_("规则集"), "rules:rule_set_list", "rules.view", "settings", "/rules/", 110),)
    actions = {
        "rules.view": Action(_("查看规则集"), EVERY_BUSINESS_ROLE),
        "rules.manage": Action(_("配置规则集"), frozenset({R.CITY_ADMIN})),
    }
    urls = "safecampus.rules.urls"
    api_routers = (ApiRoute("/", "safecampus.rules.api.router"),)

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .services import builtin_rule_sets_sync

        # The rule sets shipped with the platform follow the code on every migrate.
        post_migrate.connect(builtin_rule_sets_sync, sender=self)
