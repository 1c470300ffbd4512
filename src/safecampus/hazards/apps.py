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
    UnitPathCopy,
)


class HazardsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.hazards"
    verbose_name = "隐患整改"
    menu = (MenuItem(_("隐患整改"), "hazards:ledger", "hazard.view", "alert", "/hazards/", 40),)
    school_pages = (SchoolPage(_("隐患台账"), "hazards:ledger", "hazard.view", 20, query="school"),)
    actions = {
        "hazard.view": Action(_("查看隐患"), EVERY_BUSINESS_ROLE),
        "hazard.report": Action(_("上报隐患"), EVERY_BUSINESS_ROLE),
        "hazard.manage": Action(
            _("派发与验收隐患"),
            frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER, R.CITY_OFFICER}),
        ),
        "hazard.supervise": Action(
            _("挂牌督办重大隐患"), frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER})
        ),
    }
    urls = "safecampus.hazards.urls"
    api_routers = (ApiRoute("/", "safecampus.hazards.api.router"),)
    rule_kinds = "safecampus.hazards.rule_kinds.KINDS"
    demo = (DemoStep(95, "隐患排查治理", "safecampus.hazards.demo.hazard_history"),)
    # The ledger's scope filter and district filter read copies of the school's path and
    # district (hazards/models.py).
    unit_path_copies = (
        UnitPathCopy("hazards.Hazard", path="unit_path", school="school", district="district"),
    )
