from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from safecampus.access.scope import can, home_unit
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.selectors import unit_get, unit_summary


def healthz(request):
    """200 when the database answers; load balancers and `safecampus demo` poll it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "detail": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    """The dashboard of the user's top unit, or of a unit below it (?unit=ID drill-down)."""
    if not can(request.user, "dashboard.view"):
        if can(request.user, "audit.view"):
            return redirect("audit:entry_list")
        raise PermissionDenied
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit() and len(unit_id) <= 18:
        unit = unit_get(user=request.user, unit_id=int(unit_id))
    elif unit_id:
        raise Http404
    else:
        unit = home_unit(request.user)
    summary = unit_summary(user=request.user, unit=unit)
    chart = {
        "by_type": summary["by_type"],
        "districts": summary["district_rows"],
        "unit_name": unit.name,
    }
    return render(
        request,
        "core/home.html",
        {
            "summary": summary,
            "unit": unit,
            "breadcrumbs": unit.ancestors(),
            "chart": chart,
            "school": getattr(unit, "school", None) if unit.kind == UnitKind.SCHOOL else None,
        },
    )
