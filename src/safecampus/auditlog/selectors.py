from django.db.models import QuerySet

from safecampus.access.scope import scoped, scoped_get
from safecampus.accounts.models import User
from safecampus.audit.models import AuditEntry

from .filters import AuditFilters


def audit_entry_list(*, user: User, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    qs = scoped(AuditEntry.objects.all(), user, "audit.view")
    return filters.filter(qs) if filters is not None else qs


def audit_entry_get(*, user: User, entry_id: int) -> AuditEntry:
    return scoped_get(AuditEntry.objects.all(), user, "audit.view", pk=entry_id)
