"""The demo city's risk catalogs: the shipped starter catalogs, brought up to the counts of
the official lists the article names (K-12: 372 points / 798 measures; kindergartens: 351 /
703) with entries marked as generated."""

import random

from safecampus.demo.generator import DemoCity
from safecampus.risks.choices import CatalogGroup, CheckFrequency, RiskLevel
from safecampus.risks.models import Aspect, CatalogMeasure
from safecampus.risks.services import CatalogDraft, _write, catalog_publish_starter

# (points, measures) of the official catalogs.
OFFICIAL_COUNTS = {CatalogGroup.K12: (372, 798), CatalogGroup.KINDERGARTEN: (351, 703)}
PREFIX: dict[str, str] = {CatalogGroup.K12: "K12", CatalogGroup.KINDERGARTEN: "KG"}
LEVEL_WEIGHTS = [
    (RiskLevel.MAJOR, 1),
    (RiskLevel.SIGNIFICANT, 4),
    (RiskLevel.GENERAL, 10),
    (RiskLevel.LOW, 5),
]


def _padding(
    rng: random.Random, group: str, start: int, points: int, measures: int, examples
) -> CatalogDraft:
    """`points` generated points carrying `measures` measures in all, modelled on the starter
    entries of the same aspect (place, departments) so that the lists read plausibly."""
    aspects = list(Aspect.objects.all())
    per_point, extra = divmod(measures, points)
    levels, weights = zip(*LEVEL_WEIGHTS, strict=True)
    drafted = []
    for n in range(points):
        aspect = aspects[n % len(aspects)]
        model = rng.choice(examples.get(aspect.code) or examples["any"])
        count = per_point + (1 if n < extra else 0)
        drafted.append(
            {
                "code": f"{PREFIX[group]}-{aspect.code}-G{start + n:03d}",
                "aspect": aspect,
                "place": model["place"],
                "name": f"{aspect.name}补充风险点 {start + n}（演示生成）",
                "hazard": f"演示数据：{model['place']}的{aspect.name}隐患，正式内容以专家编制的清单为准",
                "accident": model["accident"],
                "level": rng.choices(levels, weights)[0],
                "generated": True,
                "measures": [
                    {
                        "text": f"演示数据：按规定检查{model['place']}相关管控措施落实情况（第 {k + 1} 项）",
                        "department": m["department"],
                        "post": m["post"],
                        "frequency": rng.choice(list(CheckFrequency)).value,
                    }
                    for k, m in enumerate((model["measures"] * count)[:count])
                ],
            }
        )
    return CatalogDraft(points=drafted)


def catalogs_publish(city: DemoCity) -> int:
    """The demo builder: the four catalogs at the top of the tree. Answers how many."""
    return len(catalogs_publish_at(unit=city.root, rng=random.Random(city.seed + 2)))


def catalogs_publish_at(*, unit, rng: random.Random) -> dict[str, tuple[int, int]]:
    """Publish the four starter catalogs at `unit`, padding K-12 and kindergarten to the
    official counts. Answers {group: (points, measures)}."""
    counts: dict[str, tuple[int, int]] = {}
    for group in CatalogGroup:
        catalog = catalog_publish_starter(unit=unit, group=group)
        points = list(catalog.points.select_related("aspect").prefetch_related("measures"))
        measures = sum(len(p.measures.all()) for p in points)
        if group in OFFICIAL_COUNTS:
            want_points, want_measures = OFFICIAL_COUNTS[group]
            examples: dict[str, list[dict]] = {"any": []}
            for p in points:
                entry = {
                    "place": p.place,
                    "accident": p.accident,
                    "measures": [
                        {"department": m.department, "post": m.post} for m in p.measures.all()
                    ],
                }
                examples.setdefault(p.aspect.code, []).append(entry)
                examples["any"].append(entry)
            add_points, add_measures = want_points - len(points), want_measures - measures
            if add_points > 0 and add_measures >= add_points:
                _write(catalog, _padding(rng, group, 1, add_points, add_measures, examples))
        counts[group] = (
            catalog.points.count(),
            CatalogMeasure.objects.filter(point__catalog=catalog).count(),
        )
    return counts
