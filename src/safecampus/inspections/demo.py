"""The demo city's checks: a checklist of official K-12 points (fire, security, food), every
term's unannounced spot check by the city (四不两直) and every year's cross-district check since
the 2019 autumn term — carried out, each item's result recorded, each failed item a hazard on the
school's list with its timeline — and today's spot check, planned and secret (the schools cannot
see it until it starts)."""

import random
from datetime import date, timedelta

from django.db import connection

from safecampus.access.roles import Role
from safecampus.demo.bulk import rows_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import at, day_between, terms
from safecampus.hazards.choices import HazardSource
from safecampus.hazards.demo import People, Points, from_point, hazards_write
from safecampus.inspections.models import (
    Campaign,
    CampaignKind,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionResult,
    InspectionStatus,
    Outcome,
)
from safecampus.inspections.services import campaign_schools, selection_weights, weighted_draw
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.models import RiskCatalog

CHECKLIST = "中小学安全检查表（消防、食品、治安）"
SCHOOL_TYPES = ["primary", "junior", "senior", "nine_year"]
SPOT_SCHOOLS = 20  # a term's spot check
CROSS_SCHOOLS = 3  # each district's share of a year's cross check
FAIL, NOT_APPLICABLE = 0.07, 0.01
REASON = "按学校规模加权随机抽取，兼顾以往隐患情况和距上次检查时间"


def _checklist(city: OrgUnit) -> ChecklistTemplate:
    """The city's checklist (made once): the official K-12 points of aspects 03–05."""
    template = ChecklistTemplate.objects.filter(unit=city, name=CHECKLIST).first()
    if template is not None:
        return template
    catalog = (
        RiskCatalog.objects.filter(group="k12", is_current=True).order_by("-unit__depth").first()
    )
    assert catalog is not None  # the risk catalogs' demo step (order 10) runs before this one
    template = ChecklistTemplate.objects.create(unit=city, name=CHECKLIST)
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
    return template


def checks_history(city: DemoCity) -> int:
    """The demo builder: each city's spot and cross checks since the 2019 autumn term. Answers
    how many schools were inspected."""
    return sum(
        checks_history_of(city=unit, demo=city, rng=city.rng("inspections", unit.code))
        for unit in city.cities
    )


def checks_history_of(*, city: OrgUnit, demo: DemoCity, rng: random.Random) -> int:
    today = demo.today
    template = _checklist(city)
    items = list(template.items.select_related("catalog_point").order_by("order"))
    schools = list(
        School.objects.filter(unit__path__startswith=city.path, school_type__in=SCHOOL_TYPES)
        .select_related("unit")
        .order_by("pk")
    )
    weights = {s.pk: max(s.students, 100) ** 0.5 for s in schools}
    campaigns: list[tuple[dict, list[tuple[School, date, list[int]]]]] = []
    city_officer = demo.holder(Role.CITY_OFFICER, city.pk)
    team = [u.pk for u in (demo.inspector, city_officer) if u is not None]
    for name, first, _last in terms(today):
        starts, ends = first + timedelta(days=35), first + timedelta(days=65)
        if ends >= today:
            continue
        picked = weighted_draw(schools, lambda s: weights[s.pk], rng, SPOT_SCHOOLS)
        campaigns.append(
            (
                {"name": f"{name}校园安全四不两直抽查", "kind": CampaignKind.SPOT},
                [(s, day_between(rng, starts, ends), team) for s in picked],
            )
        )
        campaigns[-1][0].update(starts_on=starts, ends_on=ends)
    districts = list(OrgUnit.objects.filter(parent=city, kind="district").order_by("code"))
    by_district: dict[int, list[School]] = {}
    for school in schools:
        if school.district_id is not None:
            by_district.setdefault(school.district_id, []).append(school)
    for year in range(2019, today.year + 1):
        starts, ends = date(year, 11, 1), date(year, 11, 20)
        if ends >= today:
            continue
        planned = []
        for n, district in enumerate(districts):
            # Each district's officer checks the schools of the next district but `year` ones.
            checking = districts[(n + 1 + year % (len(districts) - 1)) % len(districts)]
            officer = demo.holder(Role.DISTRICT_OFFICER, checking.pk)
            pool = by_district.get(district.pk, [])
            for school in rng.sample(pool, min(CROSS_SCHOOLS, len(pool))):
                planned.append(
                    (school, day_between(rng, starts, ends), [officer.pk] if officer else [])
                )
        campaigns.append(
            (
                {
                    "name": f"{year}年区市交叉检查",
                    "kind": CampaignKind.CROSS,
                    "starts_on": starts,
                    "ends_on": ends,
                },
                planned,
            )
        )
    return _carry_out(city, demo, template, items, campaigns, rng)


