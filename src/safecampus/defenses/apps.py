from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import (
    Action,
    ApiRoute,
    DemoStep,
    MenuItem,
    SafeCampusAppConfig,
    SchoolPage,
)


class DefensesConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.defenses"
    verbose_name = "三防建设与四个100%"
    menu = (
        MenuItem(_("三防建设"), "defenses:dashboard", "defense.view", "shield", "/defenses/", 70),
    )
    school_pages = (SchoolPage(_("三防建设"), "defenses:school", "defense.view", 30),)
    actions = {
        "defense.view": Action(_("查看人防物防与四个100%"), EVERY_BUSINESS_ROLE),
        "defense.manage": Action(
            _("维护保安、护学岗、防护器械与封闭管理"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR})
        ),
        "gatepost.sign": Action(
            _("护学岗签到"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD})
        ),
        "visitor.register": Action(
            _("来访人员出入登记"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.GUARD})
        ),
    }
    urls = "safecampus.defenses.urls"
    api_routers = (ApiRoute("/", "safecampus.defenses.api.router"),)
    importers = ("safecampus.defenses.importers.GuardImporter",)
    rule_kinds = "safecampus.defenses.rule_kinds.KINDS"
    demo = (DemoStep(60, "三防建设", "safecampus.defenses.demo.defenses"),)
