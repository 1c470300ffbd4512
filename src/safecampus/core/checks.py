"""System checks (`safecampus check`, run by every management command and the test suite) of
what the apps declare on their AppConfig (core/registry.py), so that a mistake in a new app's
declarations is named at start-up instead of surfacing as a missing page."""

from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, register
from django.urls import NoReverseMatch, reverse

from .registry import SafeCampusAppConfig, declared, each, load


@register()
def app_declarations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for config in apps.get_app_configs():
        if config.name.startswith("safecampus.") and not isinstance(config, SafeCampusAppConfig):
            errors.append(
                Error(
                    f"{config.name}: its AppConfig is not a SafeCampusAppConfig",
                    hint="subclass core.registry.SafeCampusAppConfig and set default = True",
                    id="safecampus.E001",
                )
            )
    for contribution in declared("urls"):
        try:
            import_module(contribution.value)
        except ImportError as exc:
            errors.append(
                Error(
                    f"{contribution.app.name}: cannot import {contribution.value}: {exc}",
                    id="safecampus.E002",
                )
            )
    paths = [(c.app, c.value) for c in declared("rule_kinds")]
    paths += [(app, route.router) for app, route in each("api_routers")]
    paths += [(app, handler) for app, handler in each("ingest_handlers")]
    paths += [(app, step.builder) for app, step in each("demo")]
    paths += [(app, importer) for app, importer in each("importers")]
    for app, path in paths:
        try:
            load(path)
        except ImportError as exc:
            errors.append(Error(f"{app.name}: cannot import {path}: {exc}", id="safecampus.E002"))
    return errors


@register("urls")
def page_links(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every declared sidebar entry and school page names a URL that exists."""
    errors: list[CheckMessage] = []
    links: list[tuple[AppConfig, str, tuple[int, ...]]] = [
        (app, item.url_name, ()) for app, item in each("menu")
    ]
    links += [
        (app, page.url_name, () if page.query else (1,)) for app, page in each("school_pages")
    ]
    for app, url_name, args in links:
        try:
            reverse(url_name, args=args)
        except NoReverseMatch:
            errors.append(Error(f"{app.name}: no URL named {url_name!r}", id="safecampus.E003"))
    return errors
