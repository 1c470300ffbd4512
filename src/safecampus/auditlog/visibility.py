"""The audit trail keeps the secrets of the records it is about.

An entry is filed under its record's unit, so an auditor of that unit reads it; but some
records are hidden inside scope (an unannounced spot check from its target school and district
until it starts). The apps declare which of their models' entries follow the model's
visibility rules (`audit_visibility`, core/registry.py); for those, an entry about a row the
rules hide from the reader is hidden too — in the queryset, through the access choke point,
so lists, counts, pages and details agree."""

from typing import Any

from django.apps import apps
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from safecampus.access.scope import Grant, has_visibility_rules, visible
from safecampus.core.registry import each
from safecampus.core.types import AnyUser


def declared_models() -> list[str]:
    """The labels ("inspections.inspection") of the models whose entries follow their rows."""
    return [apps.get_model(label)._meta.label_lower for _app, label in each("audit_visibility")]


def entries_follow_their_records(
    queryset: QuerySet[Any], user: AnyUser | None, action: str, grants: list[Grant]
) -> QuerySet[Any]:
    for label in declared_models():
        model = apps.get_model(label)
        if not has_visibility_rules(model):
            continue
        rows = model._base_manager.all()
        hidden = rows.exclude(pk__in=visible(rows, user, action).values("pk"))
        ids = hidden.annotate(entry_object_id=Cast("pk", CharField())).values("entry_object_id")
        queryset = queryset.exclude(Q(object_type=label) & Q(object_id__in=ids))
    return queryset
