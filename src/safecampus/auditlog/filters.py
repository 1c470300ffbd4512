"""One filter definition for the audit page and the audit API."""

from datetime import date, datetime, time, timedelta
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterLookup

from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.core.filters import ListFilters


class AuditFilters(ListFilters):
    username: Annotated[str | None, FilterLookup(q="username__icontains")] = Field(
        None, description="用户名"
    )
    action: AuditAction | None = Field(None, description="操作")
    outcome: AuditOutcome | None = Field(None, description="结果")
    object_type: str | None = Field(None, description="对象类型，如 orgs.school")
    object_id: str | None = Field(None, description="对象编号")
    since: date | None = Field(None, description="起始日期（含）")
    until: date | None = Field(None, description="截止日期（含）")

    def _day_start(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    def filter_since(self, value: date | None) -> Q:
        return Q(at__gte=self._day_start(value)) if value else Q()

    def filter_until(self, value: date | None) -> Q:
        return Q(at__lt=self._day_start(value + timedelta(days=1))) if value else Q()
