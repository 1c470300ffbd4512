"""The staffing and physical defenses of the demo city: 4,439 guards and 30,358 equipment items
(the sum of the quantities) per Yantai-shaped city, a closure record and arrival/dismissal gate
posts with their rosters for every school and kindergarten, and a few visitor registrations.

The four 100% rates come out high but not all 100%, each miss with a visible reason (a guard
whose licence has expired or who is 60, a part-timer counted as a guard, no dismissal post, a
roster gap on Wednesday, no entry registration). Schools whose guard requirement is higher under
公治〔2015〕168号 (students + staff) than under the default GB/T 29315-2022 (students) get exactly
the GB/T number of guards, so that a district switched to the 168 rule set sees those verdicts
flip. Deterministic (the caller's seeded rng), bulk inserts only, linear in the schools.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safecampus.defenses.choices import GUARD_KIT, DutyKind, Employment, EquipmentKind, Period
from safecampus.defenses.models import (
    CampusSecurity,
    EntryRecord,
    Equipment,
    GatePost,
    GatePostDuty,
    Guard,
)
from safecampus.demo import data
from safecampus.demo.generator import DemoCity
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES
from safecampus.orgs.models import School
from safecampus.rules.kinds import kinds

GUARDS, EQUIPMENT_ITEMS = 4439, 30358
TZ = ZoneInfo("Asia/Shanghai")
COMPANIES = [
    "烟台市保安服务有限公司",
    "烟台振华保安服务有限公司",
    "烟台安泰保安服务有限公司",
    "烟台开发区保安服务有限公司",
    "龙口市保安服务有限公司",
]
FIRE = [
    EquipmentKind.EXTINGUISHER,
    EquipmentKind.HYDRANT,
    EquipmentKind.EMERGENCY_LIGHT,
    EquipmentKind.EXIT_SIGN,
    EquipmentKind.SMOKE_MASK,
]
MISS_SHARE = 0.03  # about this share of schools miss each indicator for a visible reason


def _builtin(kind: str, name_start: str):
    spec = kinds()[kind]
    builtin = next(b for b in spec.builtins if b.name.startswith(name_start))
    return spec.schema.model_validate(builtin.data)


def _person(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + "".join(rng.choices(data.GIVEN, k=rng.choice((1, 2))))


def defenses(city: DemoCity) -> int:
    """The demo builder: each city's defenses. Answers how many guards."""
    return sum(
        defenses_of(city=unit, rng=city.rng("defenses", unit.code), today=city.today)["guards"]
        for unit in city.cities
    )


