from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# Database integers are 64-bit; larger values from a client are refused before any query.
MAX_ID = 2**63 - 1


class LimitOffset(LimitOffsetPagination):
    """{items, count} pages of at most 500 rows, with a bounded offset."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)
