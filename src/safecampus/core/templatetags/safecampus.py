from functools import lru_cache

from django import template
from django.conf import settings
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def icon(name: str) -> str:
    """The inline SVG icon `name` of core/icons.html. Rendered once per name and process (the
    shell shows a dozen on every page); under DEBUG every time, so that an edited icon shows."""
    if settings.DEBUG:
        return render_to_string("core/icons.html", {"name": name})
    return _icon(name)


@lru_cache(maxsize=64)
def _icon(name: str) -> str:
    return render_to_string("core/icons.html", {"name": name})


@register.simple_tag
def styled(field: BoundField, datalist: str = "") -> SafeString:
    """Render a form field with the Tabler class for its widget, marked invalid on errors;
    `datalist` names a <datalist> of suggestions for a text input."""
    kind: str = getattr(field.field.widget, "input_type", "")  # inputs and selects have one
    css = {"checkbox": "form-check-input", "select": "form-select"}.get(kind, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, str | bool] = {"class": css}
    if datalist:
        attrs["list"] = datalist
    return field.as_widget(attrs=attrs)
