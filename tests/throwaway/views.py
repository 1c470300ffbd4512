from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safecampus.access.scope import require
from safecampus.orgs.selectors import school_get
from safecampus.rules.selectors import effective_rule_set


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request.user, "duty.view")
    return render(request, "throwaway/index.html", {})


@login_required
def school(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, school_id=school_id, action="duty.view")
    rule = effective_rule_set("duty_roster", school.unit)
    return render(request, "throwaway/index.html", {"school": school, "rule": rule})
