"""Shared pieces of the list pages: filters from the query string, and pages of rows."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

S = TypeVar("S", bound=BaseModel)

PAGE_SIZE = 50


def filters_from_query(request: HttpRequest, schema: type[S], *, warn: bool = True) -> S:
    """The page's FilterSchema from the query string (the same schema the API uses). A bad
    value is reported to the user and ignored rather than failing the whole page."""
    params = {k: v for k, v in request.GET.items() if k in schema.model_fields}
    try:
        return schema(**params)
    except ValidationError as exc:
        bad = sorted({str(e["loc"][0]) for e in exc.errors()})
        if warn:
            for key in bad:
                messages.warning(request, _("筛选条件“%(key)s”的值无效，已忽略。") % {"key": key})
        return schema(**{k: v for k, v in params.items() if k not in bad})


def page_of(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    per_page: int = PAGE_SIZE,
    count: int | None = None,
) -> tuple[Page[Any], str]:
    """The requested page of rows, and the query string without `page` for the page links.
    A caller that already counted the rows passes `count`, sparing a second scan."""
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: setting it skips the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
