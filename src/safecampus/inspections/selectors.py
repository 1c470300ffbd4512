from django.db.models import Count, Q, QuerySet

from safecampus.access.roles import roles_for
from safecampus.access.scope import ancestor_paths, scoped, scoped_get
from safecampus.accounts.models import User

from .models import Campaign, ChecklistTemplate, Inspection, InspectionPhoto, Outcome


def campaign_list(*, user) -> QuerySet[Campaign]:
    return scoped(
        Campaign.objects.select_related("unit", "template"), user, "inspection.view"
    ).annotate(
        planned=Count("inspections", distinct=True),
        done=Count("inspections", filter=Q(inspections__status="submitted"), distinct=True),
    )


def campaign_get(*, user, campaign_id: int, action: str = "inspection.view") -> Campaign:
    return scoped_get(
        Campaign.objects.select_related("unit", "template"), user, action, pk=campaign_id
    )


def inspection_list(*, user, campaign=None) -> QuerySet[Inspection]:
    """Inspections in scope — with the spot-check secrecy applied by the choke point."""
    qs = scoped(
        Inspection.objects.select_related("campaign__unit", "school__unit"), user, "inspection.view"
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.annotate(
        failed=Count("results", filter=Q(results__outcome=Outcome.FAIL), distinct=True)
    )


def inspection_get(*, user, inspection_id: int) -> Inspection:
    return scoped_get(
        Inspection.objects.select_related("campaign__template", "campaign__unit", "school__unit"),
        user,
        "inspection.view",
        pk=inspection_id,
    )


def template_list(*, user) -> QuerySet[ChecklistTemplate]:
    return scoped(
        ChecklistTemplate.objects.select_related("unit"), user, "inspection.view"
    ).annotate(item_count=Count("items"))


def inspection_photos(*, user, inspection: Inspection) -> QuerySet[InspectionPhoto]:
    """The photos of an inspection the user may see (the spot-check secrecy included)."""
    return scoped(
        InspectionPhoto.objects.filter(inspection=inspection), user, "inspection.view"
    ).order_by("item__order", "uploaded_at", "pk")


def inspection_photo_get(*, user, photo_id: int) -> InspectionPhoto:
    return scoped_get(
        InspectionPhoto.objects.select_related("inspection__campaign__unit"),
        user,
        "inspection.view",
        pk=photo_id,
    )


def team_candidates(campaign: Campaign) -> QuerySet[User]:
    """Whom a planner may put on an inspection team of the campaign: the active users who see
    inspections at the organizing unit or above it, or at a district below it (the visitors
    of a cross-district check). inspection_plan still checks each member against the school."""
    path = campaign.unit.path
    held_at = Q(assignments__unit__path__in=[*ancestor_paths(path), path]) | (
        Q(assignments__unit__path__startswith=path) & ~Q(assignments__unit__kind="school")
    )
    return (
        User.objects.filter(held_at & Q(assignments__role__in=roles_for("inspection.view")))
        .filter(is_active=True)
        .distinct()
        .order_by("username")
    )
