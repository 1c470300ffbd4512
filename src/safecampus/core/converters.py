from django.urls import register_converter


class RecordIdConverter:
    """A database id in a page URL: at most 18 digits, so it always fits a 64-bit integer
    (a longer number is a 404, not a database overflow)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RecordIdConverter, "id")
