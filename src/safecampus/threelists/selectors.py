"""Reads of a school's three lists: its risk list, its responsibility list with each
measure's last check, and the staff's own checks (我的检查)."""

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from safecampus.access.scope import ancestor_paths, scoped
from safecampus.accounts.models import User
from safecampus.orgs.models import School
from safecampus.risks.choices import FREQUENCY_DAYS, CheckFrequency, catalog_group_for
from safecampus.risks.models import RiskCatalog

from .models import MeasureCheck, ResponsibilityItem, SchoolRiskPoint


class LastCheck(TypedDict):
    last_checked_at: datetime | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A responsibility item read with the time of its last check.
    CheckedItem = WithAnnotations[ResponsibilityItem, LastCheck]


def school_catalog(school: School) -> RiskCatalog | None:
    """The current catalog for the school's kind, published nearest above it."""
    paths = ancestor_paths(school.unit.path)
    return (
        RiskCatalog.objects.filter(
            group=catalog_group_for(school.school_type), is_current=True, unit__path__in=paths
        )
        .order_by("-unit__depth")
        .first()
    )


def school_risk_points(*, user: User, school: School) -> QuerySet[SchoolRiskPoint]:
    return scoped(
        SchoolRiskPoint.objects.filter(school=school, active=True), user, "risklist.view"
    ).select_related("aspect")


def _with_last_check(qs: QuerySet[ResponsibilityItem]) -> "QuerySet[CheckedItem]":
    last = MeasureCheck.objects.filter(item=OuterRef("pk")).order_by("-at").values("at")[:1]
    return qs.annotate(last_checked_at=Subquery(last))


def responsibility_items(*, user: User, school: School) -> "QuerySet[CheckedItem]":
    qs = scoped(
        ResponsibilityItem.objects.filter(
            risk_point__school=school, risk_point__active=True, active=True
        ),
        user,
        "risklist.view",
    )
    return _with_last_check(qs.select_related("risk_point__aspect", "person"))


def is_due(item: "CheckedItem", now: datetime | None = None) -> bool:
    """Never checked, or the last check is at least one period old."""
    if item.last_checked_at is None:
        return True
    now = now or timezone.now()
    return (
        timezone.localtime(now).date() - timezone.localtime(item.last_checked_at).date()
    ).days >= FREQUENCY_DAYS[CheckFrequency(item.frequency)]


def school_people(school: School) -> QuerySet[User]:
    """The active users holding a role at the school itself: whom its measures go to."""
    return (
        User.objects.filter(is_active=True, assignments__unit=school.unit)
        .distinct()
        .order_by("username")
    )


def my_checks(*, user: User) -> "list[CheckedItem]":
    """The responsibilities assigned to the user, the due ones first (the staff's daily work)."""
    qs = _with_last_check(
        ResponsibilityItem.objects.filter(
            person=user, active=True, risk_point__active=True
        ).select_related("risk_point__school__unit", "risk_point__aspect")
    )
    items = list(
        scoped(qs, user, "risklist.view").order_by("risk_point__school", "risk_point__code", "pk")
    )
    for item in items:
        item.due = is_due(item)
    return sorted(items, key=lambda i: not i.due)
