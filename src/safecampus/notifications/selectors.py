"""Reads of the webhook endpoints and the delivery log, through the access choke point."""

from django.db.models import QuerySet

from safecampus.access.scope import scoped, scoped_get
from safecampus.accounts.models import User
from safecampus.orgs.models import OrgUnit

from .models import Delivery, WebhookEndpoint
from .services import ENDPOINT_UNIT_KINDS


def endpoint_list(*, user: User, unit_id: int | None = None) -> QuerySet[WebhookEndpoint]:
    qs = scoped(WebhookEndpoint.objects.select_related("unit"), user, "notification.manage")
    return qs.filter(unit_id=unit_id) if unit_id is not None else qs


def endpoint_get(*, user: User, endpoint_id: int) -> WebhookEndpoint:
    return scoped_get(
        WebhookEndpoint.objects.select_related("unit"), user, "notification.manage", pk=endpoint_id
    )


def endpoint_units(*, user: User) -> QuerySet[OrgUnit]:
    """The units where the user may set up endpoints (the city, districts)."""
    return scoped(
        OrgUnit.objects.filter(kind__in=ENDPOINT_UNIT_KINDS), user, "notification.manage"
    ).order_by("path")


def delivery_list(
    *,
    user: User,
    status: str | None = None,
    channel: str | None = None,
    endpoint_id: int | None = None,
    kind: str | None = None,
) -> QuerySet[Delivery]:
    qs = scoped(Delivery.objects.select_related("unit", "endpoint"), user, "notification.manage")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs
