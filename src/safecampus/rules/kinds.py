"""The kinds of rule set, declared by the apps that read them.

Every threshold of the platform is data in a versioned rule set (STANDARDS.md), never a
constant in code: each kind declares the shape of its data (a pydantic model that validates
an administrator's edits) and the rule sets shipped with the platform. An app declares its
kinds in a module of its own (`rule_kinds = "safecampus.<app>.rule_kinds.KINDS"` on its
AppConfig, core/registry.py); this module gathers them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from pydantic import BaseModel

from safecampus.core.registry import declared, load


@dataclass(frozen=True)
class Builtin:
    name: str
    version: str
    effective_from: date
    authority: str
    source: str
    data: dict[str, Any]
    default: bool = True


@dataclass(frozen=True)
class Display:
    """How a rule set of the kind is shown beyond its plain fields: `template` (a partial of
    the declaring app) rendered with `context(data)`."""

    template: str
    context: Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    label: str | Promise
    schema: type[BaseModel]
    builtins: list[Builtin] = field(default_factory=list)
    display: Display | None = None


@cache
def kinds() -> dict[str, Kind]:
    """Every kind the installed apps declare, by its key ("hazard_deadline")."""
    found: dict[str, Kind] = {}
    for contribution in declared("rule_kinds"):
        for key, kind in load(contribution.value).items():
            if key in found:
                raise ImproperlyConfigured(f"rule-set kind {key!r} is declared twice")
            found[key] = kind
    return found


def validate_data(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data, checked against its kind's shape (raises pydantic.ValidationError)."""
    return kinds()[kind].schema.model_validate(data).model_dump()
