"""Reads of the rectification list through the access choke point."""

from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import get_language

from safecampus.access.scope import scoped, scoped_get
from safecampus.core.dataversion import cached
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit
from safecampus.orgs.selectors import unit_list
from safecampus.risks.models import Aspect

from .choices import HazardLevel, HazardStatus, hazard_overdue
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


def hazard_ids(*, user, filters: HazardFilters | None = None) -> QuerySet:
    """The ids of hazard_list() in its order, without joins: the narrow query a page is cut
    from. Sorting the wide joined rows was the cost of a page at province scale, so the page's
    columns are read afterwards, for its ids only (hazard_rows, hazard_ledger)."""
    return hazard_list(user=user, filters=filters).select_related(None).values_list("pk", flat=True)


def _school_name() -> Subquery:
    # The school's name looked up by the hazard's school_id (a school's key is its unit's id):
    # joining orgs_school and then orgs_orgunit made PostgreSQL plan a page's query for longer
    # than it ran it.
    return Subquery(OrgUnit.objects.filter(pk=OuterRef("school_id")).order_by().values("name"))


# The columns the ledger page shows, read as plain values: building model instances for five
# joined tables per row was most of the page's cost.
LEDGER_FIELDS = (
    "pk",
    "district_id",
    "district__name",
    "description",
    "aspect__name",
    "source",
    "level",
    "supervised_by_id",
    "status",
    "deadline",
    "owner__full_name",
    "owner__username",
)


def hazard_ledger(ids: QuerySet, *, user) -> QuerySet:
    """The ledger page's columns for a page of hazard_ids(): dicts of LEDGER_FIELDS, the
    school's name and the day found (in the current time zone, worked out by the database)."""
    return (
        hazard_list(user=user)
        .filter(pk__in=ids)
        .values(*LEDGER_FIELDS, school_name=_school_name(), found_on=TruncDate("found_at"))
    )


# The fields of the API's list rows (hazards.api.HazardOut) read as plain values:
# model instances of five joined tables, serialised attribute by attribute, were most of the
# list's cost.
ROW_FIELDS = (
    "id",
    "school_id",
    "district_id",
    "level",
    "source",
    "place",
    "description",
    "found_at",
    "status",
    "owner_id",
    "deadline",
    "plan",
    "measures",
    "money",
    "result",
    "closed_at",
    "supervised_by_id",
    "supervision_deadline",
)


def hazard_rows(ids: QuerySet, *, user) -> list[dict]:
    """The hazards of a page of hazard_ids() as dicts of the API's list fields."""
    today = timezone.localdate()
    labels = {value: str(label) for value, label in HazardStatus.choices}
    rows = list(
        hazard_list(user=user)
        .filter(pk__in=ids)
        .values(*ROW_FIELDS, school_name=_school_name(), aspect_code=F("aspect__code"))
    )
    for row in rows:
        row["aspect"] = row.pop("aspect_code")
        row["status_label"] = labels[row["status"]]
        row["overdue"] = hazard_overdue(row["status"], row["deadline"], today)
    return rows


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
    qs = _narrow(hazard_list(user=user, filters=filters))
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


def _narrow(qs: QuerySet) -> QuerySet:
    # No joins and no order: an aggregate needs neither, and the cache key (the query's SQL)
    # is compiled on every request, cached or not.
    return qs.select_related(None).order_by()


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
    qs = _narrow(hazard_list(user=user, filters=filters))
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


def filter_choices(*, user) -> dict:
    """The districts of the user's scope and the sixteen aspects, for the filter form of the
    ledger and the statistics: cached like the statistics, whose counter also counts writes
    to the org tree (the aspects are fixed, set by a migration)."""
    districts = unit_list(user=user, kind=UnitKind.DISTRICT).select_related(None)

    def compute():
        return {
            "districts": list(districts.values("pk", "name")),
            "aspects": list(Aspect.objects.values("code", "name")),
        }

    return cached("hazards", ["choices", str(districts.query)], compute)


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
