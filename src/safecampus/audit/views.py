from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from pydantic import ValidationError

from safecampus.access.scope import require

from .filters import AuditFilters
from .models import AuditAction, AuditOutcome
from .selectors import audit_entry_get, audit_entry_list


@login_required
def entry_list(request):
    require(request.user, "audit.view")
    params = {k: v for k, v in request.GET.items() if k in AuditFilters.model_fields}
    try:
        filters = AuditFilters(**params)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors()}
        for key in sorted(bad):
            messages.warning(request, _("筛选条件“%(key)s”的值无效，已忽略。") % {"key": key})
        filters = AuditFilters(**{k: v for k, v in params.items() if k not in bad})
    page = Paginator(audit_entry_list(user=request.user, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "actions": AuditAction.choices,
            "outcomes": AuditOutcome.choices,
        },
    )


@login_required
def entry_detail(request, entry_id: int):
    entry = audit_entry_get(user=request.user, entry_id=entry_id)
    keys = sorted(set(entry.before or {}) | set(entry.after or {}))
    changes = [((entry.before or {}).get(k), (entry.after or {}).get(k), k) for k in keys]
    return render(request, "audit/entry_detail.html", {"entry": entry, "changes": changes})
