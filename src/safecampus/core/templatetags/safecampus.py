from django import template

register = template.Library()


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
