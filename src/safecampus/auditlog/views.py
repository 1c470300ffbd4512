from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from safecampus.access.scope import require
from safecampus.accounts.types import UserRequest
from safecampus.audit.models import AuditAction, AuditEntry, AuditOutcome
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle

from .filters import AuditFilters
from .selectors import audit_entry_get, audit_entry_list


@login_required
@throttle("search", when=query_given("username"))
def entry_list(request: UserRequest) -> HttpResponse:
    require(request.user, "audit.view")
    filters = filters_from_query(request, AuditFilters)
    page, query = page_of(request, audit_entry_list(user=request.user, filters=filters))
    return render(
        request,
        "auditlog/entry_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "actions": AuditAction.choices,
            "outcomes": AuditOutcome.choices,
        },
    )


@login_required
def entry_detail(request: UserRequest, entry_id: int) -> HttpResponse:
    # As the list: without audit.view anywhere 403, whatever the entry (it reveals nothing).
    require(request.user, "audit.view")
    entry = audit_entry_get(user=request.user, entry_id=entry_id)
    keys = sorted(set(entry.before or {}) | set(entry.after or {}))
    labels = _field_labels(entry)
    changes = [
        ((entry.before or {}).get(k), (entry.after or {}).get(k), k, labels.get(k, ""))
        for k in keys
    ]
    return render(request, "auditlog/entry_detail.html", {"entry": entry, "changes": changes})


def _field_labels(entry: AuditEntry) -> dict[str, str]:
    """The recorded fields' names in the reader's language (by column: `school_id` too)."""
    model = entry.object_model()
    if model is None:
        return {}
    return {f.attname: str(f.verbose_name) for f in model._meta.concrete_fields}
