from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from safecampus.access.scope import require
from safecampus.accounts.types import ApiRequest
from safecampus.audit.models import AuditEntry
from safecampus.core.pagination import LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.core.throttle import query_given, throttle

from .filters import AuditFilters
from .selectors import audit_entry_get, audit_entry_list

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: datetime
    user_id: int | None
    username: str
    unit_id: int | None
    unit_path: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    # The changed fields' values as recorded (JSON of any shape).
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    outcome: str
    channel: str
    ip: str | None
    message: str = Field(..., description="说明（按请求的界面语言）")

    @staticmethod
    def resolve_message(obj: AuditEntry) -> str:
        return obj.display_message()


@router.get(
    "/entries", response={200: list[AuditEntryOut], 403: Error}, summary="审计日志（审计员）"
)
@throttle("search", when=query_given("username"))
@paginate(LimitOffset)
def entry_list(request: ApiRequest, filters: Query[AuditFilters]) -> QuerySet[AuditEntry]:
    require(request.auth, "audit.view")
    return audit_entry_list(user=request.auth, filters=filters)


@router.get(
    "/entries/{entry_id}",
    response={200: AuditEntryOut, 403: Error, 404: Error},
    summary="审计日志详情",
)
def entry_detail(request: ApiRequest, entry_id: RecordId) -> AuditEntry:
    require(request.auth, "audit.view")
    return audit_entry_get(user=request.auth, entry_id=entry_id)
