"""The one page flow of every import: upload (with the importer's options) → the file's
columns, matched to the importer's and changeable → preview (the rows, what would change, or
every error) → import. The file waits between the steps (staging.py)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import (
    ColumnsMissing,
    ImportRejected,
    Layout,
    WorkbookError,
    xlsx_response,
)
from safecampus.core.forms import XlsxUploadForm
from safecampus.core.throttle import throttle

from .base import Importer, importer_for
from .pipeline import import_run
from .staging import Staged, save, stage, staged_get, unstage


def _school_query(importer: Importer) -> str:
    return f"?school={importer.school.pk}" if importer.school is not None else ""


def _page(request: HttpRequest, importer: Importer, template: str, **context: Any) -> HttpResponse:
    school = importer.school
    return render(
        request,
        f"imports/{template}",
        {
            "importer": importer,
            "title": importer.title(),
            "school": school,
            "breadcrumbs": school.unit.ancestors() if school is not None else None,
            "template_url": reverse("imports:template", args=[importer.key])
            + _school_query(importer),
            "upload_url": reverse("imports:upload", args=[importer.key]) + _school_query(importer),
            "back_url": importer.back_url(),
            **context,
        },
    )


@login_required
@throttle("import", when=lambda request: request.method == "POST")
def upload_view(request: HttpRequest, key: str) -> HttpResponse:
    school_id = request.GET.get("school")
    importer, options = importer_for(request.user, key, school_id, request.POST or None)
    upload = XlsxUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid() and (options is None or options.is_valid()):
        file = upload.cleaned_data["file"]
        staged = stage(
            request,
            key=key,
            data=file.read(),
            filename=file.name,
            school=importer.school.pk if importer.school is not None else None,
            options={k: v for k, v in request.POST.items() if options and k in options.fields},
        )
        return _preview(request, importer, staged)
    return _page(request, importer, "upload.html", upload=upload, options=options)


@login_required
@throttle("export")
def template_view(request: HttpRequest, key: str) -> HttpResponse:
    importer, _form = importer_for(request.user, key, request.GET.get("school"))
    data = importer.template()
    return xlsx_response(data, f"{importer.key}-template.xlsx")


class MappingChoice:
    """One column of the file on the page: its header and the importer column it feeds."""

    def __init__(self, index: int, header: str, selected: str, recognised: bool):
        self.index, self.header, self.selected, self.recognised = (
            index,
            header,
            selected,
            recognised,
        )


def _mapping_choices(layout: Layout) -> list[MappingChoice]:
    by_index = {i: key for key, i in layout.positions.items()}
    unrecognised = set(layout.unrecognised)
    return [
        MappingChoice(i, header, by_index.get(i, ""), header not in unrecognised)
        for i, header in enumerate(layout.headers)
        if header
    ]


def _preview(
    request: HttpRequest, importer: Importer, staged: Staged, *, run: bool = False
) -> HttpResponse:
    """Try the staged file (a preview), or with `run` import it; render what happened."""
    context: dict[str, Any] = {"staged": staged, "layout": None}
    try:
        outcome = import_run(
            importer=importer,
            data=staged.read(),
            filename=staged.filename,
            mapping=staged.mapping,
            dry_run=not run,
        )
    except ColumnsMissing as exc:
        context.update(file_error=str(exc), missing=exc.missing, layout=exc.layout)
    except WorkbookError as exc:
        context["file_error"] = str(exc)
    except ImportRejected as exc:
        context.update(rejected=exc, errors=exc.errors)
    except BusinessRuleError as exc:
        context["file_error"] = str(exc)
    else:
        if run:
            unstage(request, staged)
            summary = _("导入完成：%(summary)s。") % {"summary": importer.summary(outcome.result)}
            done_url = importer.done_url(outcome.result)
            if done_url:
                messages.success(request, summary)
                return redirect(done_url)
            return _page(request, importer, "done.html", outcome=outcome, summary=summary)
        shown = [c for c in importer.layout() if c.key in outcome.layout.positions]
        context.update(outcome=outcome, layout=outcome.layout, preview_columns=shown)
        context["preview_rows"] = [
            [row["number"], *(row.get(c.key, "") for c in shown)] for row in outcome.sample
        ]
        context["summary"] = importer.summary(outcome.result)
    layout = context["layout"]
    if layout is not None:
        context["choices"] = _mapping_choices(layout)
        context["unrecognised"] = layout.unrecognised
        context["header_row"] = layout.header_row
    context["columns"] = importer.layout()
    context["action_url"] = reverse("imports:preview", args=[importer.key, staged.token])
    return _page(request, importer, "preview.html", **context)


MAPPING_PREFIX = "column-"


@login_required
@throttle("import")
def preview_view(request: HttpRequest, key: str, token: str) -> HttpResponse:
    staged = staged_get(request, key, token)
    importer, _form = importer_for(request.user, key, staged.school, staged.options)
    if request.method == "POST" and request.POST.get("step") == "mapping":
        headers = request.POST.getlist("header")
        keys = {c.key for c in importer.layout()}
        mapping = {}
        for index, header in enumerate(headers):
            chosen = request.POST.get(f"{MAPPING_PREFIX}{index}", "")
            mapping[header] = chosen if chosen in keys else ""
        staged.mapping = mapping
        save(request, staged)
    run = request.method == "POST" and request.POST.get("step") == "import"
    return _preview(request, importer, staged, run=run)
