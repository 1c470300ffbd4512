"""One filter definition for the incident list page and its API."""

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema
from pydantic import field_validator

from safecampus.core.pagination import MAX_ID

from .choices import OPEN_STATUSES, IncidentStatus, IncidentType, Severity


class IncidentFilters(FilterSchema):
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

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and value.strip() == "" else value

    def filter_district(self, value):
        if value is None:
            return Q()
        return Q(school__district__isnull=True) if value == 0 else Q(school__district_id=value)

    def filter_open(self, value):
        if value is None:
            return Q()
        return Q(status__in=OPEN_STATUSES) if value else ~Q(status__in=OPEN_STATUSES)
