"""Reads of the staffing and physical defenses through the access choke point, and the
four-100% figures of the caller's scope."""

from datetime import timedelta

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from safecampus.access.scope import scoped, scoped_get
from safecampus.orgs.models import School
from safecampus.rules.selectors import effective_rule_set

from .filters import DefenseFilters, VerdictFilters
from .indicators import filter_verdicts, rates, school_verdicts
from .models import (
    CampusSecurity,
    EntryRecord,
    Equipment,
    GatePost,
    GatePostDuty,
    GatePostSignIn,
    Guard,
)


def defense_schools(*, user, filters: DefenseFilters | None = None) -> QuerySet[School]:
    """The schools whose defenses the user may see, narrowed by the filters."""
    qs = scoped(School.objects.all(), user, "defense.view")
    return filters.filter(qs) if filters is not None else qs


def defense_school_get(*, user, school_id: int, action: str = "defense.view") -> School:
    return scoped_get(School.objects.select_related("unit", "district"), user, action, pk=school_id)


def verdict_list(*, user, filters: VerdictFilters | None = None):
    filters = filters or VerdictFilters.model_validate({})
    verdicts = school_verdicts(defense_schools(user=user, filters=filters))
    return filter_verdicts(verdicts, filters.indicator, filters.meets)


def defense_summary(*, user, filters: DefenseFilters | None = None) -> dict:
    """Counts and the four indicator rates over the caller's scope (and filters)."""
    from safecampus.devices.selectors import camera_counts

    schools = defense_schools(user=user, filters=filters)
    ids = schools.values("pk")
    figures = rates(school_verdicts(schools))
    equipment = (
        scoped(Equipment.objects.filter(school__in=ids), user, "defense.view").aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    return {
        "schools": figures["schools"],
        "guards": scoped(Guard.objects.filter(school__in=ids, active=True), user, "defense.view")
        .order_by()
        .count(),
        "equipment": equipment,
        **camera_counts(schools),
        "meets": figures["meets"],
        "meets_all": figures["meets_all"],
        "rates": figures["rates"],
    }


# --- one school's records --------------------------------------------------------------------


def guard_list(*, user, school=None) -> QuerySet[Guard]:
    qs = scoped(Guard.objects.select_related("school__unit"), user, "defense.view")
    return qs.filter(school=school) if school is not None else qs


def guard_get(*, user, guard_id: int, action: str = "defense.view") -> Guard:
    return scoped_get(Guard.objects.select_related("school__unit"), user, action, pk=guard_id)


def gate_post_list(*, user, school=None) -> QuerySet[GatePost]:
    qs = scoped(
        GatePost.objects.select_related("school__unit").prefetch_related(
            Prefetch("duties", queryset=GatePostDuty.objects.order_by("kind", "name", "pk"))
        ),
        user,
        "defense.view",
    )
    return qs.filter(school=school) if school is not None else qs


def gate_post_get(*, user, post_id: int, action: str = "defense.view") -> GatePost:
    return scoped_get(GatePost.objects.select_related("school__unit"), user, action, pk=post_id)


def duty_get(*, user, duty_id: int, action: str = "defense.view") -> GatePostDuty:
    return scoped_get(
        GatePostDuty.objects.select_related("post__school__unit"), user, action, pk=duty_id
    )


def sign_in_list(*, user, school=None, on_date=None) -> QuerySet[GatePostSignIn]:
    qs = scoped(GatePostSignIn.objects.select_related("post"), user, "defense.view")
    if school is not None:
        qs = qs.filter(post__school=school)
    return qs.filter(on_date=on_date) if on_date is not None else qs


def equipment_list(*, user, school=None) -> QuerySet[Equipment]:
    qs = scoped(Equipment.objects.select_related("school__unit"), user, "defense.view")
    return qs.filter(school=school) if school is not None else qs


def equipment_get(*, user, equipment_id: int, action: str = "defense.view") -> Equipment:
    return scoped_get(
        Equipment.objects.select_related("school__unit"), user, action, pk=equipment_id
    )


def check_interval_days(school) -> int:
    """The equipment check interval of the rule set in force at the school."""
    return effective_rule_set("equipment_check", school.unit).rules.check_interval_days


def check_overdue(equipment: Equipment, interval_days: int, today=None) -> bool:
    """Never checked, or last checked more than one interval ago."""
    today = today or timezone.localdate()
    return equipment.last_checked_on is None or equipment.last_checked_on < today - timedelta(
        days=interval_days
    )


def security_of(school) -> CampusSecurity | None:
    """The school's closure record (the caller has fetched the school through the choke point)."""
    return CampusSecurity.objects.filter(school=school).first()


def entry_list(*, user, school=None) -> QuerySet[EntryRecord]:
    qs = scoped(
        EntryRecord.objects.select_related("school__unit", "recorded_by"), user, "defense.view"
    )
    return qs.filter(school=school) if school is not None else qs


def entry_get(*, user, entry_id: int, action: str = "defense.view") -> EntryRecord:
    return scoped_get(EntryRecord.objects.select_related("school__unit"), user, action, pk=entry_id)
