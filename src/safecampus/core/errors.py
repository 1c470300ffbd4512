from django.core.exceptions import ValidationError
from django.db.models import Field, Model


class BusinessRuleError(ValueError):
    """A write that breaks a business rule; its message is shown to the user as is (Chinese)."""


def model_errors(exc: ValidationError, model: type[Model]) -> BusinessRuleError:
    """A model's validation errors (`full_clean`) as one business error naming each field:
    "保安员证号：专职保安员须填写保安员证号；…"."""
    parts = []
    for name, errors in exc.message_dict.items():
        label = "" if name == "__all__" else _field_label(model, name)
        for error in errors:
            parts.append(f"{label}：{error}" if label else error)
    return BusinessRuleError("；".join(parts))


def _field_label(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    # full_clean names the model's own fields; a reverse relation (no label) never reaches here.
    return str(field.verbose_name) if isinstance(field, Field) else name
