"""Reads of buildings, projects and the remediation roll-ups, through the access choke point."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from safecampus.access.scope import scoped, scoped_get

from .choices import KINDS_COUNTING_FOR, ProjectStatus
from .filters import NEEDING, BuildingFilters, ProjectFilters, RemediationFilters
from .models import Building, ProjectBuilding, RemediationProject


def building_list(
    *, user, filters: BuildingFilters | None = None, action: str = "building.view"
) -> QuerySet[Building]:
    qs = scoped(Building.objects.select_related("school__unit", "school__district"), user, action)
    return filters.filter(qs) if filters is not None else qs


def building_get(*, user, building_id: int, action: str = "building.view") -> Building:
    return scoped_get(
        Building.objects.select_related("school__unit", "school__district"),
        user,
        action,
        pk=building_id,
    )


def project_list(
    *, user, filters: ProjectFilters | None = None, action: str = "building.view"
) -> QuerySet[RemediationProject]:
    qs = scoped(
        RemediationProject.objects.select_related("school__unit", "school__district"),
        user,
        action,
    ).annotate(building_count=Count("buildings"))
    # A grouped query drops Meta.ordering: the order is stated for the pages.
    qs = qs.order_by("-planned_start", "-pk")
    return filters.filter(qs) if filters is not None else qs


def project_get(*, user, project_id: int, action: str = "building.view") -> RemediationProject:
    return scoped_get(
        RemediationProject.objects.select_related(
            "school__unit", "school__district", "acceptance_by", "acceptance_unit", "created_by"
        ),
        user,
        action,
        pk=project_id,
    )


def project_buildings(project: RemediationProject) -> QuerySet[Building]:
    """The buildings a project covers (the project was fetched through the choke point)."""
    return Building.objects.filter(projectbuilding__project=project).order_by("name")


def project_events(project: RemediationProject):
    return project.events.select_related("by")


def _remediated(filters: RemediationFilters) -> Q:
    """A building is remediated once an accepted project of the kind covers it (by `until`).
    An uncorrelated IN: the database computes the covered buildings once per query (a
    correlated EXISTS was planned per building, through the projects: seconds at city scale)."""
    links = ProjectBuilding.objects.filter(project__status=ProjectStatus.ACCEPTED)
    if filters.kind:
        links = links.filter(project__kind__in=KINDS_COUNTING_FOR[filters.kind])
    until = filters.until()
    if until is not None:
        links = links.filter(project__acceptance_on__lte=until)
    return Q(pk__in=links.values("building_id"))


def _figures(filters: RemediationFilters) -> dict:
    done = _remediated(filters)
    return {
        "schools": Count("school_id", distinct=True, filter=done),
        "buildings": Count("pk", filter=done),
        "area_done": Sum("floor_area_m2", filter=done),
        "schools_total": Count("school_id", distinct=True),
        "buildings_total": Count("pk"),
        "area_all": Sum("floor_area_m2"),
        "needing_remediation": Count("pk", filter=NEEDING),
    }


def _clean(row: dict) -> dict:
    # Aggregates cannot be named like the field they sum; renamed here.
    zero = Decimal("0.00")
    row["floor_area_m2"] = row.pop("area_done") or zero
    row["floor_area_total_m2"] = row.pop("area_all") or zero
    row["floor_area_wan"] = row["floor_area_m2"] / 10000  # 万 m², as the bureau reports it
    return row


def _buildings_in_scope(user, filters: RemediationFilters) -> QuerySet[Building]:
    return scoped(Building.objects.filter(filters.buildings_q()), user, "building.view").order_by()


def remediation_rollup(*, user, filters: RemediationFilters) -> dict:
    """Schools, buildings and floor area remediated (covered by an accepted project), next to
    the totals and the buildings still needing remediation, in the caller's scope: one
    aggregate over the building records."""
    return _clean(_buildings_in_scope(user, filters).aggregate(**_figures(filters)))


GROUPS = {
    "district": ("school__district_id", "school__district__name", "school__district__path"),
    "school": ("school_id", "school__unit__name", "school__unit__path"),
}


def remediation_rollup_by(*, user, filters: RemediationFilters, group: str) -> QuerySet:
    """The same figures per district (key None = 市直属) or per school: one grouped query."""
    key, name, path = GROUPS[group]
    return (
        _buildings_in_scope(user, filters)
        .values(key, name, path)
        .annotate(**_figures(filters))
        .order_by(path)
    )


def rollup_row(row: dict, group: str) -> dict:
    key, name, _path = GROUPS[group]
    return {**_clean(dict(row)), "key": row[key], "name": row[name]}


def project_stats(*, user, filters: RemediationFilters) -> dict:
    """Projects by state in the caller's scope, and the budget of those accepted (by `until`)."""
    qs = scoped(
        RemediationProject.objects.filter(filters.buildings_q()), user, "building.view"
    ).order_by()
    if filters.kind:
        qs = qs.filter(kind__in=KINDS_COUNTING_FOR[filters.kind])
    accepted = Q(status=ProjectStatus.ACCEPTED)
    until = filters.until()
    if until is not None:
        accepted &= Q(acceptance_on__lte=until)
    stats = qs.aggregate(
        planned=Count("pk", filter=Q(status=ProjectStatus.PLANNED)),
        in_progress=Count("pk", filter=Q(status=ProjectStatus.IN_PROGRESS)),
        awaiting_acceptance=Count("pk", filter=Q(status=ProjectStatus.AWAITING_ACCEPTANCE)),
        rejected=Count("pk", filter=Q(status=ProjectStatus.REJECTED)),
        accepted=Count("pk", filter=accepted),
        accepted_budget_yuan=Sum("budget_yuan", filter=accepted),
    )
    stats["accepted_budget_yuan"] = stats["accepted_budget_yuan"] or Decimal("0.00")
    return stats
