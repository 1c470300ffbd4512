"""Writes of the risk catalogs: import (all or nothing), the starter catalogs, demo padding."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.texts import Text
from safecampus.imports.pipeline import import_run
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
    """Publish a catalog from the experts' workbook through the import pipeline (all or
    nothing; a refused file is audited)."""
    from .importers import CatalogImporter

    options = {"unit": unit, "group": group, "name": name, "version": version}
    importer = CatalogImporter(user=user, options=options)
    catalog = import_run(importer=importer, data=data, filename=filename).result.obj
    assert isinstance(catalog, RiskCatalog)  # the importer's write() answers the catalog
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
