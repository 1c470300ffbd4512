"""The demo city's checks: a checklist, and an unannounced spot check planned by the city
with its inspector (the school side cannot see it until it starts)."""

import random
from datetime import date, timedelta

from safecampus.demo.generator import DemoCity
from safecampus.inspections.models import Campaign, ChecklistItem, ChecklistTemplate, Inspection
from safecampus.inspections.services import campaign_schools, selection_weights, weighted_draw
from safecampus.risks.models import RiskCatalog


def spot_check(city: DemoCity) -> int:
    """The demo builder: Yantai's spot check. Answers how many schools were drawn."""
    return spot_check_of(
        city=city.yantai,
        inspector=city.inspector,
        rng=random.Random(city.seed + 3),
        today=city.today,
    )


def spot_check_of(*, city, inspector, rng, today: date) -> int:
    catalog = (
        RiskCatalog.objects.filter(group="k12", is_current=True).order_by("-unit__depth").first()
    )
    assert catalog is not None  # the risk catalogs' demo step (order 10) runs before this one
    template = ChecklistTemplate.objects.create(
        unit=city, name="中小学安全检查表（消防、食品、治安）"
    )
    points = (
        catalog.points.filter(generated=False, aspect__code__in=["03", "04", "05"])
        .select_related("aspect")
        .order_by("code")[:30]
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                template=template,
                order=n,
                text=f"{p.name}（{p.place}）：{p.hazard}",
                aspect=p.aspect,
                catalog_point=p,
            )
            for n, p in enumerate(points)
        ]
    )
    campaign = Campaign.objects.create(
        unit=city,
        name="冬季校园安全四不两直抽查",
        kind="spot",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=template,
        school_types=["primary", "junior", "senior", "nine_year"],
    )
    schools = list(campaign_schools(campaign).order_by("pk"))
    weights = selection_weights(schools, today)
    picked = weighted_draw(schools, lambda s: weights[s.pk][0], rng, 6)
    for n, school in enumerate(picked):
        inspection = Inspection.objects.create(
            campaign=campaign,
            school=school,
            planned_on=today + timedelta(days=n + 1),
            selection_reason=weights[school.pk][1],
        )
        inspection.team.set([inspector])
    return len(picked)
