"""Writes of rule sets: shipped defaults kept in step with the code, copies that an
administrator adapts, and choosing which rule set applies below a unit."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from safecampus.access.scope import require
from safecampus.accounts.models import User
from safecampus.audit.context import Actor, acting_as
from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.models import OrgUnit

from .kinds import kinds, validate_data
from .models import RuleSet, RuleSetAssignment


def builtin_rule_sets_sync(**kwargs: Any) -> None:
    """Create or refresh the shipped rule sets (run after every migrate)."""
    with acting_as(Actor(channel="system", username="system")):
        for kind, spec in kinds().items():
            for builtin in spec.builtins:
                RuleSet.objects.update_or_create(
                    kind=kind,
                    name=builtin.name,
                    version=builtin.version,
                    defaults={
                        "effective_from": builtin.effective_from,
                        "authority": builtin.authority,
                        "source": builtin.source,
                        "data": validate_data(kind, builtin.data),
                        "builtin": True,
                        "is_default": builtin.default,
                        "unit": None,
                    },
                )


def _checked(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return validate_data(kind, data)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(str(p) for p in e['loc']) or '内容'}：{e['msg']}" for e in exc.errors()
        )
        raise BusinessRuleError(_("规则内容有误：%(problems)s") % {"problems": problems}) from None


@transaction.atomic
def rule_set_copy(
    *,
    user: User,
    source: RuleSet,
    unit: OrgUnit,
    name: str,
    version: str,
    effective_from: date,
    authority: str,
    data: dict[str, Any],
) -> RuleSet:
    """A new rule set published at `unit`, starting from `source` with the edited data."""
    require(user, "rules.manage", unit)
    if unit.kind not in ("province", "city", "district"):
        raise BusinessRuleError(_("规则集由省、市或区市发布"))
    if RuleSet.objects.filter(kind=source.kind, name=name, version=version).exists():
        raise BusinessRuleError(_("已有同名同版本的规则集，请修改名称或版本"))
    return RuleSet.objects.create(
        kind=source.kind,
        name=name,
        version=version,
        effective_from=effective_from,
        authority=authority,
        source=_("复制自 %(source)s") % {"source": source},
        data=_checked(source.kind, data),
        unit=unit,
    )


@transaction.atomic
def rule_set_assign(*, user: User, unit: OrgUnit, rule_set: RuleSet) -> RuleSetAssignment:
    """From now on `rule_set` applies at `unit` and below (replacing its earlier choice)."""
    require(user, "rules.manage", unit)
    if rule_set.unit is not None and not unit.path.startswith(rule_set.unit.path):
        raise BusinessRuleError(_("只能选用本单位或上级发布的规则集"))
    assignment, created = RuleSetAssignment.objects.get_or_create(
        unit=unit, kind=rule_set.kind, defaults={"rule_set": rule_set}
    )
    if not created and assignment.rule_set_id != rule_set.pk:
        assignment.rule_set = rule_set
        assignment.save()
    return assignment


@transaction.atomic
def rule_set_unassign(*, user: User, assignment: RuleSetAssignment) -> None:
    """The unit goes back to the rule set chosen above it (or the shipped default)."""
    require(user, "rules.manage", assignment.unit)
    assignment.delete()
