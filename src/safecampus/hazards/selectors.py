"""Reads of the rectification list through the access choke point."""

from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from safecampus.access.scope import scoped, scoped_get
from safecampus.core.dataversion import cached

from .choices import HazardLevel, HazardStatus
from .filters import HazardFilters
from .models import Hazard


def rectification_rate(rectified: int, found: int) -> float | None:
    """Rectified ÷ found in percent, cut (not rounded) to two decimals as the bureau's reports
    state it: 16,712 of 16,835 is 99.26%, never rounded up to a figure not yet reached."""
    if not found:
        return None
    return float(
        (Decimal(rectified) * 100 / Decimal(found)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    )


def hazard_list(*, user, filters: HazardFilters | None = None) -> QuerySet[Hazard]:
    qs = scoped(
        Hazard.objects.select_related("school__unit", "district", "aspect", "owner"),
        user,
        "hazard.view",
    )
    return filters.filter(qs) if filters is not None else qs


def hazard_get(*, user, hazard_id: int, action: str = "hazard.view") -> Hazard:
    return scoped_get(
        Hazard.objects.select_related(
            "school__unit",
            "district",
            "aspect",
            "owner",
            "found_by",
            "supervised_by",
            "supervisor",
            "catalog_point",
        ),
        user,
        action,
        pk=hazard_id,
    )


def hazard_stats(*, user, filters: HazardFilters | None = None) -> dict:
    """Found / rectified (closed) / rate / overdue / major / supervised, in the caller's scope,
    computed in one aggregate over the hazard records."""
    qs = hazard_list(user=user, filters=filters).order_by()
    today = timezone.localdate()

    def compute():
        closed = Q(status=HazardStatus.CLOSED)
        totals = qs.aggregate(
            found=Count("pk"),
            rectified=Count("pk", filter=closed),
            overdue=Count("pk", filter=~closed & Q(deadline__lt=today)),
            major=Count("pk", filter=Q(level=HazardLevel.MAJOR)),
            major_open=Count("pk", filter=Q(level=HazardLevel.MAJOR) & ~closed),
            supervised=Count("pk", filter=Q(supervised_by__isnull=False) & ~closed),
        )
        totals["open"] = totals["found"] - totals["rectified"]
        totals["rate"] = rectification_rate(totals["rectified"], totals["found"])
        return totals

    return _cached(qs, "totals", compute, today)


def _cached(qs, what: str, compute, today):
    """compute() cached until any hazard or org unit changes (core/dataversion.py), keyed by
    the scoped, filtered query itself: the caller's scope and filters are in its SQL."""
    return cached("hazards", [what, str(qs.query), today, get_language()], compute)


def hazard_stats_by(*, user, filters: HazardFilters | None, group: str) -> list[dict]:
    """The same figures per district, school or aspect (for the statistics tables)."""
    fields = {
        "district": ("district_id", "district__name"),
        "school": ("school_id", "school__unit__name"),
        "aspect": ("aspect__code", "aspect__name"),
    }[group]
    closed = Q(status=HazardStatus.CLOSED)
    qs = hazard_list(user=user, filters=filters).order_by()
    today = timezone.localdate()

    def compute():
        rows = (
            qs.values(*fields)
            .annotate(
                found=Count("pk"),
                rectified=Count("pk", filter=closed),
                overdue=Count("pk", filter=~closed & Q(deadline__lt=today)),
                major=Count("pk", filter=Q(level=HazardLevel.MAJOR)),
            )
            .order_by("-found")
        )
        return [
            {
                "key": row[fields[0]],
                "name": row[fields[1]] or "",
                "found": row["found"],
                "rectified": row["rectified"],
                "rate": rectification_rate(row["rectified"], row["found"]),
                "overdue": row["overdue"],
                "major": row["major"],
            }
            for row in rows
        ]

    return _cached(qs, f"by-{group}", compute, today)


def owner_candidates(hazard: Hazard):
    """Who can be made responsible for rectifying: the active users of the school itself
    (rarely, someone above it — they are picked by id through the API)."""
    from safecampus.access.scope import ancestor_paths
    from safecampus.accounts.models import User

    path = hazard.school.unit.path
    return (
        User.objects.filter(
            is_active=True, assignments__unit__path__in=[*ancestor_paths(path), path]
        )
        .distinct()
        .order_by("username")
    )
