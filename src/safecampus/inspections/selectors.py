from django.db.models import Count, Q, QuerySet

from safecampus.access.scope import scoped, scoped_get

from .models import Campaign, ChecklistTemplate, Inspection, Outcome


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
