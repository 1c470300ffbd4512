"""Writes of emergency plans (应急预案): the city publishes plans, a school adopts one per
incident type as its own copy and may adapt it.

Who: a city-level plan is made by users holding `plan.manage` at the city (or above it); a
school's own plan only by that school's principal or safety director — officers above read a
school's plan but do not write it. The city keeps several plans of one type (fire in the
dormitory, the laboratory, the canteen); a school keeps at most one active plan per type, the
one its incidents follow (`services.plan_for`), so activating one retires the other in the
same transaction. Every change is audited by AuditedModel.
"""

from itertools import zip_longest

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import grants_for, require
from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit

from .choices import IncidentType
from .models import EmergencyPlan

MAX_STEPS = 40
MAX_STEP_TEXT = 300
MAX_STEP_ROLE = 50
MAX_TITLE = 200
MAX_SUMMARY = 5000
# The levels a plan is published at: the city (a province at province scale) or a school.
PUBLISHING_KINDS = (UnitKind.PROVINCE, UnitKind.CITY)


def plan_manageable(user, unit) -> bool:
    """May `user` write plans of `unit`? A school's plans are its principal's and safety
    director's alone; a city's, anyone holding `plan.manage` at or above it."""
    held = grants_for(user, "plan.manage")
    if unit.kind == UnitKind.SCHOOL:
        return any(g.unit_id == unit.pk for g in held)
    if unit.kind in PUBLISHING_KINDS:
        return any(g.covers(unit.path) for g in held)
    return False


def _require_manage(user, unit) -> None:
    require(user, "plan.manage")
    if not plan_manageable(user, unit):
        raise PermissionDenied


def plan_steps_clean(steps) -> list[dict]:
    """The steps as stored, [{"text", "role"}, …], or a BusinessRuleError naming the first bad
    step: 1–40 steps, each with text of at most 300 characters and a role of at most 50."""
    if not isinstance(steps, list | tuple):
        raise BusinessRuleError(_("处置步骤格式有误"))
    cleaned = []
    for n, step in enumerate(steps, start=1):
        if isinstance(step, str):
            step = {"text": step}
        if not isinstance(step, dict):
            raise BusinessRuleError(_("第 %(n)d 步格式有误") % {"n": n})
        text = str(step.get("text") or "").replace("\r\n", "\n").strip()
        role = " ".join(str(step.get("role") or "").split())
        if not text:
            raise BusinessRuleError(_("第 %(n)d 步未填写内容") % {"n": n})
        if len(text) > MAX_STEP_TEXT:
            raise BusinessRuleError(
                _("第 %(n)d 步内容超过 %(max)d 字（现 %(len)d 字）")
                % {"n": n, "max": MAX_STEP_TEXT, "len": len(text)}
            )
        if len(role) > MAX_STEP_ROLE:
            raise BusinessRuleError(
                _("第 %(n)d 步的责任人超过 %(max)d 字") % {"n": n, "max": MAX_STEP_ROLE}
            )
        cleaned.append({"text": text, "role": role})
    if not cleaned:
        raise BusinessRuleError(_("请至少填写一个处置步骤"))
    if len(cleaned) > MAX_STEPS:
        raise BusinessRuleError(
            _("处置步骤不能超过 %(max)d 步（现 %(n)d 步）") % {"max": MAX_STEPS, "n": len(cleaned)}
        )
    return cleaned


def plan_steps_from_rows(roles: list[str], texts: list[str]) -> list[dict]:
    """The steps of the page's editor (one role input and one text box a row); rows left
    wholly blank are dropped, so an unused row never becomes an empty step."""
    return [
        {"role": role or "", "text": text or ""}
        for role, text in zip_longest(roles, texts)
        if (role or "").strip() or (text or "").strip()
    ]


def _title_clean(title) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise BusinessRuleError(_("请填写预案名称"))
    if len(title) > MAX_TITLE:
        raise BusinessRuleError(_("预案名称不能超过 %(max)d 字") % {"max": MAX_TITLE})
    return title


def _summary_clean(summary) -> str:
    summary = str(summary or "").replace("\r\n", "\n").strip()
    if len(summary) > MAX_SUMMARY:
        raise BusinessRuleError(_("适用范围与要点不能超过 %(max)d 字") % {"max": MAX_SUMMARY})
    return summary


