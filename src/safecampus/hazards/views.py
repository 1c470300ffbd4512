import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped_get
from safecampus.accounts import reauth
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.fragments import render_once
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.texts import Text
from safecampus.core.throttle import query_given, throttle

from . import services
from .choices import (
    STATUS_COLOURS,
    HazardAction,
    HazardLevel,
    HazardSource,
    HazardStatus,
    hazard_overdue,
)
from .excel import ledger_bytes
from .filters import HazardFilters
from .forms import AssignForm, HazardReportForm, StartForm, SubmitForm, SuperviseForm, VerifyForm
from .models import HazardPhoto
from .selectors import (
    filter_choices,
    hazard_get,
    hazard_ids,
    hazard_ledger,
    hazard_list,
    hazard_stats,
    hazard_stats_by,
    owner_candidates,
)
from .workflow import hazard_workflow, may_add_photo, works_on


def _filter_form(request, filters: HazardFilters, group: str | None = None) -> str:
    """The filter form (hazards/_filters.html), its options as (value, label, selected): rendered
    once per process for each set of choices and values (core/fragments.py)."""
    choices = filter_choices(user=request.user)

    def options(pairs, current) -> tuple:
        return tuple((str(value), str(label), value == current) for value, label in pairs)

    context: dict[str, object] = {
        "filters": filters,
        "group": group,
        "districts": options(
            ((d["pk"], d["name"]) for d in choices["districts"]), filters.district
        ),
        "aspects": options(((a["code"], a["name"]) for a in choices["aspects"]), filters.aspect),
        "levels": options(HazardLevel.choices, filters.level),
        "statuses": options(HazardStatus.choices, filters.status),
    }
    key = (filters.model_dump_json(), group, context["districts"], context["aspects"])
    return render_once("hazards/_filters.html", key, context)


def _stat_cards(stats: dict) -> str:
    """The statistics' cards (hazards/_stats.html), rendered once per process for each set of
    figures (core/fragments.py)."""
    return render_once("hazards/_stats.html", tuple(sorted(stats.items())), {"stats": stats})


def _stats_table(group: str, rows: list[dict]) -> str:
    """The statistics by district, school or aspect (hazards/_stats_table.html), at most 200
    rows, rendered once per process for each set of figures (core/fragments.py)."""
    shown = rows[:200]
    key = (group, tuple(tuple(sorted(row.items())) for row in shown))
    return render_once("hazards/_stats_table.html", key, {"group": group, "rows": shown})


def ledger_rows(values) -> list[SafeString]:
    """The ledger's rows (dicts of selectors.hazard_ledger) as the <tr> of its table, put
    together here rather than by the template engine: resolving, localising and escaping
    50 rows × 15 values cost the engine more than the rest of the page. Labels, colours, links
    and the overdue flag are worked out once per page; every text from the database or the
    translations is escaped with html.escape, as Django's autoescaping would."""
    escape = html.escape
    sources, levels, statuses = (
        {k: escape(str(v)) for k, v in choices}
        for choices in (HazardSource.choices, HazardLevel.choices, HazardStatus.choices)
    )
    supervised_badge = f' <span class="badge bg-purple-lt">{escape(_("督办"))}</span>'
    overdue_badge = f' <span class="badge bg-red-lt">{escape(_("逾期"))}</span>'
    direct = escape(_("市直属"))
    today = timezone.localdate()
    detail = reverse("hazards:detail", args=[0]).removesuffix("0/")
    rows = []
    for h in values:
        found = h["found_on"].isoformat()
        school = escape(h["school_name"])
        district = escape(h["district__name"]) if h["district_id"] else direct
        description = h["description"]
        if len(description) > 60:
            description = description[:59] + "…"
        description = escape(description)
        aspect = f"{escape(h['aspect__name'])} · " if h["aspect__name"] else ""
        level_badge = "bg-red" if h["level"] == HazardLevel.MAJOR else "bg-yellow-lt"
        supervised = supervised_badge if h["supervised_by_id"] is not None else ""
        status, colour = statuses[h["status"]], STATUS_COLOURS[h["status"]]
        deadline = h["deadline"].isoformat() if h["deadline"] else "—"
        overdue = overdue_badge if hazard_overdue(h["status"], h["deadline"], today) else ""
        owner = escape(h["owner__full_name"] or h["owner__username"] or "—")
        rows.append(
            SafeString(
                "<tr>"
                f'<td class="text-secondary">{found}</td>'
                f'<td>{school}<div class="text-secondary small">{district}</div></td>'
                '<td class="text-wrap sc-minw-16">'
                f'<a href="{detail}{h["pk"]}/">{description}</a>'
                f'<div class="text-secondary small">{aspect}{sources[h["source"]]}</div></td>'
                f'<td><span class="badge {level_badge}">{levels[h["level"]]}</span>{supervised}</td>'
                f'<td><span class="badge bg-{colour}-lt">{status}</span></td>'
                f"<td>{deadline}{overdue}</td>"
                f"<td>{owner}</td>"
                "</tr>"
            )
        )
    return rows


@login_required
@throttle("search", when=query_given("q"))
def ledger_view(request):
    require(request.user, "hazard.view")
    filters = filters_from_query(request, HazardFilters)
    stats = hazard_stats(user=request.user, filters=filters)
    # The page is cut from the narrow query of ids (scope, filters, order); the rows and their
    # joins are read for those 50 only, in one query with the page as its subquery.
    page, query = page_of(
        request, hazard_ids(user=request.user, filters=filters), count=stats["found"]
    )
    ids = page.object_list
    assert isinstance(ids, QuerySet)  # the page's slice of hazard_ids()
    page.object_list = ledger_rows(hazard_ledger(ids, user=request.user))
    context = {
        "page": page,
        "query": query,
        "stat_cards": _stat_cards(stats),
        "can_report": can(request.user, "hazard.report"),
        "filter_form": _filter_form(request, filters),
    }
    return render(request, "hazards/ledger.html", context)


