"""Reads of accounts for the people who manage them; scoped through the role assignments."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from safecampus.access.models import RoleAssignment
from safecampus.access.scope import scoped
from safecampus.orgs.models import OrgUnit

from .models import User


def _managed_assignments(manager: User) -> QuerySet[RoleAssignment]:
    return scoped(RoleAssignment.objects.all(), manager, "user.manage")


def user_list(
    *, manager: User, q: str = "", role: str = "", active: bool | None = None
) -> QuerySet[User]:
    """Users with at least one role assignment inside the manager's scope, each with only
    those of their assignments (`assignments.all()`): a district officer managing a teacher
    who also holds a role in another district does not learn of it."""
    qs = User.objects.filter(pk__in=_managed_assignments(manager).values("user_id"))
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    if role:
        qs = qs.filter(assignments__role=role).distinct()
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("username").prefetch_related(
        Prefetch(
            "assignments",
            queryset=_managed_assignments(manager).select_related("unit").order_by("unit__path"),
        )
    )


def manageable_units(manager: User) -> QuerySet[OrgUnit]:
    """Units at which the manager may give roles."""
    return scoped(OrgUnit.objects.all(), manager, "user.manage")


def user_get(*, manager: User, user_id: int) -> User:
    from django.http import Http404

    try:
        return user_list(manager=manager).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404 from None


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these accounts the login lockout currently holds. django-axes keeps one row per
    username, address and browser, and locks a username on the sum of its rows' recent
    failures (the lockout is per username): so the sum here too, not one row's count."""
    from axes.models import AccessAttempt

    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values_list("username", flat=True)
    )


def actor_unit(user_id: int | None) -> tuple[int | None, str]:
    """Where the audit trail files an actor's events that have no unit of their own (a login,
    an import): the actor's highest assigned unit, else the root of the tree."""
    row = None
    if user_id is not None:
        row = (
            RoleAssignment.objects.filter(user_id=user_id)
            .order_by("unit__depth", "unit__path")
            .values_list("unit_id", "unit__path")
            .first()
        )
    if row is None:
        row = (
            OrgUnit.objects.filter(parent__isnull=True)
            .order_by("path")
            .values_list("id", "path")
            .first()
        )
    return row or (None, "")
