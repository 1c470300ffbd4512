from datetime import datetime, time, timedelta
from typing import Annotated, Any, Self

from django.utils.translation import gettext as _
from ninja import Path, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from .pagination import MAX_ID


class RowSchema(Schema):
    """A response schema that reads model instances as every Schema does (aliases such as
    "school.unit.name", resolve_* methods, one attribute at a time through ninja's getter) and
    also plain dicts keyed by field name — the rows a selector read with .values() for a list —
    which pydantic validates directly. For a page of 50 rows the getter was most of the cost."""

    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: object, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        # Replaces Schema's validator of the same name, which wraps every input in the getter.
        if isinstance(values, dict):
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class ErrorDetail(Schema):
    """A refused field of a request (422): where it is, what is wrong, pydantic's error type."""

    loc: list[str] = []
    message: str
    type: str = ""


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] = []


class Error(Schema):
    """The one error shape of the API."""

    error: ErrorBody


def file_answer(media_type: str) -> dict[str, Any]:  # an OpenAPI fragment (JSON)
    """The `openapi_extra` of an endpoint whose 200 is a file (a workbook, a photo): its media
    type, with a binary body, so that a client generated from the document expects a file."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": media_type, "content": {media_type: binary}}}}


# A record id in a URL path: a positive 64-bit integer, so no lookup overflows the database.
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError(_("时刻为学校当地时间，不带时区，如 07:30"))
    return value


# A time of day at a school (a gate post's hours): local, without a UTC offset — the database
# keeps none (a time with one made SQLite refuse the row: a server error). JSON Schema's
# "time" format is RFC 3339's full-time, which requires the offset, so the document gives
# the pattern instead of the format.
LocalTime = Annotated[
    time,
    AfterValidator(_local),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "学校当地时间 HH:MM[:SS]，不带时区，如 07:30:00",
        }
    ),
]


def _real_offset(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > timedelta(hours=14):
        raise ValueError(_("时区偏移须在 ±14:00 以内"))
    return value


# A moment given by a client (when a hazard was found, an incident raised …): ISO 8601, its UTC
# offset one that exists (±14:00). Python reads offsets up to ±24 h, PostgreSQL refuses those
# beyond ±15:59 — a server error; none is real.
DateTimeIn = Annotated[datetime, AfterValidator(_real_offset)]
