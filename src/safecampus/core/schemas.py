from typing import Annotated

from ninja import Path, Schema

from .pagination import MAX_ID


class ErrorDetail(Schema):
    loc: list[str] = []
    message: str
    type: str = ""


class ErrorBody(Schema):
    code: str
    message: str
    details: list[dict] = []


class Error(Schema):
    """The one error shape of the API."""

    error: ErrorBody


# A record id in a URL path: a positive 64-bit integer, so no lookup overflows the database.
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportRejectedBody(Schema):
    code: str
    message: str
    details: list[RowErrorOut]


class ImportRejectedOut(Schema):
    """An import refused whole: every bad row and column, nothing changed."""

    error: ImportRejectedBody


def import_rejected(exc) -> dict:
    return {"error": {"code": "import_rejected", "message": str(exc), "details": exc.errors}}
