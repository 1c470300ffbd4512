"""The one import pipeline: workbook → rows (core/excel.py: streaming, header and columns
recognised, limits) → each row checked by the importer → checks across rows → written all or
nothing, or rolled back for a preview → audited.

A refused file is audited as a failure (also when it was only previewed); a preview that
passes changes nothing, the audit trail included."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.audit.chain import chain_deferred
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import (
    CONTROL_RE,
    ImportRejected,
    Layout,
    SheetReader,
    WorkbookError,
    excerpt,
)
from safecampus.core.texts import Text

from .base import Errors, Importer, ImportResult, Row

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
Progress = Callable[[str, int], None]


@dataclass
class ImportOutcome:
    """What a run did (or, for a preview, would do)."""

    result: ImportResult
    dry_run: bool
    rows: int  # data rows read
    layout: Layout
    sample: list[dict[str, str]] = field(default_factory=list)  # the first rows, by column key


def _no_progress(step: str, done: int) -> None:
    pass


def import_run(
    *,
    importer: Importer,
    data: bytes,
    filename: str = "",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Read, check and write (or, with `dry_run`, only try) the workbook for `importer`.

    Raises WorkbookError (the file as a whole: not a workbook, too large, too many rows, no
    header, required columns missing — ColumnsMissing), ImportRejected (row errors) or
    BusinessRuleError (a rule of the write); nothing is changed then."""
    importer.authorize()
    importer.filename = filename
    try:
        return _run(importer, data, mapping or {}, dry_run, progress or _no_progress, filename)
    except (ImportRejected, WorkbookError, BusinessRuleError) as exc:
        refused = (
            N_("预览导入%(what)s %(file)s 被拒绝：%(error)s")
            if dry_run
            else N_("导入%(what)s %(file)s 被拒绝：%(error)s")
        )
        audit_event(
            AuditAction.IMPORT,
            importer.audit_subject(),
            outcome=AuditOutcome.FAILURE,
            message=Text(refused, what=importer.label, file=filename, error=str(exc)),
        )
        raise


def _check_cells(row: Row, limits: dict[str, int]) -> None:
    """What every cell must meet whatever the importer: no control characters (they cannot be
    stored or exported) and no more characters than its column holds."""
    for key, value in row.cells.items():
        if not isinstance(value, str):
            continue  # numbers, dates and booleans
        if match := CONTROL_RE.search(value):
            row.error(
                key,
                _("含有不允许的控制字符（U+%(code)04X），请删除后重新导入")
                % {"code": ord(match.group())},
            )
        elif len(value) > limits[key] and len(value.strip()) > limits[key]:
            row.error(
                key,
                _("最长 %(n)d 字（此格 %(len)d 字）") % {"n": limits[key], "len": len(value)},
            )


def _run(
    importer: Importer,
    data: bytes,
    mapping: dict[str, str],
    dry_run: bool,
    progress: Progress,
    filename: str,
) -> ImportOutcome:
    columns = importer.layout()
    limits = {c.key: c.max_length for c in columns}
    errors = Errors(columns, settings.IMPORT_MAX_ERRORS)
    parsed: list[dict[str, Any]] = []
    sample: list[dict[str, str]] = []
    with transaction.atomic():
        with SheetReader(data, columns, mapping) as reader:
            assert reader.layout is not None
            # Errors name the columns as the file does ("学段", not "学校类型").
            found = reader.layout.positions.items()
            errors.headers |= {key: reader.layout.headers[i] for key, i in found}
            for number, cells in reader.rows():
                if errors.full:
                    errors.unchecked_rows += 1
                    continue
                errors.cells[number] = cells
                row = Row(number, cells, errors)
                _check_cells(row, limits)
                values = importer.parse(row) if row.ok else None
                if values is not None and row.ok:
                    values["number"] = number
                    parsed.append(values)
                if len(sample) < PREVIEW_ROWS:
                    sample.append(
                        {"number": str(number)} | {k: excerpt(v) for k, v in cells.items()}
                    )
                if reader.data_rows % 500 == 0:
                    progress(_("校验"), reader.data_rows)
            layout, total = reader.layout, reader.data_rows
        if not total:
            raise WorkbookError(_("文件中没有数据行"))
        if not errors.full:
            importer.check(parsed, errors)
        if errors.listed:
            raise ImportRejected(
                errors.listed,
                more_errors=errors.more,
                unchecked_rows=errors.unchecked_rows,
                unrecognised=layout.unrecognised,
            )
        progress(_("写入"), total)
        try:
            # A savepoint, so that the check can run again below. The rows' audit entries are
            # appended at its end: the audit chain stays free for other writers (an alarm's)
            # while thousands of rows are written.
            with transaction.atomic(), chain_deferred():
                result = importer.write(parsed)
        except IntegrityError as exc:
            # The database refused what the check had let through: a record written since by
            # someone else (a form, another import). Check again against the database as it is
            # now, so that the refusal names the row; nothing of the file is written either way.
            importer.check(parsed, errors)
            if errors.listed:
                raise ImportRejected(
                    errors.listed,
                    more_errors=errors.more,
                    unchecked_rows=errors.unchecked_rows,
                    unrecognised=layout.unrecognised,
                ) from exc
            logger.exception("import %s refused by the database", importer.key)
            raise BusinessRuleError(
                _("数据库拒绝写入（可能有人同时修改了相同的记录），未导入任何数据，请重新导入")
            ) from exc
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_event(
                AuditAction.IMPORT,
                result.obj or importer.audit_subject(),
                message=Text(
                    N_("导入%(what)s %(file)s：%(summary)s"),
                    what=importer.label,
                    file=filename,
                    summary=importer.summary(result),
                ),
            )
    return ImportOutcome(result=result, dry_run=dry_run, rows=total, layout=layout, sample=sample)


def mapping_from(value: object, importer: Importer) -> dict[str, str]:
    """A column mapping as a client sends it — {file column: column key or header, or "" to
    ignore it} — checked against the importer's columns."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | type(None)) for k, v in value.items()
    ):
        raise WorkbookError(_("列对应须为 {文件中的列名: 字段} 形式的 JSON 对象"))
    by_name = {}
    for column in importer.layout():
        by_name[column.key] = by_name[str(column.header)] = column.key
    mapping = {}
    for header, target in value.items():
        target = (target or "").strip()
        if target and target not in by_name:
            raise WorkbookError(
                _("列对应中的“%(target)s”不是可导入的字段（可用：%(all)s）")
                % {
                    "target": excerpt(target),
                    "all": "、".join(str(c.header) for c in importer.layout()),
                }
            )
        mapping[header.strip()] = by_name.get(target, "")
    return mapping