def _carry_out(city, demo: DemoCity, template, items, campaigns, rng: random.Random) -> int:
    """Write the campaigns, their inspections (submitted the day they were carried out), every
    item's result and the hazards of the failed ones."""
    creator = demo.holder(Role.CITY_OFFICER, city.pk)
    types = Campaign._meta.get_field("school_types").get_db_prep_save(SCHOOL_TYPES, connection)
    campaign_ids = rows_insert(
        Campaign._meta.db_table,
        [
            "unit_id",
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "template_id",
            "school_types",
            "created_by_id",
            "created_at",
        ],
        [
            (
                city.pk,
                c["name"],
                c["kind"],
                c["starts_on"],
                c["ends_on"],
                template.pk,
                types,
                creator.pk if creator else None,
                at(c["starts_on"] - timedelta(days=10), 10),
            )
            for c, _planned in campaigns
        ],
        returning=True,
    )
    rows, teams, started = [], [], []
    for campaign_id, (_c, planned) in zip(campaign_ids, campaigns, strict=True):
        for school, day, team in planned:
            begin = at(day, rng.randint(8, 10), rng.randrange(60))
            rows.append(
                (
                    campaign_id,
                    school.pk,
                    day,
                    InspectionStatus.SUBMITTED,
                    begin,
                    begin + timedelta(minutes=rng.randint(90, 200)),
                    REASON,
                )
            )
            teams.append(team)
            started.append(begin)
    inspection_ids = rows_insert(
        Inspection._meta.db_table,
        [
            "campaign_id",
            "school_id",
            "planned_on",
            "status",
            "started_at",
            "submitted_at",
            "selection_reason",
        ],
        rows,
        returning=True,
    )
    rows_insert(
        Inspection.team.through._meta.db_table,
        ["inspection_id", "user_id"],
        [(pk, user) for pk, team in zip(inspection_ids, teams, strict=True) for user in team],
    )
    points, people = Points(demo.root), People(demo, demo.root)
    names = {pk: c["name"] for pk, (c, _p) in zip(campaign_ids, campaigns, strict=True)}
    schools = [school for _c, planned in campaigns for school, _d, _t in planned]
    results: list[list] = []
    hazards, failed = [], []
    for pk, row, school, team, begin in zip(
        inspection_ids, rows, schools, teams, started, strict=True
    ):
        for n, item in enumerate(items):
            roll = rng.random()
            outcome = (
                Outcome.FAIL
                if roll < FAIL
                else Outcome.NA
                if roll < FAIL + NOT_APPLICABLE
                else Outcome.PASS
            )
            note = ""
            if outcome == Outcome.FAIL:
                point = item.catalog_point
                note = f"现场发现：{point.hazard.split('，')[0].rstrip('。')}"
                hazards.append(
                    from_point(
                        point,
                        points,
                        school,
                        people,
                        rng,
                        found_at=begin + timedelta(minutes=5 * n + 3),
                        source=HazardSource.INSPECTION,
                        description=f"{names[row[0]]}：{item.text[:200]}——{note}",
                        found_by_id=team[0] if team else None,
                    )
                )
                failed.append(len(results))
            results.append([pk, item.pk, outcome, note, row[5], None])
    for index, hazard_id in zip(failed, hazards_write(hazards, now=demo.now, rng=rng), strict=True):
        results[index][5] = hazard_id
    rows_insert(
        InspectionResult._meta.db_table,
        ["inspection_id", "item_id", "outcome", "note", "taken_at", "hazard_id"],
        [tuple(r) for r in results],
    )
    return len(inspection_ids)


def spot_check(city: DemoCity) -> int:
    """The demo builder: Yantai's spot check of today. Answers how many schools were drawn."""
    return spot_check_of(
        city=city.yantai,
        inspector=city.inspector,
        rng=random.Random(city.seed + 3),
        today=city.today,
    )


def spot_check_of(*, city, inspector, rng, today: date) -> int:
    """The city's winter spot check, starting today: six schools drawn by risk (their hazards
    and the time since their last check), with the inspector as team; not started, so the
    schools do not see it."""
    template = _checklist(city)
    campaign = Campaign.objects.create(
        unit=city,
        name="冬季校园安全四不两直抽查",
        kind="spot",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        template=template,
        school_types=SCHOOL_TYPES,
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
