"""Reads of the org tree; each takes the user and goes through the access choke point."""

from collections import Counter
from typing import TypedDict

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from safecampus.access.scope import can, grants, scoped, scoped_get
from safecampus.core.registry import each
from safecampus.core.types import AnyUser

from .choices import BASIC_SCHOOL_TYPES, SchoolType, UnitKind
from .filters import SchoolFilters
from .models import OrgUnit, School


class SchoolTypeCount(TypedDict):
    type: str
    label: str
    count: int


class DistrictFigures(TypedDict):
    id: int
    name: str
    code: str
    map_feature: str
    longitude: float | None
    latitude: float | None
    schools: int
    students: int
    staff: int


class UnitSummary(TypedDict):
    """The figures of a dashboard at one unit (unit_summary)."""

    unit: OrgUnit
    districts: int
    schools: int
    universities: int
    training_institutions: int
    directly_affiliated: int
    students: int
    staff: int
    boarding: int
    by_type: list[SchoolTypeCount]
    district_rows: list[DistrictFigures]


def school_list(
    *, user: AnyUser, filters: SchoolFilters | None = None, action: str = "org.view"
) -> QuerySet[School]:
    qs = scoped(School.objects.select_related("unit", "district"), user, action)
    return filters.filter(qs) if filters is not None else qs


def school_get(*, user: AnyUser, school_id: int, action: str = "org.view") -> School:
    return scoped_get(
        School.objects.select_related("unit", "unit__parent", "district"),
        user,
        action,
        pk=school_id,
    )


def unit_list(
    *, user: AnyUser, kind: str | None = None, parent_id: int | None = None
) -> QuerySet[OrgUnit]:
    qs = scoped(OrgUnit.objects.select_related("parent"), user, "org.view")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs


def home_unit(user: AnyUser) -> OrgUnit | None:
    """The highest unit the user is assigned to: where their dashboard starts."""
    held = grants(user)
    if not held:
        return None
    top = min(held, key=lambda g: g.path.count("/"))
    return OrgUnit.objects.get(pk=top.unit_id)


def unit_get(*, user: AnyUser, unit_id: int) -> OrgUnit:
    return scoped_get(OrgUnit.objects.select_related("parent"), user, "org.view", pk=unit_id)


def district_choices(*, user: AnyUser) -> list[OrgUnit]:
    return list(
        unit_list(user=user, kind=UnitKind.DISTRICT)
        .select_related(None)
        .only("id", "name", "code", "path")
    )


def unit_summary(*, user: AnyUser, unit: OrgUnit) -> UnitSummary:
    """Counts for a dashboard at `unit`, computed from the school records in the user's scope.

    One grouped scan of the schools (by type, district and boarding) feeds every figure:
    at province scale the school table is the cost, so it is read once."""
    schools = scoped(
        School.objects.filter(unit__path__startswith=unit.path), user, "dashboard.view"
    )
    groups = schools.values("school_type", "district_id", "boarding").annotate(
        n=Count("pk"), students=Sum("students"), staff=Sum("staff")
    )
    basic_types = {t.value for t in BASIC_SCHOOL_TYPES}
    by_type: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    per_district: dict[int, Counter[str]] = {}
    for group in groups:
        by_type[group["school_type"]] += group["n"]
        if group["school_type"] not in basic_types:
            continue
        basic = Counter(
            schools=group["n"], students=group["students"] or 0, staff=group["staff"] or 0
        )
        totals += basic
        totals["boarding"] += group["n"] if group["boarding"] else 0
        if group["district_id"] is None:
            totals["directly_affiliated"] += group["n"]
        else:
            per_district.setdefault(group["district_id"], Counter()).update(basic)
    districts = scoped(
        OrgUnit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=unit.path),
        user,
        "dashboard.view",
    )
    no_schools: Counter[str] = Counter()  # a district without basic schools: 0 of each
    district_rows: list[DistrictFigures] = [
        {
            "id": d.pk,
            "name": d.name,
            "code": d.code,
            "map_feature": d.map_feature,
            "longitude": float(d.longitude) if d.longitude is not None else None,
            "latitude": float(d.latitude) if d.latitude is not None else None,
            "schools": per_district.get(d.pk, no_schools)["schools"],
            "students": per_district.get(d.pk, no_schools)["students"],
            "staff": per_district.get(d.pk, no_schools)["staff"],
        }
        for d in districts.order_by("code")
    ]
    return {
        "unit": unit,
        "districts": len(district_rows),
        "schools": totals["schools"],
        "universities": by_type[SchoolType.UNIVERSITY.value],
        "training_institutions": by_type[SchoolType.TRAINING.value],
        "directly_affiliated": totals["directly_affiliated"],
        "students": totals["students"],
        "staff": totals["staff"],
        "boarding": totals["boarding"],
        "by_type": [
            {"type": t.value, "label": str(t.label), "count": by_type.get(t.value, 0)}
            for t in SchoolType
        ],
        "district_rows": district_rows,
    }


def school_pages(user: AnyUser, school: School) -> list[dict[str, str]]:
    """The pages about `school` that the apps declare (`school_pages`, core/registry.py) and
    `user` may open there, in their order."""
    pages = sorted((page for _app, page in each("school_pages")), key=lambda p: p.order)
    return [
        {
            "label": str(page.label),
            "url": f"{reverse(page.url_name)}?{page.query}={school.pk}"
            if page.query
            else reverse(page.url_name, args=[school.pk]),
        }
        for page in pages
        if can(user, page.action, school.unit)
    ]
