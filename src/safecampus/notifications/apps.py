from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class NotificationsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.notifications"
    verbose_name = "消息提醒"
    menu = (
        MenuItem(
            _("消息推送"),
            "notifications:endpoint_list",
            "notification.manage",
            "bell",
            "/notifications/endpoints/",
            120,
        ),
    )
    actions = {
        "notification.manage": Action(
            _("配置紧急消息推送（Webhook、群机器人）并查看投递记录"),
            frozenset({R.CITY_ADMIN, R.DISTRICT_OFFICER}),
        ),
    }
    urls = "safecampus.notifications.urls"
    api_routers = (ApiRoute("/", "safecampus.notifications.api.router"),)
