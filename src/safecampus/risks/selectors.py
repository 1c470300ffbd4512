"""Reads of the risk catalogs, through the access choke point (catalogs published above a
unit are visible to it: `scope_inherited`)."""

from django.db.models import Count, Q, QuerySet

from safecampus.access.scope import scoped, scoped_get

from .filters import PointFilters
from .models import CatalogRiskPoint, RiskCatalog


def catalog_list(*, user, current_only: bool = False) -> QuerySet[RiskCatalog]:
    qs = scoped(RiskCatalog.objects.select_related("unit"), user, "catalog.view")
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.annotate(
        point_count=Count("points", distinct=True),
        measure_count=Count("points__measures", distinct=True),
        generated_count=Count("points", filter=Q(points__generated=True), distinct=True),
    ).order_by("unit__path", "group", "-created_at")


def catalog_get(*, user, catalog_id: int, action: str = "catalog.view") -> RiskCatalog:
    return scoped_get(RiskCatalog.objects.select_related("unit"), user, action, pk=catalog_id)


def catalog_points(*, user, catalog: RiskCatalog, filters: PointFilters | None = None) -> QuerySet:
    qs = scoped(CatalogRiskPoint.objects.filter(catalog=catalog), user, "catalog.view")
    if filters is not None:
        qs = filters.filter(qs)
    return qs.select_related("aspect").prefetch_related("measures").order_by("code")


def catalog_level_counts(*, catalog: RiskCatalog) -> dict[str, int]:
    return dict(
        catalog.points.values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
