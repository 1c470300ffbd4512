"""The sidebar: a module shows only for users whose roles grant its action somewhere.

Later apps add their entries here; an entry without a page behind it is never listed.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import can


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: str
    icon: str  # a name of the inline SVG icons in core/templates/core/icons.html
    match: str  # URL prefix that marks the item active


MENU = [
    MenuItem(_("首页"), "core:home", "dashboard.view", "home", "/$"),
    MenuItem(_("学校"), "orgs:school_list", "org.view", "school", "/schools/"),
    MenuItem(_("我的检查"), "risks:my_checks", "risklist.view", "check", "/risks/my-checks/"),
    MenuItem(_("隐患整改"), "hazards:ledger", "hazard.view", "alert", "/hazards/"),
    MenuItem(_("巡查"), "patrols:index", "patrol.view", "map", "/patrols/"),
    MenuItem(_("检查"), "inspections:index", "inspection.view", "clipboard", "/inspections/"),
    MenuItem(_("三防建设"), "defenses:dashboard", "defense.view", "shield", "/defenses/"),
    MenuItem(_("监控互联"), "devices:rates", "device.view", "map", "/devices/"),
    MenuItem(_("校舍安全"), "buildings:overview", "building.view", "shield", "/buildings/"),
    MenuItem(_("风险清单库"), "risks:catalog_list", "catalog.view", "list", "/risks/catalogs/"),
    MenuItem(_("规则集"), "rules:rule_set_list", "rules.view", "settings", "/rules/"),
    MenuItem(_("用户与角色"), "accounts:user_list", "user.manage", "users", "/accounts/users/"),
    MenuItem(_("审计日志"), "audit:entry_list", "audit.view", "shield", "/audit/"),
]


def menu_for(user, path: str) -> list[dict]:
    items = []
    for item in MENU:
        if can(user, item.action):
            prefix = item.match.rstrip("$")
            active = path == prefix if item.match.endswith("$") else path.startswith(prefix)
            items.append(
                {
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "icon": item.icon,
                    "active": active,
                }
            )
    return items
