"""Reads of accounts for the people who manage them; scoped through the role assignments."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from safecampus.access.models import RoleAssignment
from safecampus.access.scope import scoped
from safecampus.orgs.models import OrgUnit

from .models import User
from .policy import security_policy


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
    return set(
        _locked_attempts().filter(username__in=list(usernames)).values_list("username", flat=True)
    )


def _locked_attempts() -> QuerySet[Any]:
    """Per username: the recent failures (summed over its rows) of the accounts locked now."""
    from axes.models import AccessAttempt

    policy = security_policy()
    attempts: QuerySet[Any] = (
        AccessAttempt.objects.filter(
            attempt_time__gte=timezone.now() - timedelta(minutes=policy.lockout_minutes)
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_at=Max("attempt_time"))
        .filter(failures__gte=policy.lockout_failures)
    )
    return attempts


def lockout_list() -> list[dict[str, Any]]:
    """The accounts the login lockout holds now (username, failures, last attempt, the user's
    id if the name is an account's, when the lockout ends), most recent first: the security
    administrator's list. A name that is no account (someone guessing) is listed too."""
    rows = list(_locked_attempts().order_by("-last_at", "username"))
    ids = dict(
        User.objects.filter(username__in=[r["username"] for r in rows]).values_list(
            "username", "id"
        )
    )
    minutes = timedelta(minutes=security_policy().lockout_minutes)
    return [
        {
            "username": r["username"],
            "user_id": ids.get(r["username"]),
            "failures": r["failures"],
            "last_attempt_at": r["last_at"],
            "locked_until": r["last_at"] + minutes,
        }
        for r in rows
    ]


def second_factor_list(*, admin: User, q: str = "") -> QuerySet[User]:
    """Accounts with a role inside the security administrator's scope, for the second-factor
    page: each annotated `second_factor` (a confirmed TOTP device)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    ids = scoped(RoleAssignment.objects.all(), admin, "security.manage").values("user_id")
    qs = User.objects.filter(pk__in=ids)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return qs.annotate(
        second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    ).order_by("username")


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
