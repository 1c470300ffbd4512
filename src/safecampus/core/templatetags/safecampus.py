from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string

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
def styled(field, datalist=""):
    """Render a form field with the Tabler class for its widget, marked invalid on errors;
    `datalist` names a <datalist> of suggestions for a text input."""
    kind = getattr(field.field.widget, "input_type", None)
    css = {"checkbox": "form-check-input", "select": "form-select"}.get(kind, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if datalist:
        attrs["list"] = datalist
    return field.as_widget(attrs=attrs)
