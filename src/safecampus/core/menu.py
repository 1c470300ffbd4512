"""The sidebar: a module shows only for users whose roles grant its action somewhere.

Later apps add their entries here; an entry without a page behind it is never listed.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import roles_for
from safecampus.access.scope import grants

from .fragments import render_once


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
    MenuItem(_("应急指挥"), "emergency:board", "incident.command", "siren", "/emergency/board/"),
    MenuItem(_("一键报警"), "emergency:press", "alarm.raise", "siren", "/emergency/alarm/"),
    MenuItem(
        _("突发事件"), "emergency:incident_list", "incident.view", "bolt", "/emergency/incidents/"
    ),
    MenuItem(_("应急预案"), "emergency:plan_list", "plan.view", "clipboard", "/emergency/plans/"),
    MenuItem(_("隐患整改"), "hazards:ledger", "hazard.view", "alert", "/hazards/"),
    MenuItem(_("巡查"), "patrols:index", "patrol.view", "map", "/patrols/"),
    MenuItem(_("检查"), "inspections:index", "inspection.view", "clipboard", "/inspections/"),
    MenuItem(_("三防建设"), "defenses:dashboard", "defense.view", "shield", "/defenses/"),
    MenuItem(_("监控互联"), "devices:rates", "device.view", "map", "/devices/"),
    MenuItem(_("校舍安全"), "buildings:overview", "building.view", "shield", "/buildings/"),
    MenuItem(_("风险清单库"), "risks:catalog_list", "catalog.view", "list", "/risks/catalogs/"),
    MenuItem(_("规则集"), "rules:rule_set_list", "rules.view", "settings", "/rules/"),
    MenuItem(
        _("消息推送"),
        "notifications:endpoint_list",
        "notification.manage",
        "bell",
        "/notifications/endpoints/",
    ),
    MenuItem(_("用户与角色"), "accounts:user_list", "user.manage", "users", "/accounts/users/"),
    MenuItem(_("审计日志"), "audit:entry_list", "audit.view", "shield", "/audit/"),
]


def menu_for(user, path: str) -> list[dict]:
    items = []
    for item, url in _entries(frozenset(g.role for g in grants(user)), get_script_prefix()):
        prefix = item.match.rstrip("$")
        active = path == prefix if item.match.endswith("$") else path.startswith(prefix)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items


def sidebar(user, path: str) -> str:
    """The sidebar's entries (core/_sidebar.html) for `user` at `path`: rendered once per process
    for each list of entries with the active one marked (a dozen entries with their icons were
    a tenth of a page's rendering). An entry's URL stands for its label and icon."""
    items = menu_for(user, path)
    key = tuple((item["url"], item["active"]) for item in items)
    return render_once("core/_sidebar.html", key, {"menu": items})


@lru_cache(maxsize=256)
def _entries(roles: frozenset, script_prefix: str) -> tuple:
    """The entries that users holding `roles` see, with their URLs. can(user, action) without a
    unit asks only whether one of the user's roles allows the action, so this is the same for
    every user with these roles: worked out once per process and combination of roles, not with
    a reverse() and a can() per entry on every page. (`script_prefix` is part of every URL.)"""
    return tuple((item, reverse(item.url_name)) for item in MENU if roles & roles_for(item.action))
