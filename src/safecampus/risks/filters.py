"""One filter definition for the catalog page and the catalog API."""

from typing import Annotated

from ninja import Field, FilterLookup

from safecampus.core.filters import ListFilters

from .choices import RiskLevel


class PointFilters(ListFilters):
    q: Annotated[
        str | None,
        FilterLookup(
            q=["code__icontains", "name__icontains", "place__icontains", "hazard__icontains"]
        ),
    ] = Field(None, max_length=100, description="编码、风险点、场所或隐患")
    aspect: Annotated[str | None, FilterLookup(q="aspect__code")] = Field(
        None, pattern=r"^\d{2}$", description="方面编号，如 03"
    )
    level: RiskLevel | None = Field(None, description="风险等级")
    generated: bool | None = Field(
        None, description="是否为补充条目（非专家编制清单原文，演示城市补足官方条目数用）"
    )
