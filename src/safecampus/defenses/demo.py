"""The staffing and physical defenses of the demo city, with their history: guards who came and
went (`hired_on`, `left_on`), equipment bought and written off (`EquipmentChange`), gate-post
rosters that began and ended (`since`, `until`), a closure record and a few visitor
registrations of the last hours.

On the article's day (demo/history.py `ARTICLE_DAY`) a Yantai-shaped city had exactly 4,439
guards in service and 30,358 equipment items (the sum of the counts), and every school met the
four 100% — its guards under both national rule sets, a roster on both gate posts every school
day. Since then: guards left and were replaced (a few by part-timers), licences expired, a few
guards turned 60, the schools the 公治〔2015〕168号 rule asks more of than GB/T 29315-2022 let
their extra guard go once the GB/T rule came into force (so that a district switched back to
168 sees them flip), extinguishers were replaced, and a few gate posts lost their Wednesday
cover or their dismissal roster. Each miss today has a visible, dated reason; the closure
records have held since before 2021 (they carry no history).

Deterministic (the caller's seeded rng and `now`), bulk inserts only, linear in the schools.
"""

import random
from datetime import date, datetime, time, timedelta

from safecampus.defenses.choices import GUARD_KIT, DutyKind, Employment, EquipmentKind, Period
from safecampus.defenses.models import (
    CampusSecurity,
    EntryRecord,
    Equipment,
    EquipmentChange,
    GatePost,
    GatePostDuty,
    Guard,
)
from safecampus.demo import data
from safecampus.demo.bulk import records_insert, rows_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import ARTICLE_DAY, HISTORY_START, TZ, at, day_between
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES
from safecampus.orgs.models import School
from safecampus.rules.kinds import kinds

GUARDS, EQUIPMENT_ITEMS = 4439, 30358  # in service on the article's day
GBT_IN_FORCE = date(2022, 6, 1)  # GB/T 29315-2022
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
MISS_SHARE = 0.03  # about this share of schools miss an indicator today, for a visible reason
TURNOVER = 0.2  # share of the article-day guards who have left since (most replaced)


def _builtin(kind: str, name_start: str):
    spec = kinds()[kind]
    builtin = next(b for b in spec.builtins if b.name.startswith(name_start))
    return spec.schema.model_validate(builtin.data)