@login_required
@throttle("search", when=query_given("q"))
def stats_view(request):
    require(request.user, "hazard.view")
    filters = filters_from_query(request, HazardFilters)
    group = (
        request.GET.get("group")
        if request.GET.get("group") in ("district", "school", "aspect")
        else "district"
    )
    query = request.GET.copy()
    query.pop("group", None)
    return render(
        request,
        "hazards/stats.html",
        {
            "group": group,
            "query": query.urlencode(),
            "stat_cards": _stat_cards(hazard_stats(user=request.user, filters=filters)),
            "stats_table": _stats_table(
                group, hazard_stats_by(user=request.user, filters=filters, group=group)
            ),
            "filter_form": _filter_form(request, filters, group),
        },
    )


@login_required
@reauth.reauth_required  # personal data: the owners' names
@throttle("export")
def export_view(request):
    require(request.user, "hazard.view")
    rows = hazard_list(
        user=request.user, filters=filters_from_query(request, HazardFilters, warn=False)
    )
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出隐患台账 %(count)s 条"), count=rows.count())
    )
    return xlsx_response(ledger_bytes(rows), f"hazards-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def report_view(request):
    require(request.user, "hazard.report")
    form = HazardReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard, _created = services.hazard_report(
                user=request.user,
                school=data["school"],
                description=data["description"],
                level=data["level"],
                source=data["source"],
                place=data["place"],
                aspect=data["aspect"],
                found_at=data["found_at"],
                client_key=data["client_key"] or None,
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("隐患已上报，整改期限 %(d)s。") % {"d": hazard.deadline})
            return redirect("hazards:detail", hazard_id=hazard.pk)
    return render(request, "hazards/report.html", {"form": form})


def _forms(request, hazard, data=None, posted=None) -> dict:
    """The step forms this user may use on this hazard now (only those): the workflow's own
    predicates decide (hazards/workflow.py)."""
    user = request.user

    def bound(step: str):
        return data if posted == step else None

    forms: dict[str, Form] = {}
    if hazard_workflow.may(user, hazard, HazardAction.ASSIGN):
        forms["assign"] = AssignForm(
            bound("assign"),
            candidates=owner_candidates(hazard),
            initial={"deadline": hazard.deadline},
        )
    if hazard_workflow.may(user, hazard, HazardAction.START):
        forms["start"] = StartForm(bound("start"))
    if hazard_workflow.may(user, hazard, HazardAction.SUBMIT):
        forms["submit"] = SubmitForm(bound("submit"))
    if hazard_workflow.may(user, hazard, HazardAction.ACCEPT):
        forms["verify"] = VerifyForm(bound("verify"))
    if hazard_workflow.may(user, hazard, HazardAction.SUPERVISE):
        form = SuperviseForm(bound("supervise"), user=user, hazard=hazard)
        if form.units.exists():
            forms["supervise"] = form
    return forms


@login_required
def detail_view(request, hazard_id: int):
    hazard = hazard_get(user=request.user, hazard_id=hazard_id)
    posted = request.POST.get("step") if request.method == "POST" else None
    forms = _forms(request, hazard, request.POST, posted)
    if posted:
        form = forms.get(posted)
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            steps = {
                "assign": lambda: services.hazard_assign(user=request.user, hazard=hazard, **data),
                "start": lambda: services.hazard_start(user=request.user, hazard=hazard, **data),
                "submit": lambda: services.hazard_submit(user=request.user, hazard=hazard, **data),
                "verify": lambda: services.hazard_verify(
                    user=request.user,
                    hazard=hazard,
                    accept=request.POST.get("accept") == "1",
                    note=data["note"],
                ),
                "supervise": lambda: services.hazard_supervise(
                    user=request.user, hazard=hazard, **data
                ),
            }
            try:
                steps[posted]()
            except BusinessRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect("hazards:detail", hazard_id=hazard.pk)
    return render(
        request,
        "hazards/detail.html",
        {
            "hazard": hazard,
            "events": hazard.events.select_related("by"),
            "forms": forms,
            "breadcrumbs": hazard.school.unit.ancestors(),
            "photos": hazard.photos.all(),
            "can_add_photo": may_add_photo(request.user, hazard),
        },
    )


@login_required
def photo_view(request, photo_id: int):
    """A hazard photo, to those who may see the hazard (never a public media URL)."""
    photo = scoped_get(
        HazardPhoto.objects.select_related("hazard"), request.user, "hazard.view", pk=photo_id
    )
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@login_required
@require_POST
def photo_upload_view(request, hazard_id: int):
    hazard = hazard_get(user=request.user, hazard_id=hazard_id)
    if not works_on(request.user, hazard):
        # Who may add a photo is checked before what was sent (the service checks again).
        raise PermissionDenied
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("请选择要上传的图片。"))
    else:
        try:
            services.hazard_photo_add(
                user=request.user,
                hazard=hazard,
                upload=upload,
                stage=request.POST.get("stage", "found"),
            )
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("照片已上传（已去除拍摄位置等元数据）。"))
    return redirect("hazards:detail", hazard_id=hazard.pk)
