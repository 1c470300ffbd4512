"""The secrecy of unannounced spot checks (四不两直), as a rule of the access choke point."""

from django.db.models import Q

from .models import CampaignKind


def spot_check_secrecy(prefix: str):
    """A rule for querysets of Inspection (prefix "") or of rows below it ("inspection__"):
    a spot check that has not started is seen only by the organizers — users assigned at the
    organizing unit or above — and by its inspection team; its target school and district
    (and anyone else below the organizer) see nothing of it until it starts."""

    def rule(queryset, user, action, grants):
        visible = ~Q(**{f"{prefix}campaign__kind": CampaignKind.SPOT}) | Q(
            **{f"{prefix}started_at__isnull": False}
        )
        visible |= Q(**{f"{prefix}team": user})
        for grant in grants:
            if grant.is_recursive:
                visible |= Q(**{f"{prefix}campaign__unit__path__startswith": grant.path})
        return queryset.filter(visible).distinct()

    return rule
