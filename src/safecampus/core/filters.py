"""What the filters of every list share — one filter definition per list serves its page, its
API and its Excel export (each app's filters.py)."""

from django.db.models import Q
from ninja import FilterSchema
from pydantic import field_validator


class ListFilters(FilterSchema):
    """A field left blank in a page's filter form (`?status=`) filters nothing, as if absent."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value


def district_condition(value: int | None, district: str = "district") -> Q:
    """The records of the district with org unit id `value`, through the lookup `district`;
    0 stands for the directly-affiliated (市直属) schools, which have no district."""
    if value is None:
        return Q()
    if value == 0:
        return Q(**{f"{district}__isnull": True})
    return Q(**{f"{district}_id": value})
