"""The home page of every level (首页): the dashboard of the user's top unit, with a drill-down
to the units below it. This app is the one place that reads across domains."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safecampus.access.scope import can
from safecampus.accounts.types import UserRequest
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit, School
from safecampus.orgs.selectors import UnitSummary, home_unit, unit_get, unit_summary


def _figures(unit: OrgUnit, summary: UnitSummary, school: School | None) -> list[dict[str, Any]]:
    """The four headline cards of a dashboard, by level of the tree."""
    if school is not None:
        return [
            {"key": "students", "label": _("学生"), "value": school.students},
            {"key": "boarders", "label": _("寄宿生"), "value": school.boarders},
            {"key": "staff", "label": _("教职工"), "value": school.staff},
            {
                "key": "type",
                "label": _("学校类型"),
                "text": school.get_school_type_display(),
                "note": school.get_ownership_display(),
            },
        ]
    others = _("高校 %(u)s 所、校外培训机构 %(t)s 家") % {
        "u": summary["universities"],
        "t": summary["training_institutions"],
    }
    figures = [
        {
            "key": "schools",
            "label": _("中小学幼儿园"),
            "value": summary["schools"],
            "note": _("其中市直属 %(n)s 所") % {"n": summary["directly_affiliated"]}
            if summary["directly_affiliated"]
            else "",
        },
        {
            "key": "students",
            "label": _("在校学生"),
            "value": summary["students"],
            "note": _("寄宿制学校 %(n)s 所") % {"n": summary["boarding"]},
        },
    ]
    if unit.kind == UnitKind.DISTRICT:
        figures += [
            {"key": "staff", "label": _("教职工"), "value": summary["staff"]},
            {
                "key": "other",
                "label": _("高校与校外培训机构"),
                "value": summary["universities"] + summary["training_institutions"],
                "note": others,
            },
        ]
    else:
        figures.insert(0, {"key": "districts", "label": _("区市"), "value": summary["districts"]})
        figures.append(
            {
                "key": "staff",
                "label": _("教职工"),
                "value": summary["staff"],
                "note": _("另有高校 %(u)s 所、校外培训机构 %(t)s 家")
                % {"u": summary["universities"], "t": summary["training_institutions"]},
            }
        )
    return figures


@login_required
def home(request: UserRequest) -> HttpResponse:
    """The dashboard of the user's top unit, or of a unit below it (?unit=ID drill-down)."""
    if not can(request.user, "dashboard.view"):
        # The auditor's and the security administrator's work is elsewhere (三员分立).
        if can(request.user, "audit.view"):
            return redirect("auditlog:entry_list")
        if can(request.user, "security.manage"):
            return redirect("accounts:security_policy")
        raise PermissionDenied
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit() and len(unit_id) <= 18:
        unit = unit_get(user=request.user, unit_id=int(unit_id))
    elif unit_id:
        raise Http404
    else:
        top = home_unit(request.user)
        if top is None:  # dashboard.view is held somewhere, so a unit is
            raise PermissionDenied
        unit = top
    summary = unit_summary(user=request.user, unit=unit)
    school = getattr(unit, "school", None) if unit.kind == UnitKind.SCHOOL else None
    chart = {
        "by_type": summary["by_type"],
        "districts": summary["district_rows"],
        "unit_name": unit.name,
        "focus_feature": unit.map_feature if unit.kind == UnitKind.DISTRICT else "",
    }
    return render(
        request,
        "dashboards/home.html",
        {
            "summary": summary,
            "unit": unit,
            "breadcrumbs": unit.ancestors(),
            "chart": chart,
            "school": school,
            "figures": _figures(unit, summary, school),
        },
    )
