"""Writes to the org tree. Every write is transactional and leaves audit entries."""

import re
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require, scoped
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import (
    ImportRejected,
    RowError,
    WorkbookError,
    as_coordinate,
    as_count,
    as_text,
)
from safecampus.core.texts import Text

from . import excel
from .choices import UnitKind
from .models import OrgUnit, School

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@transaction.atomic
def school_update(*, user, school: School, **changes) -> School:
    """Change a school's profile (the caller has checked it is in scope)."""
    require(user, "school.change", school.unit)
    unit_fields = {"name", "longitude", "latitude"}
    unit_changes = {k: v for k, v in changes.items() if k in unit_fields}
    school_changes = {k: v for k, v in changes.items() if k not in unit_fields}
    if "name" in unit_changes:
        clash = OrgUnit.objects.filter(
            parent_id=school.unit.parent_id, name=unit_changes["name"]
        ).exclude(pk=school.pk)
        if clash.exists():
            raise BusinessRuleError(_("同一上级下已有同名学校"))
    if unit_changes:
        for key, value in unit_changes.items():
            setattr(school.unit, key, value)
        school.unit.full_clean()
        school.unit.save()
    if school_changes:
        for key, value in school_changes.items():
            setattr(school, key, value)
        if school.boarders > school.students:
            raise BusinessRuleError(_("寄宿生数不能大于学生数"))
        school.boarding = school.boarding or school.boarders > 0
        school.full_clean()
        school.save()
    return school


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _parents(user) -> dict[str, OrgUnit]:
    """Units a user may import schools into, by code, and by name where the name is unique;
    "市直属" stands for the city when the user's scope holds exactly one city."""
    allowed = list(
        scoped(
            OrgUnit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.DISTRICT]),
            user,
            "school.import",
        )
    )
    by_key: dict[str, OrgUnit] = {unit.code: unit for unit in allowed}
    names = Counter(unit.name for unit in allowed)
    by_key.update({unit.name: unit for unit in allowed if names[unit.name] == 1})
    cities = [unit for unit in allowed if unit.kind == UnitKind.CITY]
    if len(cities) == 1:
        by_key[excel.DIRECT] = cities[0]
    return by_key


def _parse_row(number: int, raw: dict, parents: dict, errors: list) -> dict | None:
    def err(key, message):
        header = next(c.header for c in excel.COLUMNS if c.key == key)
        errors.append(RowError(number, header, message))

    before = len(errors)
    row = {"number": number}
    for column in excel.COLUMNS:
        if column.required and as_text(raw[column.key]) == "":
            err(column.key, _("必填"))
    code = as_text(raw["code"])
    if code and not CODE_RE.match(code):
        err("code", _("只能包含字母、数字、下划线和连字符，最长 32 位"))
    row["code"] = code
    name = as_text(raw["name"])
    if len(name) > 100:
        err("name", _("最长 100 字"))
    row["name"] = name
    district = as_text(raw["district"])
    if district:
        parent = parents.get(district)
        if parent is None:
            err(
                "district",
                _("“%(value)s”不是您有权导入的区市（填写区市名称、代码或“%(direct)s”）")
                % {"value": district, "direct": excel.DIRECT},
            )
        row["parent"] = parent
    type_label = as_text(raw["school_type"])
    if type_label:
        row["school_type"] = excel.TYPE_BY_LABEL.get(type_label)
        if row["school_type"] is None:
            err(
                "school_type",
                _("“%(value)s”不是有效类型，应为：%(types)s")
                % {"value": type_label, "types": "、".join(excel.TYPE_BY_LABEL)},
            )
    ownership = as_text(raw["ownership"])
    if ownership:
        row["ownership"] = excel.OWNERSHIP_BY_LABEL.get(ownership)
        if row["ownership"] is None:
            err("ownership", _("应为“公办”或“民办”"))
    boarding = as_text(raw["boarding"])
    if boarding:
        if boarding not in (excel.YES, excel.NO):
            err("boarding", _("应为“是”或“否”"))
        row["boarding"] = boarding == excel.YES
    for key in ("students", "boarders", "staff"):
        text = as_text(raw[key])
        if text or key != "boarders":
            try:
                row[key] = as_count(raw[key]) if text else 0
            except ValueError as exc:
                err(key, str(exc))
        else:
            row[key] = 0
    if row.get("boarders", 0) > row.get("students", 0):
        err("boarders", _("寄宿生数不能大于学生数"))
    row["address"] = as_text(raw["address"])[:200]
    for key, low, high in (("longitude", -180, 180), ("latitude", -90, 90)):
        try:
            row[key] = as_coordinate(raw[key], low, high)
        except ValueError as exc:
            err(key, str(exc))
    return row if len(errors) == before else None


def schools_import(*, user, data: bytes, filename: str = "", progress=None) -> ImportResult:
    """Create or update schools from the workbook, all or nothing.

    Rows are matched to existing schools by code. Any bad row rejects the whole file with
    every error listed by row and column; the rejected attempt is audited as a failure."""
    require(user, "school.import")
    try:
        return _schools_import(
            user=user, data=data, filename=filename, progress=progress or _no_progress
        )
    except (ImportRejected, WorkbookError) as exc:
        audit_event(
            AuditAction.IMPORT,
            outcome=AuditOutcome.FAILURE,
            message=Text(N_("导入学校 %(file)s 被拒绝：%(error)s"), file=filename, error=str(exc)),
        )
        raise


