"""The buildings import: one school's or a whole district's buildings in one file, each row
naming its school by code and matched to the school's buildings by name."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.access.scope import scoped
from safecampus.imports.base import Errors, Importer, ImportResult, Row
from safecampus.orgs.models import School

from . import excel
from .models import Building
from .services import as_area, as_whole, building_problems

FIELDS = ["use", "structure", "storeys", "floor_area_m2", "year_built", "seismic_status"]
FIELDS += ["fire_status", "note"]


class BuildingImporter(Importer):
    key = "buildings"
    label = gettext_lazy("校舍")
    unit = gettext_lazy("栋")
    action = "building.manage"
    columns = excel.COLUMNS
    sheet_title = "校舍"
    instructions = (
        gettext_lazy(
            "一个学校或一个区市的校舍可以放在同一个文件中：每行按“学校代码”找到学校（须在您的"
            "管理范围内），按“楼栋名称”匹配该校已有的楼栋——已有的更新，新的新增。文件中只要有"
            "一行有误，整个文件都不会导入，并列出每一处错误。导出的文件可直接修改后导入。"
        ),
    )
    example = ("370602001", "芝罘区实验小学", "1号教学楼", "教学", "框架", 4, 3200.5, 2008)

    def parse(self, row: Row) -> dict | None:
        for column in self.columns:
            if column.required and not row.text(column.key):
                row.error(column.key, _("必填"))
        values: dict = {"school_code": row.text("school_code"), "name": row.text("name")}
        for key, labels in excel.LABELS.items():
            values[key] = row.choice(key, labels)
        for key, parse in (
            ("storeys", as_whole),
            ("year_built", as_whole),
            ("floor_area_m2", as_area),
        ):
            values[key] = row.parse(key, parse) if row.text(key) else None
        checked = {
            k: values[k]
            for k in ("storeys", "year_built", "floor_area_m2")
            if values[k] is not None
        }
        for key, message in building_problems(checked).items():
            row.error(key, message)
        values["note"] = row.text("note")
        return values if row.ok else None

    def check(self, rows: list[dict], errors: Errors) -> None:
        codes = {r["school_code"] for r in rows}
        schools = {
            s.unit.code: s
            for s in scoped(
                School.objects.filter(unit__code__in=codes).select_related("unit"),
                self.user,
                self.action,
            )
        }
        seen: dict[tuple, int] = {}
        for row in rows:
            row["school"] = schools.get(row["school_code"])
            if row["school"] is None:
                errors.add(row["number"], "school_code", _("不是您有权维护校舍的学校"))
                continue
            key = (row["school"].pk, row["name"])
            if key in seen:
                errors.add(
                    row["number"],
                    "name",
                    _("与第 %(row)d 行同名（同一学校内楼栋名称须唯一）") % {"row": seen[key]},
                )
            seen.setdefault(key, row["number"])

    def write(self, rows: list[dict]) -> ImportResult:
        existing = {
            (b.school_id, b.name): b
            for b in Building.objects.filter(
                school_id__in={r["school"].pk for r in rows}, name__in={r["name"] for r in rows}
            )
        }
        result, new, changed = ImportResult(), [], []
        for row in rows:
            values = {k: row[k] for k in FIELDS}
            building = existing.get((row["school"].pk, row["name"]))
            if building is None:
                new.append(Building(school=row["school"], name=row["name"], **values))
            elif any(getattr(building, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(building, k, v)
                changed.append(building)
            else:
                result.unchanged += 1
        Building.objects.bulk_create(new, batch_size=500)
        if changed:
            Building.objects.bulk_update(changed, FIELDS, batch_size=500)
        result.created, result.updated = len(new), len(changed)
        return result

    def back_url(self) -> str:
        return reverse("buildings:overview")
