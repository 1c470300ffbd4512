"""The one API of every Excel import: what can be imported (with each column's names and
codes), the templates, and the upload — with an optional column mapping and preview."""

import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import functions as param

from safecampus.access.scope import can
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import (
    ColumnsMissing,
    ImportRejected,
    WorkbookError,
    max_upload_bytes,
    max_upload_label,
    xlsx_response,
)
from safecampus.core.pagination import MAX_ID
from safecampus.core.schemas import Error
from safecampus.core.throttle import throttle
from safecampus.core.types import ApiRequest

from .base import importer_for, importers
from .pipeline import import_run, mapping_from

router = Router(tags=["imports"])


class ImportColumnOut(Schema):
    key: str
    header: str
    required: bool
    synonyms: list[str]
    max_length: int
    choices: list[str] = Field(..., description="编码列可填的值（模板中的下拉选项）")


class ImporterOut(Schema):
    key: str = Field(..., description="导入种类，用于 /imports/{key}")
    label: str
    per_school: bool = Field(..., description="是否导入到某一学校（上传时须给 school）")
    options: list[str] = Field(..., description="上传时须同时提交的其他表单字段")
    columns: list[ImportColumnOut]


class ImportResultOut(Schema):
    dry_run: bool = Field(..., description="为 true 时只是预览：数据未写入")
    rows: int = Field(..., description="读到的数据行数（不含标题、表头、合计和落款行）")
    created: int
    updated: int
    unchanged: int
    id: int | None = Field(None, description="导入生成的记录（如风险清单）的编号")
    header_row: int
    unrecognised_columns: list[str] = Field(
        ..., description="文件中不导入的列：未识别的，或 mapping 设为不导入的"
    )
    mapping: dict[str, str] = Field(..., description="实际采用的列对应：文件列名 → 字段")
    preview: list[dict[str, str]] = Field(..., description="预览时前 20 行，按字段")


class ImportRowErrorOut(Schema):
    row: int = Field(..., description="工作表中的行号")
    column: str = Field(..., description="列名")
    value: str = Field(..., description="出错的值（过长时截断）")
    message: str


class ImportRefusalBody(Schema):
    code: str = Field(
        ...,
        description="import_rejected（逐行错误）、columns_missing（缺少必填列，可提交 mapping）、"
        "invalid_file、invalid_mapping、invalid_options 或 invalid（业务规则）",
    )
    message: str
    details: list[ImportRowErrorOut] = Field(..., description="逐行错误，最多列出 200 处")
    more_errors: int = Field(0, description="未列出的错误数")
    unchecked_rows: int = Field(0, description="错误达到上限后未检查的行数")
    missing_columns: list[str] = []
    unrecognised_columns: list[str] = Field([], description="未识别的列：可在 mapping 中指定")
    header_row: int | None = None


class ImportRefusalOut(Schema):
    """An import refused whole: nothing changed."""

    error: ImportRefusalBody


def _refusal(code: str, message: str, **extra: Any) -> Status[dict[str, Any]]:
    body = {"code": code, "message": message, "details": [], **extra}
    return Status(400, {"error": body})


