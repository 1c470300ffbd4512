"""One filter definition for the hazard ledger page, its API and its Excel export, and the
statistics."""

from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterLookup
from pydantic import PrivateAttr

from safecampus.core.filters import ListFilters, district_condition
from safecampus.core.pagination import MAX_ID

from .choices import HazardLevel, HazardSource, HazardStatus


class HazardFilters(ListFilters):
    q: Annotated[
        str | None,
        FilterLookup(
            q=["description__icontains", "place__icontains", "school__unit__name__icontains"]
        ),
    ] = Field(None, max_length=100, description="隐患描述、部位或学校名称")
    year: Annotated[int | None, FilterLookup(q="found_at__year")] = Field(
        None, ge=2000, le=2100, description="发现年份"
    )
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: Annotated[int | None, FilterLookup(q="school_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号"
    )
    aspect: Annotated[str | None, FilterLookup(q="aspect__code")] = Field(
        None, pattern=r"^\d{2}$", description="方面编号"
    )
    level: HazardLevel | None = Field(None, description="隐患等级")
    status: HazardStatus | None = Field(None, description="状态")
    source: HazardSource | None = Field(None, description="来源")
    overdue: bool | None = Field(None, description="是否逾期（未销号且已过整改期限）")
    supervised: bool | None = Field(None, description="是否挂牌督办")

    _expression: Q | None = PrivateAttr(default=None)

    def get_filter_expression(self) -> Q:
        # Worked out once: a page filters two or three queries with the same values (figures,
        # the page's ids, the rows by group), and ninja builds the Q field by field each time.
        if self._expression is None:
            self._expression = super().get_filter_expression()
        return self._expression

    def filter_district(self, value):
        return district_condition(value)

    def filter_overdue(self, value):
        if value is None:
            return Q()
        late = Q(deadline__lt=timezone.localdate()) & ~Q(status=HazardStatus.CLOSED)
        return late if value else ~late

    def filter_supervised(self, value):
        if value is None:
            return Q()
        return Q(supervised_by__isnull=not value)
