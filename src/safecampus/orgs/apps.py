from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class OrgsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.orgs"
    verbose_name = "组织机构"
    menu = (MenuItem(_("学校"), "orgs:school_list", "org.view", "school", "/schools/", order=10),)
    actions = {
        "org.view": Action(_("查看组织机构与学校"), EVERY_BUSINESS_ROLE),
        "school.change": Action(
            _("修改学校档案"),
            frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}),
        ),
        "school.import": Action(_("导入学校"), frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER})),
        "school.export": Action(
            _("导出学校"),
            frozenset(
                {R.CITY_ADMIN, R.CITY_OFFICER, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}
            ),
        ),
    }
    urls = "safecampus.orgs.urls"
    api_routers = (ApiRoute("/", "safecampus.orgs.api.router"),)
    importers = ("safecampus.orgs.importers.SchoolImporter",)