def _retire_others(plan: EmergencyPlan) -> list[EmergencyPlan]:
    """Make `plan` the school's one active plan of its type: the others are deactivated (and
    answered). The school's unit row is locked first, so two adoptions racing at one school
    queue instead of both staying active (PostgreSQL; SQLite serialises writers anyway)."""
    if plan.unit.kind != UnitKind.SCHOOL:
        return []
    OrgUnit.objects.select_for_update().filter(pk=plan.unit_id).first()
    others = list(
        EmergencyPlan.objects.filter(
            unit_id=plan.unit_id, incident_type=plan.incident_type, active=True
        ).exclude(pk=plan.pk)
    )
    for other in others:
        other.active = False
        other.save()
    return others


@transaction.atomic
def plan_create(
    *,
    user,
    unit: OrgUnit,
    incident_type: str,
    title: str,
    steps,
    summary: str = "",
) -> EmergencyPlan:
    """Publish a city plan, or write a school's own plan (which becomes the school's active
    plan of that type)."""
    if unit.kind not in (*PUBLISHING_KINDS, UnitKind.SCHOOL):
        raise BusinessRuleError(_("应急预案由市级或学校制定"))
    _require_manage(user, unit)
    if incident_type not in IncidentType.values:
        raise BusinessRuleError(_("事件类型无效"))
    plan = EmergencyPlan(
        unit=unit,
        incident_type=incident_type,
        title=_title_clean(title),
        summary=_summary_clean(summary),
        steps=plan_steps_clean(steps),
        updated_at=timezone.now(),
    )
    _retire_others(plan)
    plan.save()
    return plan


_UNSET = object()


@transaction.atomic
def plan_update(
    *, user, plan: EmergencyPlan, title=_UNSET, summary=_UNSET, steps=_UNSET
) -> EmergencyPlan:
    """Edit title, summary or steps. A real change is a new version; incidents already under
    way keep the steps they started with."""
    _require_manage(user, plan.unit)
    changes: dict[str, object] = {}
    if title is not _UNSET:
        changes["title"] = _title_clean(title)
    if summary is not _UNSET:
        changes["summary"] = _summary_clean(summary)
    if steps is not _UNSET:
        changes["steps"] = plan_steps_clean(steps)
    locked = (
        EmergencyPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    )
    changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if not changes:
        return locked
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def plan_adopt(*, user, plan: EmergencyPlan, school) -> EmergencyPlan:
    """Take a city plan as the school's own copy (steps copied, `adopted_from` kept), which
    the school may then adapt. It becomes the school's active plan of that type: the copy it
    had before is deactivated."""
    unit = school.unit
    _require_manage(user, unit)
    # Read afresh (and hold) the source: a plan deactivated meanwhile is not adopted.
    plan = (
        EmergencyPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    )
    if plan.unit.kind == UnitKind.SCHOOL:
        raise BusinessRuleError(_("只能采用市级发布的预案"))
    if not unit.path.startswith(plan.unit.path):
        raise BusinessRuleError(_("该预案不是本校上级发布的预案"))
    if not plan.active:
        raise BusinessRuleError(_("该预案已停用，不能采用"))
    if EmergencyPlan.objects.filter(unit=unit, adopted_from=plan, active=True).exists():
        raise BusinessRuleError(_("本校已采用该预案"))
    copy = EmergencyPlan(
        unit=unit,
        incident_type=plan.incident_type,
        title=plan.title,
        summary=plan.summary,
        steps=[dict(step) for step in plan.steps],
        adopted_from=plan,
        updated_at=timezone.now(),
    )
    _retire_others(copy)
    copy.save()
    return copy


@transaction.atomic
def plan_deactivate(*, user, plan: EmergencyPlan) -> EmergencyPlan:
    """Withdraw a plan: new incidents no longer open it (a school's then follow the city's)."""
    _require_manage(user, plan.unit)
    locked = (
        EmergencyPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    )
    if not locked.active:
        raise BusinessRuleError(_("该预案已停用"))
    locked.active = False
    locked.save()
    return locked


@transaction.atomic
def plan_activate(*, user, plan: EmergencyPlan) -> EmergencyPlan:
    """Put a plan back in use; at a school it replaces the school's active plan of that type."""
    _require_manage(user, plan.unit)
    locked = (
        EmergencyPlan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    )
    if locked.active:
        raise BusinessRuleError(_("该预案已在用"))
    _retire_others(locked)
    locked.active = True
    locked.save()
    return locked
