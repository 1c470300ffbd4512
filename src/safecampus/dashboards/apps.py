from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class DashboardsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.dashboards"
    verbose_name = "首页与统计"
    menu = (MenuItem(_("首页"), "dashboards:home", "dashboard.view", "home", "/$", 0),)
    actions = {"dashboard.view": Action(_("查看首页统计"), EVERY_BUSINESS_ROLE)}
    urls = "safecampus.dashboards.urls"
    api_routers = (ApiRoute("/", "safecampus.dashboards.api.router"),)
