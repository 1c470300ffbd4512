"""System checks of the actions the apps declare (core/registry.py)."""

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from safecampus.core.registry import each

from .roles import permissions


@register()
def declared_actions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Actions are declared once, with known roles, and every sidebar entry and school page
    asks for a declared action."""
    try:
        known = permissions()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="safecampus.E010")]
    return [
        Error(f"{app.name}: {entry.url_name} asks for an undeclared action {entry.action!r}")
        for app, entry in [*each("menu"), *each("school_pages")]
        if entry.action not in known
    ]