@router.get("/imports", response={200: list[ImporterOut]}, summary="可用的 Excel 导入及其各列")
def importer_list(request: ApiRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, cls in importers().items():
        if not can(request.auth, cls.action):
            continue
        importer = cls(user=request.auth)
        options = list(cls.options_form(user=request.auth).fields) if cls.options_form else []
        columns = [
            {
                "key": c.key,
                "header": str(c.header),
                "required": c.required,
                "synonyms": list(c.synonyms),
                "max_length": c.max_length,
                "choices": c.choice_labels(),
            }
            for c in importer.layout()
        ]
        out.append(
            {
                "key": key,
                "label": str(cls.label),
                "per_school": cls.per_school,
                "options": options,
                "columns": columns,
            }
        )
    return out


@router.get(
    "/imports/{key}/template",
    response={200: None, 403: Error, 404: Error},
    summary="下载导入模板（含说明页、示例和下拉选项）",
    openapi_extra={"responses": {200: {"description": "xlsx"}}},
)
@throttle("export")
def import_template_api(
    request: ApiRequest, key: str, school: int | None = param.Query(None, ge=1, le=MAX_ID)
) -> HttpResponse:
    importer, _form = importer_for(request.auth, key, school)
    data = importer.template()
    return xlsx_response(data, f"{key}-template.xlsx")


@router.post(
    "/imports/{key}",
    # 400: the file refused (ImportRefusalOut), or a field of the form refused before it is
    # read (the control characters of core.middleware: the one error shape).
    response={
        200: ImportResultOut,
        400: ImportRefusalOut | Error,
        403: Error,
        404: Error,
        422: Error,
    },
    summary="从 Excel 导入（全部成功或全部不导入；可先预览）",
    description=(
        "multipart 表单：`file`（.xlsx）；按学校导入的种类另须 `school`；风险清单另须 "
        "`unit`、`group`、`name`、`version`（见 GET /imports 的 options）。"
        '`mapping` 可选，JSON 对象 {文件中的列名: 字段 key 或列名，"" 表示不导入}，'
        "用于未识别的列；`dry_run=true` 只预览、不写入。表头可在前 30 行内，标题行、合计/小计行"
        "和“填表人：”等落款行会被跳过。被拒绝时返回 400 及逐行错误、缺少的列和未识别的列。"
    ),
)
@throttle("import")
def import_api(
    request: ApiRequest,
    key: str,
    file: File[UploadedFile],
    mapping: str | None = param.Form(None, max_length=20000),
    dry_run: bool = param.Form(False),
    school: int | None = param.Form(None, ge=1, le=MAX_ID),
) -> Status[dict[str, Any]] | dict[str, Any]:
    importer, options = importer_for(request.auth, key, school, request.POST)
    if options is not None and not options.is_valid():
        problems = "；".join(
            f"{options.fields[f].label if f in options.fields else f}：{'、'.join(map(str, e))}"
            for f, e in options.errors.items()
        )
        return _refusal("invalid_options", problems)
    if file.size is not None and file.size > max_upload_bytes():
        return _refusal("invalid_file", _("文件不能超过 %(size)s") % {"size": max_upload_label()})
    try:
        columns = mapping_from(json.loads(mapping), importer) if mapping else {}
    except (ValueError, WorkbookError) as exc:
        message = str(exc) if isinstance(exc, WorkbookError) else _("mapping 不是有效的 JSON")
        return _refusal("invalid_mapping", message)
    try:
        outcome = import_run(
            importer=importer,
            data=file.read(),
            filename=file.name or "",
            mapping=columns,
            dry_run=dry_run,
        )
    except ColumnsMissing as exc:
        return _refusal(
            "columns_missing",
            str(exc),
            missing_columns=exc.missing,
            unrecognised_columns=exc.layout.unrecognised,
            header_row=exc.layout.header_row,
        )
    except WorkbookError as exc:
        return _refusal("invalid_file", str(exc))
    except ImportRejected as exc:
        return _refusal(
            "import_rejected",
            str(exc),
            details=exc.errors,
            more_errors=exc.more_errors,
            unchecked_rows=exc.unchecked_rows,
            unrecognised_columns=exc.unrecognised,
        )
    except BusinessRuleError as exc:
        return _refusal("invalid", str(exc))
    layout, result = outcome.layout, outcome.result
    by_index = {i: k for k, i in layout.positions.items()}
    return {
        "dry_run": outcome.dry_run,
        "rows": outcome.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "id": result.obj.pk if result.obj is not None and not outcome.dry_run else None,
        "header_row": layout.header_row,
        "unrecognised_columns": layout.unrecognised,
        "mapping": {h: by_index.get(i, "") for i, h in enumerate(layout.headers) if h},
        "preview": outcome.sample if outcome.dry_run else [],
    }
