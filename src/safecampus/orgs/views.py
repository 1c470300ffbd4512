from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import query_given, throttle

from .choices import Ownership, SchoolType
from .filters import SchoolFilters
from .forms import SchoolForm
from .selectors import district_choices, school_get, school_list, school_pages
from .services import school_update, schools_export


@login_required
@throttle("search", when=query_given("q"))
def school_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "org.view")
    filters = filters_from_query(request, SchoolFilters)
    schools = school_list(user=request.user, filters=filters)
    page, query = page_of(request, schools)
    context = {
        "page": page,
        "filters": filters,
        "districts": district_choices(user=request.user),
        "query": query,
        "can_import": can(request.user, "school.import"),
        "can_export": can(request.user, "school.export"),
        "type_choices": SchoolType.choices,
        "ownership_choices": Ownership.choices,
    }
    template = (
        "orgs/_school_table.html" if request.headers.get("HX-Request") else "orgs/school_list.html"
    )
    return render(request, template, context)


@login_required
def school_detail_view(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id)
    return render(
        request,
        "orgs/school_detail.html",
        {
            "school": school,
            "breadcrumbs": school.unit.ancestors(),
            "can_change": can(request.user, "school.change", school.unit),
            "pages": school_pages(request.user, school),
        },
    )


@login_required
def school_edit_view(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id, action="school.change")
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        try:
            school_update(user=request.user, school=school, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("学校档案已保存。"))
            return redirect("orgs:school_detail", school_id=school.pk)
    return render(
        request,
        "orgs/school_edit.html",
        {"school": school, "form": form, "breadcrumbs": school.unit.ancestors()},
    )


@login_required
@throttle("export")
def school_export_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "school.export")
    filters = filters_from_query(request, SchoolFilters, warn=False)
    schools = school_list(user=request.user, filters=filters, action="school.export")
    return xlsx_response(
        schools_export(user=request.user, schools=schools),
        f"schools-{timezone.localdate():%Y%m%d}.xlsx",
    )
