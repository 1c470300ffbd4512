"""THE access choke point. Every read of business data — page, API, export, dashboard —
passes its queryset through `scoped()`; nothing else filters by org unit.

A model takes part by declaring `scope_path`, the lookup from the model to the materialised
path of the org unit it belongs to (for example "unit__path" or "school__unit__path").
Reference data that units below its publisher read (`scope_inherited = True`) is visible
from every unit under the publisher as well; `scope_view_action` names the action that
merely sees a row (default "org.view"), so that acting without the right answers 403;
`scope_member_lookup` names a relation to users who see the row wherever they sit (the
team of a cross-district inspection).

Rules that hide rows from users who are otherwise in scope — "an unannounced spot check is
invisible to its target school and district until it starts" — register here with
`register_visibility_rule(Model, rule)`, so that they apply everywhere the model is read.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from safecampus.core.dataversion import cached
from safecampus.core.types import AnyUser, AtPath

from .roles import Role, roles_for


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int
    path: str
    is_recursive: bool

    def covers(self, path: str) -> bool:
        return path.startswith(self.path) if self.is_recursive else path == self.path


M = TypeVar("M", bound=Model)
VisibilityRule = Callable[[QuerySet[Any], AnyUser | None, str, list[Grant]], QuerySet[Any]]
_visibility_rules: dict[type[Model], list[VisibilityRule]] = {}


def register_visibility_rule(model: type[Model], rule: VisibilityRule) -> None:
    """Add a rule that narrows what in-scope users see of `model` (see module docstring)."""
    _visibility_rules.setdefault(model, []).append(rule)


def grants(user: AnyUser | None) -> list[Grant]:
    """The user's role assignments, once per user object (i.e. once per request), from the
    cache under the data version of the assignments and the org tree: a write to either, by
    anyone, is seen by the next request (core/dataversion.py; migration access 0003)."""
    user_id: int | None = user.pk if user is not None else None
    if user is None or user_id is None or not user.is_authenticated or not user.is_active:
        return []
    held: list[Grant] | None = getattr(user, "_safecampus_grants", None)
    if held is None:
        held = cached("access", ["grants", user_id], lambda: _load_grants(user_id))
        setattr(user, "_safecampus_grants", held)  # noqa: B010 - not a field of the model
    return held


def _load_grants(user_id: int) -> list[Grant]:
    from .models import RoleAssignment

    rows = RoleAssignment.objects.filter(user_id=user_id).values_list(
        "role", "unit_id", "unit__path", "is_recursive"
    )
    return [Grant(Role(role), unit_id, path, recursive) for role, unit_id, path, recursive in rows]


def grants_for(user: AnyUser | None, action: str) -> list[Grant]:
    allowed = roles_for(action)
    return [g for g in grants(user) if g.role in allowed]


def ancestor_paths(path: str) -> list[str]:
    """ "/a/b/c/" -> ["/a/", "/a/b/"]: the units above the one at `path`."""
    codes = path.strip("/").split("/")
    return [f"/{'/'.join(codes[:n])}/" for n in range(1, len(codes))]


def scoped(queryset: QuerySet[M], user: AnyUser | None, action: str) -> QuerySet[M]:
    """Rows of `queryset` that `user` may `action`: inside an assignment whose role allows it."""
    # Declared by each scoped model (module docstring); models share no base class for it.
    lookup: str = getattr(queryset.model, "scope_path")  # noqa: B009
    inherited = getattr(queryset.model, "scope_inherited", False)
    condition = Q(pk__in=[])
    held = grants_for(user, action)
    if inherited and held:
        # Reference data shipped with the platform (no publisher) is read by everyone.
        condition |= Q(**{f"{lookup}__isnull": True})
    for grant in held:
        if grant.is_recursive:
            condition |= Q(**{f"{lookup}__startswith": grant.path})
        else:
            condition |= Q(**{lookup: grant.path})
        if inherited:
            # Reference data published higher up (a city's risk catalog, rule set) is read
            # by every unit below the publisher.
            condition |= Q(**{f"{lookup}__in": ancestor_paths(grant.path)})
    member = getattr(queryset.model, "scope_member_lookup", None)
    if member and held:
        # Rows the user is named on (an inspection's team) are theirs to see wherever they are.
        condition |= Q(**{member: user})
        queryset = queryset.filter(condition).distinct()
    else:
        queryset = queryset.filter(condition)
    return visible(queryset, user, action)


def visible(queryset: QuerySet[M], user: AnyUser | None, action: str) -> QuerySet[M]:
    """`queryset` less the rows its model's visibility rules hide from `user` (the scope not
    applied): what `scoped()` adds to the scope, for readers whose scope is of another kind
    (the audit trail's entries about those rows)."""
    for rule in _visibility_rules.get(queryset.model, []):
        queryset = rule(queryset, user, action, grants(user))
    return queryset


def has_visibility_rules(model: type[Model]) -> bool:
    return bool(_visibility_rules.get(model))


def scoped_get(queryset: QuerySet[M], user: AnyUser | None, action: str, **lookup: Any) -> M:
    """One row in scope, or 404 — whether it exists elsewhere is not revealed. A row the user
    can see but not act on answers 403."""
    try:
        return scoped(queryset, user, action).get(**lookup)
    except ObjectDoesNotExist:
        view = getattr(queryset.model, "scope_view_action", "org.view")
        if action != view and scoped(queryset, user, view).filter(**lookup).exists():
            raise PermissionDenied from None
        raise Http404 from None


def can(user: AnyUser | None, action: str, unit: AtPath | None = None) -> bool:
    """May `user` do `action` at all (unit=None), or at this org unit?"""
    held = grants_for(user, action)
    if unit is None:
        return bool(held)
    return any(g.covers(unit.path) for g in held)


def assignable_roles(user: AnyUser, unit: AtPath) -> frozenset[Role]:
    """Roles `user` may give or take away at `unit`."""
    from .roles import ASSIGNABLE

    roles: set[Role] = set()
    for grant in grants_for(user, "user.manage"):
        if grant.covers(unit.path):
            roles |= ASSIGNABLE.get(grant.role, frozenset())
    return frozenset(roles)


def assignable_roles_anywhere(user: AnyUser) -> frozenset[Role]:
    """Roles `user` may give at some unit of their scope (to offer in forms)."""
    from .roles import ASSIGNABLE

    return frozenset().union(
        *(ASSIGNABLE.get(g.role, frozenset()) for g in grants_for(user, "user.manage"))
    )


def require(user: AnyUser | None, action: str, unit: AtPath | None = None) -> None:
    if not can(user, action, unit):
        raise PermissionDenied


@dataclass(frozen=True)
class Permission:
    """A named rule of who may act at a unit. Most are an action held there through a role
    (`Permission.of("hazard.report")`); an app may name a rule of its own that still checks
    the records — a member of a check's team reports what it finds at that school, even from
    another district — so that no caller can wave a step through with a flag."""

    name: str
    check: Callable[[AnyUser, AtPath], bool]

    @classmethod
    def of(cls, action: str) -> "Permission":
        return cls(action, lambda user, unit: can(user, action, unit))

    def allows(self, user: AnyUser, unit: AtPath) -> bool:
        return self.check(user, unit)

    def require(self, user: AnyUser, unit: AtPath) -> None:
        if not self.check(user, unit):
            raise PermissionDenied
