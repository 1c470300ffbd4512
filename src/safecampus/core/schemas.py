from ninja import Schema


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
