"""Writes of the risk catalogs: import (all or nothing), the starter catalogs, demo padding."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction, AuditOutcome
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import ImportRejected, RowError, WorkbookError, as_text
from safecampus.core.texts import Text
from safecampus.orgs.choices import UnitKind

from . import excel
from .choices import CatalogGroup
from .models import Aspect, CatalogMeasure, CatalogRiskPoint, RiskCatalog

STARTER_DIR = Path(__file__).resolve().parent / "data"
POINT_FIELDS = ("aspect", "place", "name", "hazard", "accident", "level")


@dataclass
class CatalogDraft:
    """A catalog's content before it is written: points, each with its measures."""

    points: list[dict]

    @property
    def measure_count(self) -> int:
        return sum(len(p["measures"]) for p in self.points)


def _aspects() -> dict[str, Aspect]:
    """Aspects by code, by name and by "code name" — the forms a cell may take."""
    by_key = {}
    for aspect in Aspect.objects.all():
        by_key[aspect.code] = by_key[aspect.name] = by_key[str(aspect)] = aspect
    return by_key


def _parse(raw_rows: list[tuple[int, dict]]) -> CatalogDraft:
    """Rows of the workbook → a draft; every bad cell is collected before anything is written."""
    aspects = _aspects()
    errors: list[RowError] = []
    points: dict[str, dict] = {}
    headers = {c.key: c.header for c in excel.COLUMNS}

    def err(number, key, message):
        errors.append(RowError(number, headers[key], message))

    for number, raw in raw_rows:
        cells = {key: as_text(value) for key, value in raw.items()}
        for column in excel.COLUMNS:
            if column.required and not cells[column.key]:
                err(number, column.key, _("必填"))
        for key, limit in (
            ("code", 32),
            ("place", 100),
            ("name", 200),
            ("hazard", 500),
            ("accident", 200),
            ("measure", 500),
            ("department", 50),
            ("post", 50),
        ):
            if len(cells[key]) > limit:
                err(number, key, _("最长 %(n)d 字") % {"n": limit})
        aspect = aspects.get(cells["aspect"])
        if cells["aspect"] and aspect is None:
            err(
                number,
                "aspect",
                _("“%(value)s”不是十六个方面之一（填写编号或名称，如“03”或“消防安全”）")
                % {"value": cells["aspect"]},
            )
        level = excel.LEVEL_BY_LABEL.get(cells["level"])
        if cells["level"] and level is None:
            err(
                number,
                "level",
                _("应为：%(choices)s") % {"choices": "、".join(excel.LEVEL_BY_LABEL)},
            )
        frequency = excel.FREQUENCY_BY_LABEL.get(cells["frequency"])
        if cells["frequency"] and frequency is None:
            err(
                number,
                "frequency",
                _("应为：%(choices)s") % {"choices": "、".join(excel.FREQUENCY_BY_LABEL)},
            )
        if not cells["code"]:
            continue
        values = {
            "aspect": aspect,
            "place": cells["place"],
            "name": cells["name"],
            "hazard": cells["hazard"],
            "accident": cells["accident"],
            "level": level,
        }
        point = points.get(cells["code"])
        if point is None:
            point = points[cells["code"]] = {
                "code": cells["code"],
                "row": number,
                **values,
                "measures": [],
            }
        else:
            # A point spans several rows (one per measure): its own columns must agree.
            for key in POINT_FIELDS:
                if values[key] != point[key] and values[key] is not None:
                    err(
                        number,
                        key,
                        _("与第 %(row)d 行同一风险点的内容不一致") % {"row": point["row"]},
                    )
        point["measures"].append(
            {
                "text": cells["measure"],
                "department": cells["department"],
                "post": cells["post"],
                "frequency": frequency,
            }
        )
    if errors:
        raise ImportRejected(errors)
    return CatalogDraft(points=list(points.values()))


