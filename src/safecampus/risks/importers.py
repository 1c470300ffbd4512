"""The risk-catalog import: the experts' workbook, one row per control measure, published as
the new current version of a group's catalog at the city (or province)."""

from functools import cached_property
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.core.texts import Text
from safecampus.imports.base import Errors, Importer, ImportResult, Row

from . import excel
from .forms import CatalogImportForm
from .models import Aspect
from .services import POINT_FIELDS, CatalogDraft, _publish


class CatalogImporter(Importer):
    key = "risk-catalog"
    label = gettext_lazy("风险清单")
    unit = gettext_lazy("个风险点")
    action = "catalog.manage"
    columns = excel.COLUMNS
    sheet_title = "风险清单"
    options_form = CatalogImportForm
    instructions = (
        gettext_lazy(
            "每行一项管控措施，同一风险点的多项措施写在相邻几行，风险点各列内容须一致。"
            "可先导出现有清单作为模板。文件中只要有一处错误，整个清单都不会发布。"
        ),
    )
    example = (
        "K-03-001",
        "03 消防安全",
        "教学楼",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾、踩踏",
        "较大",
        "每日巡查疏散通道",
        "总务处",
        "安全管理员",
        "每日",
    )

    def authorize(self) -> None:
        require(self.user, self.action, self.options.get("unit"))

    @cached_property
    def aspects(self) -> dict[str, Aspect]:
        """Aspects by code, by name and by "code name" — the forms a cell may take."""
        by_key = {}
        for aspect in Aspect.objects.all():
            by_key[aspect.code] = by_key[aspect.name] = by_key[str(aspect)] = aspect
        return by_key

    def parse(self, row: Row) -> dict | None:
        for column in self.columns:
            if column.required and not row.text(column.key):
                row.error(column.key, _("必填"))
        aspect = self.aspects.get(row.text("aspect"))
        if row.text("aspect") and aspect is None:
            row.error("aspect", _("不是十六个方面之一（填写编号或名称，如“03”或“消防安全”）"))
        values: dict[str, Any] = {key: row.text(key) for key in ("code", "place", "name")}
        values |= {key: row.text(key) for key in ("hazard", "accident", "measure")}
        values |= {key: row.text(key) for key in ("department", "post")}
        values["aspect"] = aspect
        values["level"] = row.choice("level", excel.LEVEL_BY_LABEL)
        values["frequency"] = row.choice("frequency", excel.FREQUENCY_BY_LABEL)
        return values if row.ok else None

    def check(self, rows: list[dict], errors: Errors) -> None:
        """Rows → points with their measures; a point spanning several rows (one per measure)
        must agree in its own columns."""
        points: dict[str, dict] = {}
        for r in rows:
            point = points.get(r["code"])
            if point is None:
                point = points[r["code"]] = {
                    "code": r["code"],
                    "row": r["number"],
                    **{key: r[key] for key in POINT_FIELDS},
                    "measures": [],
                }
            else:
                for key in POINT_FIELDS:
                    if r[key] != point[key]:
                        errors.add(
                            r["number"],
                            key,
                            _("与第 %(row)d 行同一风险点的内容不一致") % {"row": point["row"]},
                        )
            point["measures"].append(
                {k: r[k] for k in ("department", "post", "frequency")} | {"text": r["measure"]}
            )
        self.draft = CatalogDraft(points=list(points.values()))

    def write(self, rows: list[dict]) -> ImportResult:
        catalog = _publish(
            unit=self.options["unit"],
            group=self.options["group"],
            name=self.options["name"],
            version=self.options["version"],
            source=_("Excel 导入：%(file)s") % {"file": self.filename},
            draft=self.draft,
        )
        return ImportResult(created=len(self.draft.points), obj=catalog)

    def summary(self, result: ImportResult) -> Text:
        # A Text, not a string: the audit entry keeps it for each reader's language.
        return Text(
            N_("发布 %(points)d 个风险点、%(measures)d 项措施，已成为现行版本"),
            points=len(self.draft.points),
            measures=self.draft.measure_count,
        )

    def done_url(self, result: ImportResult) -> str:
        assert result.obj is not None  # write() answers the catalog
        return reverse("risks:catalog_detail", args=[result.obj.pk])

    def back_url(self) -> str:
        return reverse("risks:catalog_list")
