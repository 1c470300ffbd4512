"""The sidebar: the entries the apps declare (`menu` on their AppConfig), in their order.

Which entries a user sees is decided by whoever knows the user's roles (access: an entry shows
when one of the roles holds its action somewhere, access/context_processors.py); this module
renders a given list of entries with the active one marked.
"""

from collections.abc import Callable
from functools import cache

from django.urls import get_script_prefix, reverse

from .fragments import render_once
from .registry import MenuItem, each


@cache
def menu_items() -> tuple[MenuItem, ...]:
    """Every declared entry, in sidebar order (apps in INSTALLED_APPS order break ties)."""
    return tuple(sorted((item for _app, item in each("menu")), key=lambda item: item.order))


@cache
def _entries(shown: frozenset[str], script_prefix: str) -> tuple[tuple[MenuItem, str], ...]:
    """The entries whose actions are in `shown`, with their URLs: the same for every user who
    holds the same actions, so worked out once per process and set of actions rather than
    with a reverse() per entry on every page. (`script_prefix` is part of every URL.)"""
    return tuple((item, reverse(item.url_name)) for item in menu_items() if item.action in shown)


def sidebar(path: str, shows: Callable[[str], bool]) -> str:
    """The sidebar's HTML (core/_sidebar.html) at `path` with the entries whose action
    `shows(action)`: rendered once per process for each list of entries with the active one
    marked (a dozen entries with their icons were a tenth of a page's rendering). An entry's
    URL stands for its label and icon."""
    shown = frozenset(item.action for item in menu_items() if shows(item.action))
    items = [
        {"label": item.label, "url": url, "icon": item.icon, "active": _active(item, path)}
        for item, url in _entries(shown, get_script_prefix())
    ]
    key = tuple((item["url"], item["active"]) for item in items)
    return render_once("core/_sidebar.html", key, {"menu": items})


def _active(item: MenuItem, path: str) -> bool:
    prefix = item.match.rstrip("$")
    return path == prefix if item.match.endswith("$") else path.startswith(prefix)
