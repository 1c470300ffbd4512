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


class ThreeListsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.threelists"
    verbose_name = "三个清单"
    menu = (
        MenuItem(
            _("我的检查"), "threelists:my_checks", "risklist.view", "check", "/risks/my-checks/", 20
        ),
    )
    school_pages = (SchoolPage(_("三个清单"), "threelists:school_lists", "risklist.view", 10),)
    actions = {
        "risklist.view": Action(_("查看学校三个清单"), EVERY_BUSINESS_ROLE),
        "risklist.manage": Action(
            _("维护学校风险清单与责任清单"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR})
        ),
    }
    urls = "safecampus.threelists.urls"
    api_routers = (ApiRoute("/", "safecampus.threelists.api.router"),)
    demo = (DemoStep(30, "学校三个清单", "safecampus.threelists.demo.school_lists"),)