def _write(catalog: RiskCatalog, draft: CatalogDraft, *, generated: bool = False) -> None:
    points = CatalogRiskPoint.objects.bulk_create(
        [
            CatalogRiskPoint(
                catalog=catalog,
                code=p["code"],
                aspect=p["aspect"],
                place=p["place"],
                name=p["name"],
                hazard=p["hazard"],
                accident=p["accident"],
                level=p["level"],
                generated=p.get("generated", generated),
            )
            for p in draft.points
        ],
        batch_size=500,
    )
    CatalogMeasure.objects.bulk_create(
        [
            CatalogMeasure(
                point=point,
                order=order,
                text=m["text"],
                department=m["department"],
                post=m["post"],
                frequency=m["frequency"],
                generated=p.get("generated", generated),
            )
            for point, p in zip(points, draft.points, strict=True)
            for order, m in enumerate(p["measures"])
        ],
        batch_size=1000,
    )


@transaction.atomic
def _publish(
    *, unit, group: str, name: str, version: str, source: str, draft: CatalogDraft
) -> RiskCatalog:
    """Write a new current version of the group's catalog at `unit`; the old one is retired."""
    if unit.kind not in (UnitKind.PROVINCE, UnitKind.CITY):
        raise BusinessRuleError(
            _("风险清单由市（或省）一级发布，不能发布在“%(unit)s”") % {"unit": unit.name}
        )
    if RiskCatalog.objects.filter(unit=unit, group=group, version=version).exists():
        raise BusinessRuleError(
            _("该单位已有版本“%(version)s”的%(group)s清单")
            % {"version": version, "group": CatalogGroup(group).label}
        )
    RiskCatalog.objects.filter(unit=unit, group=group, is_current=True).update(is_current=False)
    catalog = RiskCatalog.objects.create(
        unit=unit, group=group, name=name, version=version, source=source
    )
    _write(catalog, draft)
    return catalog


def catalog_import(
    *, user, unit, group: str, name: str, version: str, data: bytes, filename: str = ""
) -> RiskCatalog:
    """Publish a catalog from the experts' workbook, all or nothing; a refused file is audited."""
    require(user, "catalog.manage", unit)
    try:
        draft = _parse(excel.read_rows(data))
        catalog = _publish(
            unit=unit,
            group=group,
            name=name,
            version=version,
            source=_("Excel 导入：%(file)s") % {"file": filename},
            draft=draft,
        )
    except (ImportRejected, WorkbookError, BusinessRuleError) as exc:
        audit_event(
            AuditAction.IMPORT,
            outcome=AuditOutcome.FAILURE,
            message=Text(
                N_("导入风险清单 %(file)s 被拒绝：%(error)s"), file=filename, error=str(exc)
            ),
        )
        raise
    audit_event(
        AuditAction.IMPORT,
        catalog,
        message=Text(
            N_("导入风险清单 %(file)s：%(points)s 个风险点、%(measures)s 项措施"),
            file=filename,
            points=len(draft.points),
            measures=draft.measure_count,
        ),
    )
    return catalog


def catalog_export(*, user, catalog: RiskCatalog) -> bytes:
    points = catalog.points.select_related("aspect").prefetch_related("measures").order_by("code")
    audit_event(
        AuditAction.EXPORT,
        catalog,
        message=Text(N_("导出风险清单 %(catalog)s"), catalog=str(catalog)),
    )
    return excel.workbook_bytes(excel.catalog_rows(points))


def starter_draft(group: str) -> tuple[dict, CatalogDraft]:
    """The starter catalog shipped for a group (written from the standards; see data/)."""
    data = json.loads(
        (STARTER_DIR / f"starter_{'k12' if group == CatalogGroup.K12 else group}.json").read_text(
            "utf-8"
        )
    )
    aspects = {a.code: a for a in Aspect.objects.all()}
    points = [{**p, "aspect": aspects[p["aspect"]]} for p in data["points"]]
    for p in points:
        p["measures"] = [{**m} for m in p["measures"]]
    return data["catalog"], CatalogDraft(points=points)


def catalog_publish_starter(*, unit, group: str) -> RiskCatalog:
    """Publish the starter catalog of a group at `unit` (new deployments, the demo city)."""
    meta, draft = starter_draft(group)
    return _publish(
        unit=unit,
        group=group,
        name=meta["name"],
        version=meta["version"],
        source=meta["source"],
        draft=draft,
    )
