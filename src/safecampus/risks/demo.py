"""The demo city's risk catalogs: the shipped starter catalogs, brought up to the counts of
the official lists the article names (K-12: 372 points / 798 measures; kindergartens: 351 /
703) with supplementary entries (marked `generated`) composed from real places, hazards and
measures of each aspect (demo_points.py), numbered on from the starter entries of the aspect."""

import random
import re

from safecampus.demo.generator import DemoCity
from safecampus.risks.choices import CatalogGroup, RiskLevel
from safecampus.risks.models import Aspect, CatalogMeasure
from safecampus.risks.services import CatalogDraft, _write, catalog_publish_starter

from .demo_points import composed

# (points, measures) of the official catalogs.
OFFICIAL_COUNTS = {CatalogGroup.K12: (372, 798), CatalogGroup.KINDERGARTEN: (351, 703)}
LEVEL_WEIGHTS = [
    (RiskLevel.MAJOR, 1),
    (RiskLevel.SIGNIFICANT, 4),
    (RiskLevel.GENERAL, 10),
    (RiskLevel.LOW, 5),
]


def _padding(
    rng: random.Random, group: str, codes: list[str], points: int, measures: int
) -> CatalogDraft:
    """`points` supplementary points carrying `measures` measures in all, spread over the
    aspects in turn; each aspect's are drawn from what its places and patterns compose, and
    coded on from the aspect's last starter code (K12-03-008 → K12-03-009 …)."""
    aspects = list(Aspect.objects.order_by("code"))
    per_point, extra = divmod(measures, points)
    levels, weights = zip(*LEVEL_WEIGHTS, strict=True)
    last: dict[str, tuple[str, int]] = {}  # aspect -> (code prefix, last number)
    for code in codes:
        match = re.fullmatch(r"(.*-(\d\d)-)(\d+)", code)
        if match:
            prefix, aspect, number = match.group(1, 2, 3)
            last[aspect] = (prefix, max(int(number), last.get(aspect, (prefix, 0))[1]))
    pools = {}
    for a in aspects:
        pools[a.code] = composed(group, a.code)
        rng.shuffle(pools[a.code])
    drafted = []
    for n in range(points):
        aspect = aspects[n % len(aspects)]
        prefix, number = last[aspect.code]
        last[aspect.code] = (prefix, number + 1)
        entry = pools[aspect.code].pop()
        count = per_point + (1 if n < extra else 0)
        drafted.append(
            {
                **entry,
                "code": f"{prefix}{number + 1:03d}",
                "aspect": aspect,
                "level": rng.choices(levels, weights)[0],
                "generated": True,
                "measures": entry["measures"][:count],
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
        codes = list(catalog.points.values_list("code", flat=True))
        measures = CatalogMeasure.objects.filter(point__catalog=catalog).count()
        if group in OFFICIAL_COUNTS:
            want_points, want_measures = OFFICIAL_COUNTS[group]
            add_points, add_measures = want_points - len(codes), want_measures - measures
            if add_points > 0 and add_measures >= add_points:
                _write(catalog, _padding(rng, group, codes, add_points, add_measures))
        counts[group] = (
            catalog.points.count(),
            CatalogMeasure.objects.filter(point__catalog=catalog).count(),
        )
    return counts
