"""One filter definition for the incident list page and its API."""

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup

from safecampus.core.filters import ListFilters, district_condition
from safecampus.core.pagination import MAX_ID

from .choices import OPEN_STATUSES, IncidentStatus, IncidentType, Severity


class IncidentFilters(ListFilters):
    q: Annotated[
        str | None,
        FilterLookup(
            q=["description__icontains", "place__icontains", "school__unit__name__icontains"]
        ),
    ] = Field(None, max_length=100, description="情况描述、地点或学校名称")
    year: Annotated[int | None, FilterLookup(q="raised_at__year")] = Field(
        None, ge=2000, le=2100, description="发生年份"
    )
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: Annotated[int | None, FilterLookup(q="school_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号"
    )
    incident_type: IncidentType | None = Field(None, description="事件类型")
    severity: Severity | None = Field(None, description="事件等级（1–4 即 Ⅰ–Ⅳ 级）")
    status: IncidentStatus | None = Field(None, description="状态")
    open: bool | None = Field(None, description="是否未处置完毕（待接警、已接警、处置中）")
    is_drill: bool | None = Field(None, description="是否演练")

    def filter_district(self, value):
        return district_condition(value, "school__district")

    def filter_open(self, value):
        if value is None:
            return Q()
        return Q(status__in=OPEN_STATUSES) if value else ~Q(status__in=OPEN_STATUSES)
