from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, DemoStep, MenuItem, SafeCampusAppConfig

_SCHOOL_LEADERS = frozenset({R.PRINCIPAL, R.SAFETY_DIRECTOR})


class EmergencyConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.emergency"
    verbose_name = "应急指挥"
    menu = (
        MenuItem(
            _("应急指挥"), "emergency:board", "incident.command", "siren", "/emergency/board/", 30
        ),
        MenuItem(_("一键报警"), "emergency:press", "alarm.raise", "siren", "/emergency/alarm/", 31),
        MenuItem(
            _("突发事件"),
            "emergency:incident_list",
            "incident.view",
            "bolt",
            "/emergency/incidents/",
            32,
        ),
        MenuItem(
            _("应急预案"), "emergency:plan_list", "plan.view", "clipboard", "/emergency/plans/", 33
        ),
    )
    actions = {
        "incident.view": Action(_("查看报警与突发事件"), EVERY_BUSINESS_ROLE),
        "alarm.raise": Action(
            _("一键报警（页面或手机）"),
            _SCHOOL_LEADERS | {R.STAFF, R.GUARD, R.COUNSELLOR},
        ),
        "alarm.reset": Action(_("报警复位"), _SCHOOL_LEADERS | {R.GUARD, R.DISTRICT_OFFICER}),
        "incident.raise": Action(
            _("发起突发事件"), _SCHOOL_LEADERS | {R.DISTRICT_OFFICER, R.CITY_OFFICER}
        ),
        "incident.respond": Action(
            _("接警、处置与结案"), _SCHOOL_LEADERS | {R.DISTRICT_OFFICER, R.CITY_OFFICER}
        ),
        "incident.command": Action(
            _("应急指挥大屏（区市与市局值班）"), frozenset({R.DISTRICT_OFFICER, R.CITY_OFFICER})
        ),
        "plan.view": Action(_("查看应急预案"), EVERY_BUSINESS_ROLE),
        "plan.manage": Action(
            _("制定与采用应急预案"), _SCHOOL_LEADERS | {R.CITY_ADMIN, R.CITY_OFFICER}
        ),
    }
    urls = "safecampus.emergency.urls"
    api_routers = (
        ApiRoute("/", "safecampus.emergency.api.router"),
        ApiRoute("/", "safecampus.emergency.plan_api.router"),
    )
    rule_kinds = "safecampus.emergency.rule_kinds.KINDS"
    # Alarm presses from one-button alarms (QoS 1, acknowledged after commit).
    ingest_handlers = ("safecampus.emergency.ingest.AlarmHandler",)
    demo = (
        DemoStep(80, "应急预案", "safecampus.emergency.demo.emergency_plans"),
        DemoStep(85, "突发事件与演练", "safecampus.emergency.demo_incidents.incidents"),
    )
