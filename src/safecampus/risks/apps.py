from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, DemoStep, MenuItem, SafeCampusAppConfig


class RisksConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.risks"
    verbose_name = "风险清单库"
    menu = (
        MenuItem(
            _("风险清单库"), "risks:catalog_list", "catalog.view", "list", "/risks/catalogs/", 100
        ),
    )
    actions = {
        "catalog.view": Action(_("查看风险清单库"), EVERY_BUSINESS_ROLE),
        "catalog.manage": Action(_("发布风险清单库"), frozenset({R.CITY_ADMIN, R.CITY_OFFICER})),
    }
    urls = "safecampus.risks.urls"
    api_routers = (ApiRoute("/", "safecampus.risks.api.router"),)
    rule_kinds = "safecampus.risks.rule_kinds.KINDS"
    importers = ("safecampus.risks.importers.CatalogImporter",)
    demo = (DemoStep(10, "风险清单库", "safecampus.risks.demo.catalogs_publish"),)
