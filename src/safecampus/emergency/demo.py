"""The demo city's emergency plans (应急预案): the bureau's 50 plans across the 12 incident
types, published at the city, and every school's adopted copies — one active plan per type
that applies to it (no drowning plan at a kindergarten). A boarding school adopts the
dormitory fire and night-time earthquake plans; about one copy in ten has been adapted by
its school (a second version with the school's own assembly point). Deterministic for a seed
and a day; bulk inserts only (the generator suppresses their audit entries).

The ~18,000 copies go in as plain multi-row INSERTs (demo/bulk.py): Django's bulk_create
spent ~3 s preparing their values, and the steps of one source plan are encoded once for all
of its copies.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from safecampus.demo.bulk import rows_insert, sql_value
from safecampus.demo.generator import DemoCity
from safecampus.emergency.choices import IncidentType
from safecampus.emergency.models import EmergencyPlan
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType
from safecampus.orgs.models import School

from .demo_plans import PLANS

TZ = ZoneInfo("Asia/Shanghai")
# (incident type, title) a boarding school adopts instead of the type's first plan.
BOARDING: dict[str, str] = {
    IncidentType.FIRE: "学生宿舍火灾事故应急预案",
    IncidentType.EARTHQUAKE: "地震应急疏散预案（寄宿学生夜间）",
}
NOT_FOR: dict[str, set[str]] = {IncidentType.DROWNING: {SchoolType.KINDERGARTEN}}
ADAPTED_SHARE = 0.1
ASSEMBLY = ["操场北侧", "操场中央", "田径场东侧", "篮球场", "教学楼南广场", "运动场看台前"]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


def emergency_plans(city: DemoCity) -> int:
    """The demo builder: each city's plans and its schools' copies. Answers the copies."""
    return sum(
        emergency_plans_of(city=unit, rng=city.rng("emergency", unit.code), today=city.today)[
            "copies"
        ]
        for unit in city.cities
    )


def emergency_plans_of(*, city, rng: random.Random, today: date) -> dict:
    """Bulk-create `city`'s 50 plans and its schools' copies; answers the counts."""
    published = today - timedelta(days=900)
    plans = []
    for incident_type, title, summary, steps in PLANS:
        revised = rng.random() < 0.3
        plans.append(
            EmergencyPlan(
                unit=city,
                incident_type=incident_type,
                title=title,
                summary=summary,
                steps=[{"text": text, "role": role} for role, text in steps],
                version=2 if revised else 1,
                updated_at=_at(
                    today - timedelta(days=rng.randint(120, 400)) if revised else published
                ),
            )
        )
    EmergencyPlan.objects.bulk_create(plans)
    first: dict[str, EmergencyPlan] = {}
    for plan in plans:
        first.setdefault(plan.incident_type, plan)
    by_title = {p.title: p for p in plans}
    boarding = {t: by_title[title] for t, title in BOARDING.items()}

    schools = (
        School.objects.filter(unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES)
        .order_by("unit__path")
        .values_list("pk", "school_type", "boarding")
    )
    encoded: dict[tuple[int, int], object] = {}  # (source pk, adapted) -> the steps' DB value
    steps_field = EmergencyPlan._meta.get_field("steps")
    columns = [
        "unit_id",
        "incident_type",
        "title",
        "summary",
        "steps",
        "version",
        "adopted_from_id",
        "active",
        "updated_at",
    ]
    moments: dict[date, object] = {}  # a day -> its DB value (adapting is the costly part)
    rows = []
    for school_id, school_type, is_boarding in schools:
        for incident_type, source in first.items():
            if school_type in NOT_FOR.get(incident_type, ()):
                continue
            if is_boarding and incident_type in boarding:
                source = boarding[incident_type]
            adopted = source.updated_at.date() + timedelta(days=rng.randint(5, 60))
            version, updated, copy_steps = 1, adopted, source.steps
            if rng.random() < ADAPTED_SHARE:
                point = rng.randrange(len(ASSEMBLY))
                key = (source.pk, point + 1)
                copy_steps = [
                    *copy_steps,
                    {
                        "text": f"本校应急集合点：{ASSEMBLY[point]}；应急物资存放于门卫室和医务室",
                        "role": "安全办主任",
                    },
                ]
                version, updated = 2, min(today, adopted + timedelta(days=rng.randint(3, 90)))
            else:
                key = (source.pk, 0)
            if key not in encoded:
                encoded[key] = steps_field.get_db_prep_save(copy_steps, connection)
            rows.append(
                (
                    school_id,
                    incident_type,
                    source.title,
                    source.summary,
                    encoded[key],
                    version,
                    source.pk,
                    True,
                    moments.get(updated)
                    or moments.setdefault(updated, sql_value(_at(updated, 15))),
                )
            )
    # Field name → column (a concrete field is one with a column).
    column = {f.attname: f.column for f in EmergencyPlan._meta.concrete_fields if f.column}
    rows_insert(
        EmergencyPlan._meta.db_table,
        [column[c] for c in columns],
        rows,
    )
    return {"plans": len(plans), "copies": len(rows)}
