"""The school import: a district's or the city's school list, matched to existing schools by
code (the others are added)."""

import re
from collections import Counter
from functools import cached_property, partial
from typing import Any

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.access.scope import scoped
from safecampus.core.excel import as_coordinate, as_count
from safecampus.imports.base import Errors, Importer, ImportResult, Row

from . import excel
from .choices import UnitKind
from .models import OrgUnit, School

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
YES_NO = {excel.YES: True, excel.NO: False}
# Translated only for a bad cell (a row's checks run 20,000 times in a large file).
BAD_TYPE = lazy(
    lambda: _("不是有效类型，应为：%(types)s") % {"types": "、".join(excel.TYPE_BY_LABEL)}, str
)()
BAD_OWNERSHIP = gettext_lazy("应为“公办”或“民办”")
BAD_YES_NO = gettext_lazy("应为“是”或“否”")


class SchoolImporter(Importer):
    key = "schools"
    label = gettext_lazy("学校")
    unit = gettext_lazy("所")
    action = "school.import"
    columns = excel.COLUMNS
    sheet_title = "学校"
    instructions = (
        gettext_lazy(
            "按学校代码匹配：已有的学校更新档案，新的代码新增学校。文件中只要有一行有误，"
            "整个文件都不会导入，并列出每一处错误。"
        ),
        gettext_lazy("所属区市填区市名称、代码或“市直属”；只管辖一个区市时可不填。"),
    )
    example = ("370602001", "芝罘区实验小学", "芝罘区", "小学", "公办", "否", 1200, 0, 80)

    @cached_property
    def parents(self) -> dict[str, OrgUnit]:
        """Units the user may import schools into, by code, and by name where the name is
        unique; "市直属" stands for the city when the user's scope holds exactly one city."""
        allowed = list(
            scoped(
                OrgUnit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.DISTRICT]),
                self.user,
                self.action,
            )
        )
        by_key: dict[str, OrgUnit] = {unit.code: unit for unit in allowed}
        names = Counter(unit.name for unit in allowed)
        by_key.update({unit.name: unit for unit in allowed if names[unit.name] == 1})
        cities = [unit for unit in allowed if unit.kind == UnitKind.CITY]
        if len(cities) == 1:
            by_key[excel.DIRECT] = cities[0]
        # A district officer's own ledger names no district: it is theirs.
        self.only_parent = allowed[0] if len(allowed) == 1 else None
        return by_key

    def parse(self, row: Row) -> dict[str, Any] | None:
        for column in self.columns:
            if column.required and not row.text(column.key):
                row.error(column.key, _("必填"))
        code = row.text("code")
        if code and not CODE_RE.match(code):
            row.error("code", _("只能包含字母、数字、下划线和连字符，最长 32 位"))
        district = row.text("district")
        parents = self.parents
        parent = parents.get(district) if district else self.only_parent
        if parent is None:
            row.error(
                "district",
                _("不是您有权导入的区市（填写区市名称、代码或“%(direct)s”）")
                % {"direct": excel.DIRECT}
                if district
                else _("必填：您可导入到多个区市，请写明区市"),
            )
        values: dict[str, Any] = {
            "code": code,
            "name": row.text("name"),
            "parent": parent,
            "school_type": row.choice("school_type", excel.TYPE_BY_LABEL, BAD_TYPE),
            "ownership": row.choice("ownership", excel.OWNERSHIP_BY_LABEL, BAD_OWNERSHIP),
            "boarding": row.choice("boarding", YES_NO, BAD_YES_NO),
            "address": row.text("address"),
        }
        for key in ("students", "boarders", "staff"):
            values[key] = row.parse(key, as_count) if row.text(key) else 0
        if row.ok and values["boarders"] > values["students"]:
            row.error("boarders", _("寄宿生数不能大于学生数"))
        for key, low, high in (("longitude", -180, 180), ("latitude", -90, 90)):
            values[key] = row.parse(key, partial(as_coordinate, low=low, high=high))
        return values if row.ok else None

    def check(self, rows: list[dict[str, Any]], errors: Errors) -> None:
        codes = [r["code"] for r in rows]
        self.existing = {
            u.code: u
            for u in OrgUnit.objects.filter(code__in=codes).select_related("parent", "school")
        }
        importable = set(
            scoped(
                OrgUnit.objects.filter(code__in=codes, kind=UnitKind.SCHOOL), self.user, self.action
            ).values_list("code", flat=True)
        )
        seen_codes: dict[str, int] = {}
        seen_names: dict[tuple[int, str], int] = {}
        for r in rows:
            n, code = r["number"], r["code"]
            if code in seen_codes:
                errors.add(n, "code", _("与第 %(row)d 行重复") % {"row": seen_codes[code]})
            seen_codes.setdefault(code, n)
            key = (r["parent"].pk, r["name"])
            if key in seen_names:
                errors.add(
                    n,
                    "name",
                    _("与第 %(row)d 行同名（同一区市内名称须唯一）") % {"row": seen_names[key]},
                )
            seen_names.setdefault(key, n)
            if code in self.existing and code not in importable:
                errors.add(n, "code", _("该代码已被另一个组织机构使用（不是您管辖范围内的学校）"))
        name_clashes = OrgUnit.objects.filter(
            parent_id__in={r["parent"].pk for r in rows}, name__in={r["name"] for r in rows}
        ).values_list("parent_id", "name", "code")
        for parent_id, name, code in name_clashes:
            n = seen_names.get((parent_id, name))
            if n is not None and code not in seen_codes:
                errors.add(n, "name", _("该区市已有同名学校（代码 %(code)s）") % {"code": code})

    def write(self, rows: list[dict[str, Any]]) -> ImportResult:
        result = ImportResult()
        new_units, new_schools, changed_units, changed_schools = [], [], [], []
        for r in rows:
            parent = r["parent"]
            district = parent if parent.kind == UnitKind.DISTRICT else None
            profile = {k: r[k] for k in School.PROFILE_FIELDS}
            profile["boarding"] = bool(profile["boarding"]) or profile["boarders"] > 0
            unit = self.existing.get(r["code"])
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
                any(getattr(unit, k) != v for k, v in unit_new.items())
                or unit.parent_id != parent.pk
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
        # Updates first: a school renamed in the file frees its old name for a new school of
        # the same file (names are unique per district), which the check allowed.
        if changed_units:
            OrgUnit.objects.bulk_update(
                changed_units,
                ["name", "longitude", "latitude", "parent", "path", "depth"],
                batch_size=500,
            )
        if changed_schools:
            School.objects.bulk_update(
                changed_schools, [*School.PROFILE_FIELDS, "district"], batch_size=500
            )
        OrgUnit.objects.bulk_create(new_units, batch_size=500)
        School.objects.bulk_create(new_schools, batch_size=500)
        result.created = len(new_units)
        return result

    def back_url(self) -> str:
        return reverse("orgs:school_list")