def defenses_of(*, city, rng: random.Random, today: date) -> dict:
    """Bulk-create the defenses of the schools of `city`. Answers the counts created."""
    schools = list(
        School.objects.filter(
            unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES
        ).order_by("unit__path")
    )
    gbt, gz168 = _builtin("guard_staffing", "GB/T"), _builtin("guard_staffing", "公治")
    required = {
        s.pk: gbt.required(students=s.students, staff=s.staff, boarders=s.boarders) for s in schools
    }
    # Schools the 168 rule asks more of: kept at exactly the GB/T number, so a switch flips them.
    boundary = {
        s.pk
        for s in schools
        if gz168.required(students=s.students, staff=s.staff, boarders=s.boarders) > required[s.pk]
    }
    others = [s for s in schools if s.pk not in boundary]
    guard_miss = {
        s.pk: rng.choice(("expired", "old", "part_time"))
        for s in rng.sample(others, round(len(schools) * MISS_SHARE))
    }

    # Guard records: the required number per school (one of them disqualified where the
    # school misses), then the rest of the city's total as extra guards at larger schools.
    plan = {s.pk: [("ok",)] * required[s.pk] for s in schools}
    for pk, why in guard_miss.items():
        plan[pk] = [("ok",)] * (required[pk] - 1) + [(why,)]
    extra = GUARDS - sum(len(rows) for rows in plan.values())
    weights = [s.students for s in others]
    for school in rng.choices(others, weights=weights, k=extra):
        plan[school.pk] = plan[school.pk] + [("ok",) if rng.random() < 0.8 else ("part_time",)]
    serial = iter(range(100001, 999999))
    guards = []
    for school in schools:
        for (kind,) in plan[school.pk]:
            birth = today.year - rng.randint(22, 58)
            expiry = today + timedelta(days=rng.randint(200, 2000)) if rng.random() < 0.7 else None
            employment = Employment.FULL_TIME
            if kind == "expired":
                expiry = today - timedelta(days=rng.randint(10, 200))
            elif kind == "old":
                birth = today.year - rng.randint(60, 63)
            elif kind == "part_time":
                employment = Employment.PART_TIME
            guards.append(
                Guard(
                    school=school,
                    name=_person(rng),
                    licence_no=f"鲁公保证字{rng.randint(2012, today.year - 1)}{next(serial):06d}",
                    licence_expiry=expiry,
                    birth_year=birth,
                    employment=employment,
                    company=rng.choice(COMPANIES),
                )
            )
    assert len(guards) == GUARDS, len(guards)
    Guard.objects.bulk_create(guards, batch_size=2000)

    # Equipment: the guard kit by the number of guards, fire equipment by size; then the
    # extinguishers absorb the difference so the city holds exactly EQUIPMENT_ITEMS items.
    equipment = []
    for school in schools:
        n = len(plan[school.pk])
        for kind in GUARD_KIT:
            if kind == EquipmentKind.TEAR_SPRAY and rng.random() < 0.3:
                continue
            equipment.append(Equipment(school=school, kind=kind, quantity=max(1, n // 2)))
        equipment.append(
            Equipment(
                school=school,
                kind=EquipmentKind.EXTINGUISHER,
                quantity=max(2, school.students // 200),
            )
        )
        for kind in FIRE[1:]:
            if rng.random() < 0.6:
                equipment.append(Equipment(school=school, kind=kind, quantity=rng.randint(1, 4)))
    extinguishers = [e for e in equipment if e.kind == EquipmentKind.EXTINGUISHER]
    difference = EQUIPMENT_ITEMS - sum(e.quantity for e in equipment)
    step = 1 if difference > 0 else -1
    while difference:
        for e in extinguishers:
            if difference == 0:
                break
            if e.quantity + step >= 2:
                e.quantity += step
                difference -= step
    for e in equipment:
        overdue = rng.random() < 0.04
        e.last_checked_on = today - timedelta(
            days=rng.randint(35, 120) if overdue else rng.randint(0, 28)
        )
    Equipment.objects.bulk_create(equipment, batch_size=4000)

    # Closure: almost every school closed and registering visitors.
    closure_miss = {s.pk for s in rng.sample(others, round(len(schools) * MISS_SHARE))}
    CampusSecurity.objects.bulk_create(
        [
            CampusSecurity(
                school=s,
                closed_management=s.pk not in closure_miss or rng.random() < 0.5,
                entry_registration=s.pk not in closure_miss,
                anti_ram_barriers=rng.random() < 0.95,
                perimeter_fence=rng.random() < 0.98,
                gate_house_24h=rng.random() < 0.93,
            )
            for s in schools
        ],
        batch_size=2000,
    )

    # Gate posts: an arrival and a dismissal post (two each at large schools), rosters over
    # the school week; a few schools lack a dismissal post or leave Wednesday uncovered.
    post_miss = {
        s.pk: rng.choice(("no_dismissal", "wednesday"))
        for s in rng.sample(others, round(len(schools) * MISS_SHARE))
    }
    posts = []
    for school in schools:
        for period, start, end in (
            (Period.ARRIVAL, time(7, 20), time(8, 0)),
            (Period.DISMISSAL, time(16, 30), time(17, 10)),
        ):
            if period == Period.DISMISSAL and post_miss.get(school.pk) == "no_dismissal":
                continue
            gates = ("南门", "北门") if school.students >= 1500 else ("校门",)
            for gate in gates:
                posts.append(
                    GatePost(
                        school=school,
                        name=f"{gate}护学岗",
                        period=period,
                        starts_at=start,
                        ends_at=end,
                    )
                )
    GatePost.objects.bulk_create(posts, batch_size=2000)
    duties = []
    for post in posts:
        gap = post_miss.get(post.school_id) == "wednesday"
        kinds = [DutyKind.GUARD, DutyKind.TEACHER]
        if rng.random() < 0.6:
            kinds.append(DutyKind.POLICE)
        if rng.random() < 0.5:
            kinds.append(DutyKind.VOLUNTEER)
        for kind in kinds:
            duties.append(
                GatePostDuty(
                    post=post,
                    name=_person(rng),
                    kind=kind,
                    weekdays="1245" if gap else "12345",
                )
            )
    GatePostDuty.objects.bulk_create(duties, batch_size=4000)

    # A few visitors registered at the gate in the last hours, some still inside.
    entries = []
    now = datetime.now(TZ)
    for school in rng.sample(schools, min(len(schools), 200)):
        for _ in range(rng.randint(1, 3)):
            entered = now - timedelta(minutes=rng.randint(15, 600))
            entries.append(
                EntryRecord(
                    school=school,
                    visitor_name=_person(rng),
                    id_last4=f"{rng.randint(0, 999):03d}{rng.choice('0123456789X')}",
                    reason=rng.choice(("家长接送", "送教材", "设备维修", "食材配送", "家访回访")),
                    host=rng.choice(("政教处", "总务处", "门卫室", "班主任")),
                    entered_at=entered,
                    left_at=entered + timedelta(minutes=rng.randint(5, 14))
                    if rng.random() < 0.8
                    else None,
                )
            )
    EntryRecord.objects.bulk_create(entries, batch_size=2000)
    return {
        "guards": len(guards),
        "equipment": sum(e.quantity for e in equipment),
        "gate_posts": len(posts),
    }
