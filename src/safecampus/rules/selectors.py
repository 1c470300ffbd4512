"""Reads of rule sets through the access choke point, and the rule set in force at a unit."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from safecampus.access.scope import ancestor_paths, scoped, scoped_get
from safecampus.core.types import AnyUser, AtPath
from safecampus.orgs.models import OrgUnit

from .kinds import kinds
from .models import RuleSet, RuleSetAssignment


def rule_set_list(*, user: AnyUser, kind: str | None = None) -> QuerySet[RuleSet]:
    qs = scoped(RuleSet.objects.select_related("unit"), user, "rules.view")
    return qs.filter(kind=kind) if kind else qs


def rule_set_get(*, user: AnyUser, rule_set_id: int, action: str = "rules.view") -> RuleSet:
    return scoped_get(RuleSet.objects.select_related("unit"), user, action, pk=rule_set_id)


def assignment_list(*, user: AnyUser, kind: str | None = None) -> QuerySet[RuleSetAssignment]:
    qs = scoped(RuleSetAssignment.objects.select_related("unit", "rule_set"), user, "rules.view")
    return (qs.filter(kind=kind) if kind else qs).order_by("kind", "unit__path")


@dataclass(frozen=True)
class EffectiveRule:
    """The rule set in force for a kind at a unit, and why (which unit chose it)."""

    rule_set: RuleSet
    chosen_at: OrgUnit | None  # whose assignment applies; None for the shipped default

    @property
    def rules(self) -> Any:
        """The data as its kind's typed model (e.g. RiskMatrix.level(...)); which model
        depends on the kind, known only when the kinds are read, hence Any."""
        return kinds()[self.rule_set.kind].schema.model_validate(self.rule_set.data)

    def explain(self) -> str:
        where = f"{self.chosen_at.name}选用" if self.chosen_at is not None else "平台默认"
        return f"按{self.rule_set}（{where}）"


def effective_rule_set(kind: str, unit: AtPath) -> EffectiveRule:
    """Nearest assignment at or above `unit` for `kind`; else the shipped default. Not scoped:
    it answers which rules govern a unit, for any caller that already may see the unit."""
    paths = [*ancestor_paths(unit.path), unit.path]
    assignment = (
        RuleSetAssignment.objects.filter(kind=kind, unit__path__in=paths)
        .select_related("rule_set", "unit")
        .order_by("-unit__depth")
        .first()
    )
    if assignment is not None:
        return EffectiveRule(assignment.rule_set, assignment.unit)
    return EffectiveRule(RuleSet.objects.get(kind=kind, is_default=True), None)


def rule_partitions(kind: str, path_lookup: str) -> list[tuple[EffectiveRule, Q]]:
    """The rule sets of `kind` in force across the tree, each with the condition (on
    `path_lookup`, e.g. "school__unit__path") that selects the rows it governs. A roll-up over
    thousands of schools aggregates once per partition instead of resolving a rule per school.
    The conditions are disjoint and cover every path."""
    assignments = list(
        RuleSetAssignment.objects.filter(kind=kind).select_related("rule_set", "unit")
    )
    paths = [a.unit.path for a in assignments]
    partitions: list[tuple[EffectiveRule, Q]] = []
    for a in assignments:
        deeper = [p for p in paths if p != a.unit.path and p.startswith(a.unit.path)]
        condition = Q(**{f"{path_lookup}__startswith": a.unit.path})
        for p in deeper:
            condition &= ~Q(**{f"{path_lookup}__startswith": p})
        partitions.append((EffectiveRule(a.rule_set, a.unit), condition))
    rest = Q()
    for p in paths:
        rest &= ~Q(**{f"{path_lookup}__startswith": p})
    partitions.append((EffectiveRule(RuleSet.objects.get(kind=kind, is_default=True), None), rest))
    return partitions


class RuleLookup:
    """The rule set of a kind in force at any path — the deepest assignment at or above it,
    else the shipped default — resolved in Python from one read of the assignments, for
    roll-ups that need the rule of each of thousands of schools (the per-school answer of
    `effective_rule_set`, without a query per school)."""

    def __init__(self, kind: str):
        partitions = [rule for rule, _condition in rule_partitions(kind, "path")]
        self.default = next(r for r in partitions if r.chosen_at is None)
        # The deepest choice first, each with the path it was made at.
        self.chosen = sorted(
            ((r.chosen_at.path, r) for r in partitions if r.chosen_at is not None),
            key=lambda chosen: len(chosen[0]),
            reverse=True,
        )
        self._typed: dict[int, Any] = {}

    def at(self, path: str) -> EffectiveRule:
        return next((r for at, r in self.chosen if path.startswith(at)), self.default)

    def rules(self, rule: EffectiveRule) -> Any:
        """The typed data, validated once per rule set rather than once per school."""
        key = rule.rule_set.pk
        if key not in self._typed:
            self._typed[key] = rule.rules
        return self._typed[key]