def _no_progress(step: str, done: int, total: int) -> None:
    pass


@transaction.atomic
def _schools_import(*, user, data: bytes, filename: str, progress) -> ImportResult:
    raw_rows = excel.read_rows(data)
    total = len(raw_rows)
    progress("读取", total, total)
    parents = _parents(user)
    errors: list[RowError] = []
    rows = []
    for done, (number, raw) in enumerate(raw_rows, start=1):
        if row := _parse_row(number, raw, parents, errors):
            rows.append(row)
        if done % 200 == 0 or done == total:
            progress("校验", done, total)

    codes = [r["code"] for r in rows]
    existing = {
        u.code: u for u in OrgUnit.objects.filter(code__in=codes).select_related("parent", "school")
    }
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple, int] = {}
    importable = set(
        scoped(
            OrgUnit.objects.filter(code__in=codes, kind=UnitKind.SCHOOL), user, "school.import"
        ).values_list("code", flat=True)
    )
    for r in rows:
        n, code = r["number"], r["code"]
        if code in seen_codes:
            errors.append(
                RowError(n, "学校代码", _("与第 %(row)d 行重复") % {"row": seen_codes[code]})
            )
        seen_codes.setdefault(code, n)
        key = (r["parent"].pk, r["name"])
        if key in seen_names:
            errors.append(
                RowError(
                    n,
                    "学校名称",
                    _("与第 %(row)d 行同名（同一区市内名称须唯一）") % {"row": seen_names[key]},
                )
            )
        seen_names.setdefault(key, n)
        unit = existing.get(code)
        if unit is not None and code not in importable:
            errors.append(
                RowError(n, "学校代码", _("该代码已被另一个组织机构使用（不是您管辖范围内的学校）"))
            )
    name_clashes = OrgUnit.objects.filter(
        parent_id__in={r["parent"].pk for r in rows}, name__in={r["name"] for r in rows}
    ).values_list("parent_id", "name", "code")
    for parent_id, name, code in name_clashes:
        n = seen_names.get((parent_id, name))
        if n is not None and code not in seen_codes:
            errors.append(
                RowError(n, "学校名称", _("该区市已有同名学校（代码 %(code)s）") % {"code": code})
            )
    if errors:
        raise ImportRejected(errors)

    result = ImportResult()
    new_units, new_schools, changed_units, changed_schools = [], [], [], []
    for r in rows:
        parent = r["parent"]
        district = parent if parent.kind == UnitKind.DISTRICT else None
        profile = {k: r[k] for k in School.PROFILE_FIELDS}
        profile["boarding"] = profile["boarding"] or profile["boarders"] > 0
        unit = existing.get(r["code"])
        if unit is None:
            unit = OrgUnit(
                kind=UnitKind.SCHOOL,
                parent=parent,
                name=r["name"],
                code=r["code"],
                path=f"{parent.path}{r['code']}/",
                depth=parent.depth + 1,
                longitude=r["longitude"],
                latitude=r["latitude"],
            )
            new_units.append(unit)
            new_schools.append(School(unit=unit, district=district, **profile))
            continue
        school = unit.school
        unit_new = {"name": r["name"], "longitude": r["longitude"], "latitude": r["latitude"]}
        unit_dirty = (
            any(getattr(unit, k) != v for k, v in unit_new.items()) or unit.parent_id != parent.pk
        )
        school_dirty = any(
            getattr(school, k) != v for k, v in profile.items()
        ) or school.district_id != (district and district.pk)
        if unit_dirty:
            for k, v in unit_new.items():
                setattr(unit, k, v)
            if unit.parent_id != parent.pk:
                unit.parent = parent
                unit.path, unit.depth = f"{parent.path}{unit.code}/", parent.depth + 1
            changed_units.append(unit)
        if school_dirty:
            for k, v in profile.items():
                setattr(school, k, v)
            school.district = district
            changed_schools.append(school)
        if unit_dirty or school_dirty:
            result.updated += 1
        else:
            result.unchanged += 1
    OrgUnit.objects.bulk_create(new_units, batch_size=500)
    School.objects.bulk_create(new_schools, batch_size=500)
    if changed_units:
        OrgUnit.objects.bulk_update(
            changed_units,
            ["name", "longitude", "latitude", "parent", "path", "depth"],
            batch_size=500,
        )
    if changed_schools:
        School.objects.bulk_update(
            changed_schools,
            [*School.PROFILE_FIELDS, "district"],
            batch_size=500,
        )
    result.created = len(new_units)
    progress("写入", total, total)
    audit_event(
        AuditAction.IMPORT,
        message=Text(
            N_("导入学校 %(file)s：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s"),
            file=filename,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
    )
    return result


def schools_export(*, user, schools) -> bytes:
    """The workbook of the given (already scoped) schools; the export is audited."""
    data = excel.workbook_bytes(excel.school_row(s) for s in schools)
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出学校 %(count)s 所"), count=schools.count())
    )
    return data
