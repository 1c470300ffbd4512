"""Reads of emergency plans through the access choke point, and the one filter definition
shared by the plan list page and its API."""

from typing import Annotated, Literal

from django.db.models import Q, QuerySet
from ninja import Field, FilterLookup

from safecampus.access.scope import grants_for, scoped, scoped_get
from safecampus.audit.models import AuditAction, AuditEntry
from safecampus.core.filters import ListFilters
from safecampus.core.pagination import MAX_ID
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit, School

from .choices import IncidentType
from .models import EmergencyPlan
from .plan_services import PUBLISHING_KINDS, plan_manageable


class PlanFilters(ListFilters):
    q: Annotated[
        str | None,
        FilterLookup(q=["title__icontains", "summary__icontains", "unit__name__icontains"]),
    ] = Field(None, max_length=100, description="预案名称、要点或制定单位名称")
    incident_type: IncidentType | None = Field(None, description="事件类型")
    level: Literal["city", "school"] | None = Field(
        None, description="层级：city 市级发布的预案，school 学校的预案"
    )
    district: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="区市（组织机构编号）：该区市学校的预案；0 表示市直属学校",
    )
    school: Annotated[int | None, FilterLookup(q="unit_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号：该校的预案"
    )
    source: Annotated[int | None, FilterLookup(q="adopted_from_id")] = Field(
        None, ge=1, le=MAX_ID, description="来源预案编号：采用该预案的学校副本"
    )
    active: bool | None = Field(None, description="是否在用")

    def filter_level(self, value):
        if value is None:
            return Q()
        school = Q(unit__kind=UnitKind.SCHOOL)
        return school if value == "school" else ~school

    def filter_district(self, value):
        if value is None:
            return Q()
        school = Q(unit__kind=UnitKind.SCHOOL)
        if value == 0:
            return school & Q(unit__school__district__isnull=True)
        return school & Q(unit__school__district_id=value)


def plan_list(*, user, filters: PlanFilters | None = None) -> QuerySet[EmergencyPlan]:
    qs = scoped(EmergencyPlan.objects.select_related("unit", "adopted_from"), user, "plan.view")
    return filters.filter(qs) if filters is not None else qs


def plan_get(*, user, plan_id: int, action: str = "plan.view") -> EmergencyPlan:
    return scoped_get(
        EmergencyPlan.objects.select_related("unit", "adopted_from__unit"),
        user,
        action,
        pk=plan_id,
    )


def plan_copies(*, user, plan: EmergencyPlan) -> QuerySet[EmergencyPlan]:
    """The schools' copies of `plan` that `user` may see (a school sees its own only)."""
    return scoped(
        EmergencyPlan.objects.filter(adopted_from=plan).select_related("unit"), user, "plan.view"
    ).order_by("-active", "unit__path")


def plan_history(plan: EmergencyPlan) -> list[dict]:
    """Who made the plan and who changed it, from the audit trail of this one record (its own
    history, shown to those who may read the plan): kind is create, edit (with the version it
    made), activate or deactivate."""
    entries = AuditEntry.objects.filter(
        object_type=EmergencyPlan._meta.label_lower,
        object_id=str(plan.pk),
        action__in=[AuditAction.CREATE, AuditAction.UPDATE],
    ).order_by("at", "pk")
    history = []
    for e in entries.only("at", "username", "action", "after"):
        after = e.after or {}
        if e.action == AuditAction.CREATE:
            kind = "create"
        elif "version" in after:
            kind = "edit"
        elif "active" in after:
            kind = "activate" if after["active"] else "deactivate"
        else:
            continue
        history.append(
            {"at": e.at, "username": e.username, "kind": kind, "version": after.get("version")}
        )
    return history


def plan_units_for_create(user) -> list[OrgUnit]:
    """The units where `user` may write a plan: their city (or province), or their school."""
    ids = [g.unit_id for g in grants_for(user, "plan.manage")]
    units = OrgUnit.objects.filter(
        pk__in=ids, kind__in=[*PUBLISHING_KINDS, UnitKind.SCHOOL]
    ).order_by("depth", "path")
    return [u for u in units if plan_manageable(user, u)]


def plan_schools_for_adopt(user) -> list[School]:
    """The schools for which `user` may adopt a plan (the schools they lead)."""
    ids = [g.unit_id for g in grants_for(user, "plan.manage")]
    schools = School.objects.filter(pk__in=ids).select_related("unit").order_by("unit__path")
    return list(scoped(schools, user, "plan.manage"))


def plan_school_actives(*, user, schools, plan: EmergencyPlan) -> dict[int, EmergencyPlan]:
    """school id → that school's active plan of `plan`'s type (its copy or its own plan)."""
    rows = scoped(
        EmergencyPlan.objects.filter(
            unit_id__in=[s.pk for s in schools], incident_type=plan.incident_type, active=True
        ).select_related("adopted_from"),
        user,
        "plan.view",
    )
    return {p.unit_id: p for p in rows}
