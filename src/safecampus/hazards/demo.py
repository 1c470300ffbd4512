"""The 2021 inspection campaign of the demo city, as hazard records from which the platform
computes the article's figures: 16,835 hazards found, 16,712 rectified (99.26%)."""

import random
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from safecampus.accounts.models import User
from safecampus.demo.generator import DemoCity
from safecampus.hazards.choices import HazardAction, HazardLevel, HazardSource, HazardStatus
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.choices import catalog_group_for
from safecampus.risks.models import CatalogRiskPoint

FOUND_2021, RECTIFIED_2021 = 16835, 16712
TZ = ZoneInfo("Asia/Shanghai")
SOURCES = [
    (HazardSource.INSPECTION, 60),
    (HazardSource.PATROL, 15),
    (HazardSource.MEASURE_CHECK, 10),
    (HazardSource.REPORT, 15),
]
OPEN_STATES = [
    HazardStatus.REPORTED,
    HazardStatus.ASSIGNED,
    HazardStatus.RECTIFYING,
    HazardStatus.AWAITING_VERIFICATION,
]


def campaign_2021(city: DemoCity) -> int:
    """The demo builder: each city's 2021 campaign. Answers the number of hazards."""
    return sum(
        campaign_2021_of(
            city=unit,
            catalog_unit=city.root,
            principals=city.principals,
            rng=city.rng(unit.code),
        )
        for unit in city.cities
    )


def campaign_2021_of(
    *, city: OrgUnit, catalog_unit: OrgUnit, principals: Mapping[int, User], rng: random.Random
) -> int:
    """Bulk-create the campaign's hazards for the schools of `city` (their catalogs' risk points
    give the descriptions). Answers the number of hazards created."""
    schools = list(School.objects.filter(unit__path__startswith=city.path).select_related("unit"))
    points_by_group: dict[str, list[CatalogRiskPoint]] = {}
    for point in CatalogRiskPoint.objects.filter(
        catalog__unit=catalog_unit, catalog__is_current=True, generated=False
    ).select_related("catalog", "aspect"):
        points_by_group.setdefault(point.catalog.group, []).append(point)
    weights = [max(s.students, 30) ** 0.5 for s in schools]
    picked = rng.choices(schools, weights=weights, k=FOUND_2021)
    open_indexes = set(rng.sample(range(FOUND_2021), FOUND_2021 - RECTIFIED_2021))
    sources, source_weights = zip(*SOURCES, strict=True)
    start = datetime(2021, 1, 4, tzinfo=TZ)
    hazards: list[Hazard] = []
    closing: list[tuple[Hazard, datetime]] = []  # with the moment each was closed
    for n, school in enumerate(picked):
        point = rng.choice(points_by_group[catalog_group_for(school.school_type)])
        level = (
            HazardLevel.MAJOR
            if point.level == "major" and rng.random() < 0.15
            else HazardLevel.GENERAL
        )
        found_at = start + timedelta(
            days=rng.randrange(0, 358), hours=rng.randrange(8, 17), minutes=rng.randrange(60)
        )
        deadline = found_at.date() + timedelta(days=90 if level == HazardLevel.MAJOR else 30)
        owner = principals.get(school.pk)
        hazard = Hazard(
            school=school,
            district_id=school.district_id,
            unit_path=school.unit.path,
            aspect=point.aspect,
            catalog_point=point,
            level=level,
            source=rng.choices(sources, source_weights)[0],
            place=point.place,
            description=f"{point.name}：{point.hazard}",
            found_at=found_at,
            deadline=deadline,
            owner=owner,
            plan=f"按“{point.name}”管控措施整改",
            measures="落实整改措施并复查",
        )
        if n in open_indexes:
            hazard.status = rng.choice(OPEN_STATES)
        else:
            days = rng.randrange(
                1, (deadline - found_at.date()).days + 8
            )  # a few are rectified late
            hazard.status = HazardStatus.CLOSED
            closed_at = datetime.combine(
                found_at.date() + timedelta(days=days), time(16, 30), tzinfo=TZ
            )
            hazard.closed_at = closed_at
            hazard.result = "已按措施整改完毕，复查合格"
            closing.append((hazard, closed_at))
        hazards.append(hazard)
    Hazard.objects.bulk_create(hazards, batch_size=2000)
    HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard=h, at=h.found_at, action=HazardAction.REPORT, to_status=HazardStatus.REPORTED
            )
            for h in hazards
        ]
        + [
            HazardEvent(
                hazard=h,
                at=at,
                by=h.owner,
                action=HazardAction.ACCEPT,
                from_status=HazardStatus.AWAITING_VERIFICATION,
                to_status=HazardStatus.CLOSED,
            )
            for h, at in closing
        ],
        batch_size=4000,
    )
    return len(hazards)
