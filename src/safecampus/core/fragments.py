"""Parts of pages rendered once per process for each distinct input.

The sidebar, a list's filter form or its statistics cards are the same for every request with
the same input (the roles' entries, the filter values and choices, the figures) in the same
language, and the template engine spends 10–50 µs on every tag and variable of them.
render_once() renders such a part on the first request with a given key and returns that text
afterwards. The key must determine the output completely (the language is added here); the
context must not need the request. Under DEBUG every call renders, so that template edits show.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

# Bounded, whatever the inputs: at this many keys the memory starts over.
MAX_KEYS = 2000

_rendered: dict[tuple[object, ...], str] = {}


def render_once(template_name: str, key: tuple[object, ...], context: dict[str, object]) -> str:
    """`template_name` rendered with `context`, or the text it gave for `key` before."""
    if settings.DEBUG:
        return render_to_string(template_name, context)
    full_key = (template_name, get_language(), key)
    html = _rendered.get(full_key)
    if html is None:
        html = render_to_string(template_name, context)
        if len(_rendered) >= MAX_KEYS:
            _rendered.clear()
        _rendered[full_key] = html
    return html
