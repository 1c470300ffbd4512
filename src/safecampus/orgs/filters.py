"""One filter definition for the school list page, the API and the Excel export."""

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema
from pydantic import field_validator

from safecampus.core.pagination import MAX_ID

from .choices import Ownership, SchoolType


class SchoolFilters(FilterSchema):
    q: Annotated[
        str | None,
        FilterLookup(q=["unit__name__icontains", "unit__code__icontains", "address__icontains"]),
    ] = Field(None, description="名称、代码或地址")
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school_type: SchoolType | None = Field(None, description="学校类型")
    ownership: Ownership | None = Field(None, description="办学性质")
    boarding: bool | None = Field(None, description="是否寄宿制")

    @field_validator("q", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("district", "school_type", "ownership", "boarding", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def filter_district(self, value: int | None) -> Q:
        if value is None:
            return Q()
        return Q(district__isnull=True) if value == 0 else Q(district_id=value)