def _person(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + "".join(rng.choices(data.GIVEN, k=rng.choice((1, 2))))


def defenses(city: DemoCity) -> int:
    """The demo builder: each city's defenses. Answers how many guard records."""
    return sum(
        defenses_of(city=unit, rng=city.rng("defenses", unit.code), now=city.now)["guards"]
        for unit in city.cities
    )


class _Guards:
    """The guard records of one city: the article day's roster and its comings and goings."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.rows: list[dict] = []
        self.serial = iter(range(100001, 999999))

    def add(
        self, school: School, hired: date, *, left: date | None = None, part_time: bool = False
    ) -> dict:
        """A qualified full-time guard (or a part-timer without a licence), under 60 until
        today."""
        rng, today = self.rng, self.today
        row = {
            "school_id": school.pk,
            "name": _person(rng),
            "licence_no": f"鲁公保证字{rng.randint(2012, max(2012, hired.year))}{next(self.serial):06d}",
            "licence_expiry": today + timedelta(days=rng.randint(200, 2000))
            if rng.random() < 0.7
            else None,
            "birth_year": today.year - rng.randint(24, 58),
            "employment": Employment.FULL_TIME,
            "company": rng.choice(COMPANIES),
            "active": left is None,
            "hired_on": hired,
            "left_on": left,
        }
        if part_time:
            row.update(employment=Employment.PART_TIME, licence_no="", licence_expiry=None)
        self.rows.append(row)
        return row


def defenses_of(*, city, rng: random.Random, now: datetime) -> dict:
    """Bulk-create the defenses of the schools of `city`. Answers the counts created."""
    today = now.astimezone(TZ).date()
    after = ARTICLE_DAY + timedelta(days=30)  # what changed since happened from here on
    schools = list(
        School.objects.filter(
            unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES
        ).order_by("unit__path")
    )
    gbt, gz168 = _builtin("guard_staffing", "GB/T"), _builtin("guard_staffing", "公治")

    def required(rule, s: School) -> int:
        return rule.required(students=s.students, staff=s.staff, boarders=s.boarders)

    # On the article's day every school had what both rules ask; today the schools the 168
    # rule asks more of have exactly the GB/T number, so a switch to 168 flips them.
    needed = {s.pk: max(required(gbt, s), required(gz168, s)) for s in schools}
    boundary = {s.pk for s in schools if required(gz168, s) > required(gbt, s)}
    others = [s for s in schools if s.pk not in boundary]
    miss = {
        s.pk: rng.choice(("expired", "old", "part_time"))
        for s in rng.sample(others, round(len(schools) * MISS_SHARE))
    }
    count = dict(needed)
    extra = GUARDS - sum(count.values())
    assert extra >= 0, extra
    roomy = [s for s in others if s.pk not in miss]
    for school in rng.choices(roomy, weights=[s.students for s in roomy], k=extra):
        count[school.pk] += 1

    guards = _Guards(rng, today)
    for school in schools:
        start = day_between(rng, date(2015, 3, 1), date(2019, 8, 31))
        first_row = len(guards.rows)
        roster = []
        for _ in range(count[school.pk]):
            hired = day_between(rng, start, ARTICLE_DAY - timedelta(days=60))
            if rng.random() < 0.15:  # a predecessor who left before the article's day
                guards.add(school, start, left=hired)
            roster.append(guards.add(school, hired))
        # Since the article's day: the 168 rule's extra guards left once GB/T was in force …
        leaving = required(gz168, school) - required(gbt, school) if school.pk in boundary else 0
        for row in roster[:leaving]:
            row["left_on"], row["active"] = (
                day_between(rng, GBT_IN_FORCE, date(2024, 12, 31)),
                False,
            )
        # … others left and were replaced the same day (a few of them by a part-timer) …
        staying = roster[leaving:]
        why = miss.get(school.pk)
        for n, row in enumerate(staying):
            replaced_by_part_timer = why == "part_time" and n == 0
            if replaced_by_part_timer or rng.random() < TURNOVER:
                gone = day_between(rng, after, today - timedelta(days=7))
                row["left_on"], row["active"] = gone, False
                guards.add(school, gone, part_time=replaced_by_part_timer)
        # … a licence expired, a guard turned 60.
        current = [r for r in guards.rows[first_row:] if r["active"]]
        if why == "expired":
            current[-1]["licence_expiry"] = day_between(rng, after, today - timedelta(days=10))
        elif why == "old":
            current[-1]["birth_year"] = rng.randint(ARTICLE_DAY.year - 59, today.year - 60)
    records_insert(Guard, guards.rows)

    equipment = _equipment(schools, rng, count, today, after)
    _rosters(schools, rng, today, after, miss_share=MISS_SHARE)
    # Closure: every school closed and registering visitors since before the history.
    rows_insert(
        CampusSecurity._meta.db_table,
        [
            "school_id",
            "closed_management",
            "entry_registration",
            "anti_ram_barriers",
            "perimeter_fence",
            "gate_house_24h",
            "updated_at",
        ],
        [
            (
                s.pk,
                True,
                True,
                rng.random() < 0.95,
                rng.random() < 0.98,
                rng.random() < 0.93,
                at(day_between(rng, date(2018, 9, 1), HISTORY_START), 10),
            )
            for s in schools
        ],
    )
    _visitors(schools, rng, now)
    return {
        "guards": len(guards.rows),
        "in_service": sum(1 for g in guards.rows if g["active"]),
        "equipment": equipment,
    }


def _equipment(schools, rng, guards: dict[int, int], today: date, after: date) -> int:
    """Each school's equipment by kind: the guard kit by its guards, fire equipment by size, the
    extinguishers absorbing the difference so that the city held exactly EQUIPMENT_ITEMS on the
    article's day; bought in two rounds before it, and since then extinguishers replaced and
    kit added. Answers the items in service today."""
    held: list[list] = []  # [school, kind, quantity on the article's day]
    for school in schools:
        n = guards[school.pk]
        for kind in GUARD_KIT:
            if kind == EquipmentKind.TEAR_SPRAY and rng.random() < 0.3:
                continue
            held.append([school, kind, max(1, n // 2)])
        held.append([school, EquipmentKind.EXTINGUISHER, max(2, school.students // 200)])
        for kind in FIRE[1:]:
            if rng.random() < 0.6:
                held.append([school, kind, rng.randint(1, 4)])
    extinguishers = [h for h in held if h[1] == EquipmentKind.EXTINGUISHER]
    difference = EQUIPMENT_ITEMS - sum(h[2] for h in held)
    step = 1 if difference > 0 else -1
    while difference:
        for h in extinguishers:
            if difference == 0:
                break
            if h[2] + step >= 2:
                h[2] += step
                difference -= step
    changes, rows = [], []
    for school, kind, quantity in held:
        first = min(quantity, max(1, round(quantity * rng.uniform(0.4, 0.8))))
        bought = [
            (day_between(rng, date(2016, 3, 1), date(2019, 12, 31)), first),
            (
                day_between(rng, date(2020, 3, 1), ARTICLE_DAY - timedelta(days=30)),
                quantity - first,
            ),
        ]
        if kind == EquipmentKind.EXTINGUISHER and rng.random() < 0.5:  # expired, replaced
            day, n = day_between(rng, after, today - timedelta(days=7)), rng.randint(1, quantity)
            bought += [(day, -n), (day, n + rng.randint(-1, 2))]
        elif kind in GUARD_KIT and rng.random() < 0.1:
            bought.append((day_between(rng, after, today - timedelta(days=7)), rng.randint(1, 2)))
        changes += [(school.pk, kind, day, n) for day, n in bought if n]
        overdue = rng.random() < 0.04
        rows.append(
            {
                "school_id": school.pk,
                "kind": kind,
                "quantity": max(0, sum(n for _d, n in bought)),
                "last_checked_on": today
                - timedelta(days=rng.randint(35, 120) if overdue else rng.randint(0, 28)),
                "note": "",
            }
        )
    records_insert(Equipment, rows)
    rows_insert(EquipmentChange._meta.db_table, ["school_id", "kind", "on", "change"], changes)
    return sum(r["quantity"] for r in rows)


def _rosters(schools, rng, today: date, after: date, *, miss_share: float) -> None:
    """An arrival and a dismissal post at every school (two each at large ones), their rosters
    from the school's start on; some people replaced since; a few schools lost their Wednesday
    cover or their whole dismissal roster lately."""
    others = list(schools)
    lapse = {
        s.pk: rng.choice(("no_dismissal", "wednesday"))
        for s in rng.sample(others, round(len(schools) * miss_share))
    }
    posts, planned = [], []
    for school in schools:
        start = day_between(rng, HISTORY_START, date(2020, 9, 1))
        for period, begins, ends in (
            (Period.ARRIVAL, time(7, 20), time(8, 0)),
            (Period.DISMISSAL, time(16, 30), time(17, 10)),
        ):
            for gate in ("南门", "北门") if school.students >= 1500 else ("校门",):
                posts.append(
                    {
                        "school_id": school.pk,
                        "name": f"{gate}护学岗",
                        "period": period,
                        "starts_at": begins,
                        "ends_at": ends,
                        "active": True,
                    }
                )
                planned.append((school, period, start))
    post_ids = records_insert(GatePost, posts)
    duties: list[tuple[int, str, str, str, date, date | None]] = []
    for pk, (school, period, start) in zip(post_ids, planned, strict=True):
        why = lapse.get(school.pk)
        ended = day_between(rng, date(2025, 9, 1), today - timedelta(days=14))
        kinds = [DutyKind.GUARD, DutyKind.TEACHER]
        if rng.random() < 0.6:
            kinds.append(DutyKind.POLICE)
        if rng.random() < 0.5:
            kinds.append(DutyKind.VOLUNTEER)
        for kind in kinds:
            name = _person(rng)
            if why == "no_dismissal" and period == Period.DISMISSAL:
                duties.append((pk, name, kind, "12345", start, ended))
            elif why == "wednesday":  # from the day after, nobody on Wednesdays
                duties.append((pk, name, kind, "12345", start, ended))
                duties.append((pk, name, kind, "1245", ended + timedelta(days=1), None))
            elif kind in (DutyKind.TEACHER, DutyKind.VOLUNTEER) and rng.random() < 0.3:
                changed = day_between(rng, after, today - timedelta(days=7))
                duties.append((pk, name, kind, "12345", start, changed - timedelta(days=1)))
                duties.append((pk, _person(rng), kind, "12345", changed, None))
            else:
                duties.append((pk, name, kind, "12345", start, None))
    rows_insert(
        GatePostDuty._meta.db_table,
        ["post_id", "name", "kind", "weekdays", "since", "until"],
        [(p, n, k, w, s, u) for p, n, k, w, s, u in duties],
    )


def _visitors(schools, rng, now: datetime) -> None:
    """A few visitors registered at the gate in the last hours, some still inside."""
    entries = []
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
