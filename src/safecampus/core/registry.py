"""What each app contributes to the platform, declared in one place: its AppConfig.

An app plugs in by subclassing `SafeCampusAppConfig` and filling in the attributes it needs;
the platform reads them from the installed apps, in `INSTALLED_APPS` order. Adding an app
therefore touches only its own folder and one line of `INSTALLED_APPS`
(docs/adding-a-domain-app.md):

    menu              sidebar entries (core/menu.py)
    school_pages      its pages about one school, linked from the school's profile (orgs)
    actions           permission keys with their label and the roles that hold them
                      (access/roles.py; the level of the tree a role is held at is the role's)
    urls              the module of the app's pages, included at the site root (config/urls.py)
    api_routers       its django-ninja routers with their prefix (config/api.py)
    rule_kinds        the rule-set kinds it reads, with their shipped defaults (rules/kinds.py)
    ingest_handlers   device-message handlers of the MQTT ingestor (devices/ingest.py)
    demo              its demo-city builders and their order (demo/generator.py)
    unit_path_copies  its models that copy a unit's path or district, kept in step when a unit
                      moves in the tree (OrgUnit.save)
    audit_visibility  its models whose audit entries follow the model's visibility rules
                      (access.scope.register_visibility_rule): an entry about a hidden row
                      is hidden from the same readers as the row (auditlog)
    importers         its Excel imports (dotted paths of imports.base.Importer subclasses): the
                      one page flow, API and template of the imports app serve each of them

Objects that import models (routers, handlers, builders, rule kinds, importers) are named
by dotted path and imported when first used, after the app registry is ready.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import AppConfig, apps
from django.utils.functional import Promise
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MenuItem:
    """A sidebar entry, shown to users whose roles hold `action` somewhere."""

    label: str | Promise
    url_name: str
    action: str
    icon: str  # a name of the inline SVG icons in core/templates/core/icons.html
    match: str  # URL prefix that marks the item active ("/$": exactly the root)
    order: int = 500  # position in the sidebar, lowest first


@dataclass(frozen=True)
class SchoolPage:
    """A page about one school, linked from the school's profile to users who may `action`
    there: `url_name` takes the school's id, or with `query` the id goes in that parameter."""

    label: str | Promise
    url_name: str
    action: str
    order: int = 500
    query: str | None = None


@dataclass(frozen=True)
class Action:
    """A permission key ("hazard.view"): its label and the roles (access.roles.Role values)
    that may take it inside their scope."""

    label: str | Promise
    roles: frozenset[str]


@dataclass(frozen=True)
class ApiRoute:
    prefix: str  # under /api/v1, e.g. "/" or "/audit"
    router: str  # dotted path of a ninja.Router


@dataclass(frozen=True)
class DemoStep:
    """A builder of the demo city: `builder(city: demo.generator.DemoCity) -> int` adds the
    app's records and answers how many it made (shown with `label`). Steps run in `order`,
    after the org tree and users exist, inside the generator's one transaction."""

    order: int
    label: str
    builder: str  # dotted path


@dataclass(frozen=True)
class UnitPathCopy:
    """A model that copies its unit's path (for the access choke point) and perhaps its
    school's district (for district filters): when a unit moves, orgs rewrites the copies.

    `path` is the field holding the copied path; `school` the foreign key to the school whose
    district is copied into `district`, if any."""

    model: str  # "app_label.ModelName"
    path: str | None = None
    school: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Contribution:
    app: AppConfig
    value: Any = field(compare=False)


class SafeCampusAppConfig(AppConfig):
    """Base of every SafeCampus app's AppConfig; the attributes are its declarations.

    A subclass sets `default = True`: its apps.py then holds two AppConfig classes (this base,
    imported, and its own), and Django takes the one marked default (checked by
    core/checks.py)."""

    menu: tuple[MenuItem, ...] = ()
    school_pages: tuple[SchoolPage, ...] = ()
    actions: Mapping[str, Action] = {}
    urls: str | None = None
    api_routers: tuple[ApiRoute, ...] = ()
    rule_kinds: str | None = None  # dotted path of a dict[str, rules.kinds.Kind]
    ingest_handlers: tuple[str, ...] = ()  # dotted paths of handler classes
    demo: tuple[DemoStep, ...] = ()
    unit_path_copies: tuple[UnitPathCopy, ...] = ()
    importers: tuple[str, ...] = ()  # dotted paths of imports.base.Importer subclasses
    audit_visibility: tuple[str, ...] = ()  # "app_label.ModelName" of models with hidden rows


def declared(attribute: str) -> list[Contribution]:
    """Every installed app's value of `attribute` that is set, in INSTALLED_APPS order."""
    return list(_declared(attribute))


@cache
def _declared(attribute: str) -> tuple[Contribution, ...]:
    found = []
    for config in apps.get_app_configs():
        value = getattr(config, attribute, None)
        if value:
            found.append(Contribution(config, value))
    return tuple(found)


def each(attribute: str) -> Iterator[tuple[AppConfig, Any]]:
    """(app, item) for every item of a tuple-valued declaration, in app order."""
    for contribution in declared(attribute):
        for item in contribution.value:
            yield contribution.app, item


def load(dotted_path: str) -> Any:
    """The object at `dotted_path` (imported on first use)."""
    return import_string(dotted_path)
