from django import template

register = template.Library()


@register.filter
def styled(field):
    """Render a form field with the Tabler class for its widget, marked invalid on errors."""
    widget = field.field.widget
    kind = getattr(widget, "input_type", None)
    css = (
        "form-check-input"
        if kind == "checkbox"
        else "form-select"
        if kind == "select"
        else "form-control"
    )
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
