"""Reads of the org tree; each takes the user and goes through the access choke point."""

from django.db.models import Count, Q, QuerySet, Sum

from safecampus.access.scope import scoped, scoped_get

from .choices import BASIC_SCHOOL_TYPES, SchoolType, UnitKind
from .filters import SchoolFilters
from .models import OrgUnit, School


def school_list(
    *, user, filters: SchoolFilters | None = None, action: str = "org.view"
) -> QuerySet[School]:
    qs = scoped(School.objects.select_related("unit", "district"), user, action)
    return filters.filter(qs) if filters is not None else qs


def school_get(*, user, school_id: int, action: str = "org.view") -> School:
    return scoped_get(
        School.objects.select_related("unit", "unit__parent", "district"),
        user,
        action,
        pk=school_id,
    )


def unit_list(*, user, kind: str | None = None, parent_id: int | None = None) -> QuerySet[OrgUnit]:
    qs = scoped(OrgUnit.objects.select_related("parent"), user, "org.view")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs


def unit_get(*, user, unit_id: int) -> OrgUnit:
    return scoped_get(OrgUnit.objects.select_related("parent"), user, "org.view", pk=unit_id)


def district_choices(*, user) -> list[OrgUnit]:
    return list(
        unit_list(user=user, kind=UnitKind.DISTRICT)
        .select_related(None)
        .only("id", "name", "code", "path")
    )


def unit_summary(*, user, unit: OrgUnit) -> dict:
    """Counts for a dashboard at `unit`, computed from the school records in the user's scope."""
    schools = scoped(
        School.objects.filter(unit__path__startswith=unit.path), user, "dashboard.view"
    )
    basic = Q(school_type__in=BASIC_SCHOOL_TYPES)
    totals = schools.aggregate(
        schools=Count("pk", filter=basic),
        universities=Count("pk", filter=Q(school_type=SchoolType.UNIVERSITY)),
        training=Count("pk", filter=Q(school_type=SchoolType.TRAINING)),
        directly_affiliated=Count("pk", filter=basic & Q(district__isnull=True)),
        students=Sum("students", filter=basic),
        staff=Sum("staff", filter=basic),
        boarding=Count("pk", filter=basic & Q(boarding=True)),
    )
    by_type = dict(
        schools.values_list("school_type").annotate(n=Count("pk")).values_list("school_type", "n")
    )
    districts = scoped(
        OrgUnit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=unit.path),
        user,
        "dashboard.view",
    )
    per_district = {
        row["district_id"]: row
        for row in schools.filter(basic, district__isnull=False)
        .values("district_id")
        .annotate(schools=Count("pk"), students=Sum("students"), staff=Sum("staff"))
    }
    district_rows = [
        {
            "id": d.pk,
            "name": d.name,
            "code": d.code,
            "map_feature": d.map_feature,
            "longitude": float(d.longitude) if d.longitude is not None else None,
            "latitude": float(d.latitude) if d.latitude is not None else None,
            "schools": per_district.get(d.pk, {}).get("schools", 0),
            "students": per_district.get(d.pk, {}).get("students") or 0,
            "staff": per_district.get(d.pk, {}).get("staff") or 0,
        }
        for d in districts.order_by("code")
    ]
    return {
        "unit": unit,
        "districts": len(district_rows),
        "schools": totals["schools"],
        "universities": totals["universities"],
        "training_institutions": totals["training"],
        "directly_affiliated": totals["directly_affiliated"],
        "students": totals["students"] or 0,
        "staff": totals["staff"] or 0,
        "boarding": totals["boarding"],
        "by_type": [
            {"type": t.value, "label": str(t.label), "count": by_type.get(t.value, 0)}
            for t in SchoolType
        ],
        "district_rows": district_rows,
    }
