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


class DevicesConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.devices"
    verbose_name = "技防设备与监控互联"
    menu = (MenuItem(_("监控互联"), "devices:rates", "device.view", "map", "/devices/", 80),)
    school_pages = (SchoolPage(_("监控设备"), "devices:school", "device.view", 40),)
    actions = {
        "device.view": Action(_("查看技防设备与在线状态"), EVERY_BUSINESS_ROLE),
        "device.manage": Action(
            _("维护技防设备台账"), frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR, R.DISTRICT_OFFICER})
        ),
    }
    urls = "safecampus.devices.urls"
    api_routers = (ApiRoute("/", "safecampus.devices.api.router"),)
    importers = ("safecampus.devices.importers.CameraImporter",)
    rule_kinds = "safecampus.devices.rule_kinds.KINDS"
    ingest_handlers = ("safecampus.devices.ingest.StatusHandler",)
    demo = (DemoStep(70, "技防设备", "safecampus.devices.demo.devices"),)
