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


class PatrolsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.patrols"
    verbose_name = "隐患网上巡查"
    menu = (MenuItem(_("巡查"), "patrols:index", "patrol.view", "map", "/patrols/", 50),)
    school_pages = (SchoolPage(_("巡查"), "patrols:school", "patrol.view", 50),)
    actions = {
        "patrol.view": Action(_("查看巡查点与巡查记录"), EVERY_BUSINESS_ROLE),
        "patrol.scan": Action(
            _("扫码巡查"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD})
        ),
        "patrol.manage": Action(_("维护巡查点"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR})),
    }
    urls = "safecampus.patrols.urls"
    api_routers = (ApiRoute("/", "safecampus.patrols.api.router"),)
    rule_kinds = "safecampus.patrols.rule_kinds.KINDS"
    demo = (DemoStep(90, "隐患网上巡查", "safecampus.patrols.demo.patrols"),)
