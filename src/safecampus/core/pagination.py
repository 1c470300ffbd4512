from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field
from ninja.pagination import LimitOffsetPagination

# Database integers are 64-bit; larger values from a client are refused before any query.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Rows:
    """What a list endpoint hands the paginator when it has cheaper ways than the queryset's own
    to read a page (`read`: the sliced queryset -> the page's items, e.g. plain dicts from a
    selector) and to count (`count`: a figure it already has, e.g. cached statistics)."""

    # Any: a list endpoint's rows are whatever its response schema reads (records, dicts).
    queryset: QuerySet[Any]
    read: Callable[[QuerySet[Any]], list[Any]]
    count: int


# A subclass of ninja's Input, as the paginator's `Input` must be; its own bounds.
class PageQuery(LimitOffsetPagination.Input):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class LimitOffset(LimitOffsetPagination):
    """{items, count} pages of at most 500 rows, with a bounded offset."""

    # Its own name: OpenAPI names a component after the class, and ninja's paginators all
    # call theirs "Input".
    Input = PageQuery

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | Rows,
        pagination: LimitOffsetPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        """The page: {items, count}."""
        if not isinstance(queryset, Rows):
            answer: dict[str, Any] = super().paginate_queryset(
                queryset, pagination, request, **params
            )
            return answer
        rows, offset = queryset, pagination.offset
        page = rows.queryset[offset : offset + min(pagination.limit, self.max_limit)]
        return {self.items_attribute: rows.read(page), "count": rows.count}
