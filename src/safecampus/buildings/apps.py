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


class BuildingsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.buildings"
    verbose_name = "校舍安全"
    menu = (
        MenuItem(_("校舍安全"), "buildings:overview", "building.view", "shield", "/buildings/", 90),
    )
    school_pages = (SchoolPage(_("校舍"), "buildings:school", "building.view", 60),)
    actions = {
        "building.view": Action(_("查看校舍与消防抗震整改"), EVERY_BUSINESS_ROLE),
        "building.manage": Action(
            _("维护校舍台账与整改项目"),
            frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER}),
        ),
        "remediation.accept": Action(
            _("验收消防抗震整改项目"), frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER})
        ),
    }
    urls = "safecampus.buildings.urls"
    api_routers = (ApiRoute("/", "safecampus.buildings.api.router"),)
    importers = ("safecampus.buildings.importers.BuildingImporter",)
    demo = (DemoStep(50, "校舍与消防抗震整改", "safecampus.buildings.demo.buildings"),)
