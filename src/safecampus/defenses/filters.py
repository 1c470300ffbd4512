"""Filters of the four-100% dashboard, the school verdict list and their API (one schema)."""

from django.db.models import Q
from ninja import Field

from safecampus.core.filters import ListFilters, district_condition
from safecampus.core.pagination import MAX_ID

from .choices import Indicator


class DefenseFilters(ListFilters):
    """Which schools: a district (0 = directly affiliated 市直属) or one school. Applied to a
    School queryset."""

    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校编号")

    def filter_district(self, value):
        return district_condition(value)

    def filter_school(self, value):
        return Q() if value is None else Q(pk=value)


class VerdictFilters(DefenseFilters):
    """…and, for the per-school verdicts, which indicator and whether met."""

    indicator: Indicator | None = Field(None, description="指标；与 meets 一起筛选")
    meets: bool | None = Field(
        None, description="是否达标；给出 indicator 时针对该指标，否则指任一指标未达标"
    )

    def filter_indicator(self, value):
        return Q()  # verdicts are computed, not stored: filtered in Python (indicators.py)

    def filter_meets(self, value):
        return Q()
