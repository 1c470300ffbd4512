from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from safecampus.access.scope import can, require
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle

from .choices import RISK_LEVEL_COLOURS, RiskLevel
from .filters import PointFilters
from .models import Aspect
from .selectors import catalog_get, catalog_level_counts, catalog_list, catalog_points
from .services import catalog_export


@login_required
def catalog_list_view(request):
    require(request.user, "catalog.view")
    return render(
        request,
        "risks/catalog_list.html",
        {
            "catalogs": catalog_list(user=request.user),
            "can_manage": can(request.user, "catalog.manage"),
        },
    )


@login_required
@throttle("search", when=query_given("q"))
def catalog_detail_view(request, catalog_id: int):
    catalog = catalog_get(user=request.user, catalog_id=catalog_id)
    filters = filters_from_query(request, PointFilters)
    page, query = page_of(
        request, catalog_points(user=request.user, catalog=catalog, filters=filters)
    )
    counts = catalog_level_counts(catalog=catalog)
    return render(
        request,
        "risks/catalog_detail.html",
        {
            "catalog": catalog,
            "page": page,
            "query": query,
            "filters": filters,
            "aspects": Aspect.objects.all(),
            "levels": [
                (level, RISK_LEVEL_COLOURS[level], counts.get(level.value, 0))
                for level in RiskLevel
            ],
        },
    )


@login_required
@throttle("export")
def catalog_export_view(request, catalog_id: int):
    catalog = catalog_get(user=request.user, catalog_id=catalog_id)
    return xlsx_response(
        catalog_export(user=request.user, catalog=catalog),
        f"risk-catalog-{catalog.group}-{catalog.version}.xlsx",
    )
