"""The guard register workbook (保安员花名册): one layout for export, template and import.

The import is all or nothing: every bad cell is reported by row and column and nothing is
written. Rows match the school's guards by licence number, or by name and birth year for a
guard without one; matched guards are updated, the others added. Guards missing from the
file are left as they are (deactivate them on the page)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core import excel as workbook
from safecampus.core.excel import Column, ImportRejected, RowError, WorkbookError, as_text
from safecampus.core.texts import Text

from .choices import Employment
from .models import Guard

YES, NO = "是", "否"
COLUMNS = [
    Column("name", "姓名", 12),
    Column("licence_no", "保安员证号", 20, required=False),
    Column("licence_expiry", "证件有效期至", 14, required=False),
    Column("birth_year", "出生年份", 10),
    Column("employment", "用工方式", 10),
    Column("company", "保安公司", 28, required=False),
    Column("active", "在岗", 8, required=False),
]
HEADERS = {c.key: c.header for c in COLUMNS}
FIELDS = [c.key for c in COLUMNS]
EMPLOYMENT_BY_LABEL = {str(e.label): e.value for e in Employment}


def guard_row(guard: Guard) -> list:
    return [
        guard.name,
        guard.licence_no,
        guard.licence_expiry.isoformat() if guard.licence_expiry else "",
        guard.birth_year,
        guard.get_employment_display(),
        guard.company,
        YES if guard.active else NO,
    ]


def guards_export(*, school, guards) -> bytes:
    """The register of the given (already scoped) guards; the export is audited."""
    data = workbook.workbook_bytes(COLUMNS, (guard_row(g) for g in guards), title="保安员")
    audit_event(
        AuditAction.EXPORT,
        school,
        message=Text(N_("导出保安员花名册 %(school)s"), school=school.unit.name),
    )
    return data


def template_bytes() -> bytes:
    return workbook.workbook_bytes(
        COLUMNS,
        [
            [
                "张三",
                "鲁公保证字2021000123",
                "2030-06-30",
                1975,
                "专职",
                "烟台市保安服务有限公司",
                YES,
            ]
        ],
        title="保安员",
    )


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(as_text(value).replace("/", "-"))
    except ValueError:
        raise ValueError(_("须为日期，如 2030-06-30")) from None


def _year(value) -> int:
    text = as_text(value)
    if not text.isdigit():
        raise ValueError(_("须为四位年份，如 1975"))
    return int(text)


def _parse(number: int, raw: dict, errors: list[RowError]) -> dict | None:
    values, ok = {}, True

    def cell(key, parse):
        nonlocal ok
        try:
            values[key] = parse(raw[key])
        except ValueError as exc:
            errors.append(RowError(number, HEADERS[key], str(exc)))
            ok = False

    cell("name", lambda v: as_text(v)[:50])
    cell("licence_no", lambda v: as_text(v)[:30])
    cell("licence_expiry", _date)
    cell("birth_year", _year)
    cell("company", lambda v: as_text(v)[:100])

    def employment(v):
        text = as_text(v)
        if text not in EMPLOYMENT_BY_LABEL:
            raise ValueError(_("须为“专职”或“兼职”"))
        return EMPLOYMENT_BY_LABEL[text]

    def active(v):
        text = as_text(v)
        if text not in ("", YES, NO):
            raise ValueError(_("须为“是”或“否”"))
        return text != NO

    cell("employment", employment)
    cell("active", active)
    if ok and not values["name"]:
        errors.append(RowError(number, HEADERS["name"], _("不能为空")))
        ok = False
    return values if ok else None


def guards_import(*, user, school, data: bytes, filename: str = "") -> dict:
    """Import the school's guard register; all rows or none. Answers {created, updated,
    unchanged}. A refused file is audited too."""
    require(user, "defense.manage", school.unit)
    try:
        return _import(school=school, data=data, filename=filename)
    except (ImportRejected, WorkbookError) as exc:
        audit_event(
            AuditAction.IMPORT,
            school,
            outcome=AuditOutcome.FAILURE,
            message=Text(
                N_("导入保安员花名册 %(file)s 被拒绝：%(error)s"), file=filename, error=str(exc)
            ),
        )
        raise


@transaction.atomic
def _import(*, school, data: bytes, filename: str) -> dict:
    rows = workbook.read_rows(data, COLUMNS)
    errors: list[RowError] = []
    existing = list(Guard.objects.filter(school=school))
    by_licence = {g.licence_no: g for g in existing if g.licence_no}
    by_person = {(g.name, g.birth_year): g for g in existing if not g.licence_no}
    seen: dict[object, int] = {}
    planned = []
    for number, raw in rows:
        values = _parse(number, raw, errors)
        if values is None:
            continue
        licence = values["licence_no"]
        key = licence or (values["name"], values["birth_year"])
        if key in seen:
            errors.append(
                RowError(
                    number,
                    HEADERS["licence_no"] if licence else HEADERS["name"],
                    _("与第 %(row)d 行重复") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        guard = (
            by_licence.get(licence)
            if licence
            else by_person.get((values["name"], values["birth_year"]))
        ) or Guard(school=school)
        before = None if guard.pk is None else [getattr(guard, k) for k in FIELDS]
        for key, value in values.items():
            setattr(guard, key, value)
        try:
            guard.full_clean(validate_unique=False)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(RowError(number, HEADERS.get(field_name, field_name), message))
            continue
        planned.append((guard, before))
    if errors:
        raise ImportRejected(errors)
    result = {"created": 0, "updated": 0, "unchanged": 0}
    for guard, before in planned:
        if before is None:
            result["created"] += 1
        elif before == [getattr(guard, k) for k in FIELDS]:
            result["unchanged"] += 1
            continue
        else:
            result["updated"] += 1
        guard.save()  # one audited create/update per guard
    audit_event(
        AuditAction.IMPORT,
        school,
        message=Text(
            N_("导入保安员花名册 %(file)s：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s"),
            file=filename,
            **result,
        ),
    )
    return result
