from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped_get
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.orgs.selectors import district_choices
from safecampus.risks.models import Aspect

from . import services
from .choices import STATUS_COLOURS, HazardLevel, HazardSource, HazardStatus
from .excel import ledger_bytes
from .filters import HazardFilters
from .forms import AssignForm, HazardReportForm, StartForm, SubmitForm, SuperviseForm, VerifyForm
from .models import HazardPhoto
from .selectors import hazard_get, hazard_list, hazard_stats, hazard_stats_by, owner_candidates


def _choices(request) -> dict:
    return {
        "districts": district_choices(user=request.user),
        "aspects": Aspect.objects.all(),
        "levels": HazardLevel.choices,
        "statuses": HazardStatus.choices,
        "sources": HazardSource.choices,
    }


# The columns the ledger shows, read as plain values: building model instances for five
# joined tables per row was most of the page's cost.
LEDGER_FIELDS = (
    "pk",
    "found_at",
    "school__unit__name",
    "district_id",
    "district__name",
    "description",
    "aspect__name",
    "source",
    "level",
    "supervised_by_id",
    "status",
    "deadline",
    "owner__full_name",
    "owner__username",
)


def ledger_rows(values) -> list[dict]:
    """The ledger's rows (dicts of LEDGER_FIELDS) as ready strings: labels, colours, links and
    the overdue flag worked out once per page rather than per cell."""
    sources, levels, statuses = (
        {k: str(v) for k, v in choices}
        for choices in (HazardSource.choices, HazardLevel.choices, HazardStatus.choices)
    )
    today, direct = timezone.localdate(), _("市直属")
    detail = reverse("hazards:detail", args=[0]).removesuffix("0/")
    return [
        {
            "url": f"{detail}{h['pk']}/",
            "found": timezone.localtime(h["found_at"]).strftime("%Y-%m-%d"),
            "school": h["school__unit__name"],
            "district": h["district__name"] if h["district_id"] else direct,
            "description": h["description"]
            if len(h["description"]) <= 60
            else h["description"][:59] + "…",
            "aspect": h["aspect__name"] or "",
            "source": sources[h["source"]],
            "major": h["level"] == HazardLevel.MAJOR,
            "level": levels[h["level"]],
            "supervised": h["supervised_by_id"] is not None,
            "status": statuses[h["status"]],
            "colour": STATUS_COLOURS[h["status"]],
            "deadline": h["deadline"].isoformat() if h["deadline"] else "—",
            "overdue": h["status"] != HazardStatus.CLOSED
            and h["deadline"] is not None
            and h["deadline"] < today,
            "owner": h["owner__full_name"] or h["owner__username"] or "—",
        }
        for h in values
    ]


@login_required
def ledger_view(request):
    require(request.user, "hazard.view")
    filters = filters_from_query(request, HazardFilters)
    stats = hazard_stats(user=request.user, filters=filters)
    # The page's ids come from a narrow query (scope, filters, order), the rows and their
    # joins then only for those 50: at province scale the wide sort was the cost.
    ids = (
        hazard_list(user=request.user, filters=filters)
        .select_related(None)
        .values_list("pk", flat=True)
    )
    page, query = page_of(request, ids, count=stats["found"])
    by_id = {
        h["pk"]: h
        for h in hazard_list(user=request.user)
        .filter(pk__in=list(page.object_list))
        .select_related(None)
        .order_by()
        .values(*LEDGER_FIELDS)
    }
    page.object_list = ledger_rows([by_id[pk] for pk in page.object_list if pk in by_id])
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "stats": stats,
        "can_report": can(request.user, "hazard.report"),
        **_choices(request),
    }
    return render(request, "hazards/ledger.html", context)


@login_required
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
            "filters": filters,
            "group": group,
            "query": query.urlencode(),
            "stats": hazard_stats(user=request.user, filters=filters),
            "rows": hazard_stats_by(user=request.user, filters=filters, group=group),
            **_choices(request),
        },
    )


@login_required
def export_view(request):
    require(request.user, "hazard.view")
    rows = hazard_list(
        user=request.user, filters=filters_from_query(request, HazardFilters, warn=False)
    )
    audit_event(AuditAction.EXPORT, message=f"导出隐患台账 {rows.count()} 条")
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
    """The step forms this user may use on this hazard now (only those)."""
    user, unit = request.user, hazard.school.unit
    manage = can(user, "hazard.manage", unit)
    rectifier = manage or hazard.owner_id == user.pk
    forms = {}
    if hazard.status == HazardStatus.REPORTED and manage:
        forms["assign"] = AssignForm(
            data if posted == "assign" else None,
            candidates=owner_candidates(hazard),
            initial={"deadline": hazard.deadline},
        )
    if hazard.status == HazardStatus.ASSIGNED and rectifier:
        forms["start"] = StartForm(data if posted == "start" else None)
    if hazard.status == HazardStatus.RECTIFYING and rectifier:
        forms["submit"] = SubmitForm(data if posted == "submit" else None)
    if hazard.status == HazardStatus.AWAITING_VERIFICATION and manage:
        forms["verify"] = VerifyForm(data if posted == "verify" else None)
    if (
        hazard.level == HazardLevel.MAJOR
        and hazard.status != HazardStatus.CLOSED
        and can(user, "hazard.supervise")
    ):
        form = SuperviseForm(data if posted == "supervise" else None, user=user, hazard=hazard)
        if form.fields["unit"].queryset.exists():
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
            "can_add_photo": hazard.status != HazardStatus.CLOSED
            and (
                request.user.pk in (hazard.found_by_id, hazard.owner_id)
                or can(request.user, "hazard.manage", hazard.school.unit)
            ),
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
