"""The demo city's online patrols (隐患网上巡查): eight QR-coded check points (five of them key
areas; a kindergarten's are its own: kitchen, activity building, play equipment) at the first
school of each district, and the rounds of the last seven days and of today so far, walked by
the school's guard (its principal where the demo has no guard). Two
past days of each school miss a round at one key area, so the completeness pages show misses;
one round at the 芝罘区 school found a hazard, which is on its rectification list.

Deterministic for a seed (the caller's rng) and a moment (`now`); bulk inserts only.
"""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import Role
from safecampus.demo.generator import DemoCity
from safecampus.hazards.choices import HazardSource
from safecampus.hazards.services import hazard_report
from safecampus.orgs.choices import SchoolType
from safecampus.orgs.models import School
from safecampus.patrols.models import CheckPoint, PatrolVisit

TZ = ZoneInfo("Asia/Shanghai")
# (name, place, key area); the fourth is the kitchen.
POINTS = [
    ("校门口", "正门及门前道路，含防冲撞设施", True),
    ("门卫室", "一键式报警、监控值守、来访登记", True),
    ("配电室", "教学楼北侧配电房", True),
    ("食堂后厨", "燃气阀门、灭火器、留样柜", True),
    ("教学楼一楼走廊", "疏散通道与安全出口", True),
    ("围墙东北角", "周界围墙及入侵报警", False),
    ("体育器材室", "器材存放与门锁", False),
    ("操场看台", "看台栏杆与台阶", False),
]
# A kindergarten's: its kitchen, activity building and play equipment.
KINDERGARTEN_POINTS = [
    ("园门口", "正门及门前道路，含防冲撞设施", True),
    ("门卫室", "一键式报警、监控值守、来访登记", True),
    ("配电间", "活动楼北侧配电房", True),
    ("幼儿园厨房", "燃气阀门、灭火器、留样柜", True),
    ("活动楼一楼走廊", "疏散通道与安全出口", True),
    ("围墙东北角", "周界围墙及入侵报警", False),
    ("户外大型玩具区", "滑梯、攀爬架与地垫", False),
    ("午睡室", "门窗、床铺与疏散通道", False),
]
KITCHEN = 3
ROUNDS = [time(7, 10), time(9, 40), time(12, 20), time(15, 30), time(18, 10)]
ORDINARY_ROUNDS = (0, 2, 4)  # the other check points are passed on three of the rounds
NOTES = ["", "", "", "", "正常", "门窗完好", "设施完好，无异常", "已提醒关闭门窗"]
PAST_DAYS = 7
MISSED_DAYS = 2


def patrols(city: DemoCity) -> int:
    """The demo builder: the first school of each of Yantai's districts. Answers the visits."""
    schools = (
        School.objects.filter(
            pk__in=city.first_schools.values(), unit__path__startswith=city.yantai.path
        )
        .select_related("unit", "district")
        .order_by("unit__path")
    )
    return patrols_of(schools=schools, rng=city.rng("patrols"), now=city.now)


def patrols_of(*, schools, rng: random.Random, now: datetime) -> int:
    """Check points and visits for `schools`; answers the number of visits."""
    schools = list(schools)
    walkers = _walkers([s.pk for s in schools])
    set_up = now - timedelta(days=60)
    points = [
        CheckPoint(
            school=school,
            name=name,
            place=place,
            is_key_area=key,
            token=_token(rng),
            created_at=set_up,
        )
        for school in schools
        for name, place, key in (
            KINDERGARTEN_POINTS if school.school_type == SchoolType.KINDERGARTEN else POINTS
        )
    ]
    CheckPoint.objects.bulk_create(points, batch_size=1000)
    today = now.astimezone(TZ).date()
    visits = []
    for school in schools:
        walker = walkers.get(school.pk)
        if walker is None:
            continue
        own = [p for p in points if p.school_id == school.pk]
        key_areas = [p for p in own if p.is_key_area]
        days = [today - timedelta(days=n) for n in range(PAST_DAYS, 0, -1)]
        missed = {day: rng.choice(key_areas) for day in rng.sample(days, MISSED_DAYS)}
        for day in [*days, today]:
            skipped = rng.sample(range(len(ROUNDS)), rng.choice((1, 2))) if day in missed else ()
            for index, point in enumerate(own):
                rounds = range(len(ROUNDS)) if point.is_key_area else ORDINARY_ROUNDS
                for r in rounds:
                    if missed.get(day) is point and r in skipped:
                        continue
                    at = datetime.combine(day, ROUNDS[r], tzinfo=TZ) + timedelta(
                        minutes=3 * index + rng.randint(0, 12)
                    )
                    if at > now:
                        continue
                    visits.append(
                        PatrolVisit(
                            check_point=point,
                            user=walker,
                            visited_at=at,
                            day=day,
                            note=rng.choice(NOTES),
                        )
                    )
    PatrolVisit.objects.bulk_create(visits, batch_size=2000)
    _found_on_a_round(schools, walkers, visits, today)
    return len(visits)


def _token(rng: random.Random) -> str:
    """A token drawn from the seeded generator, so the same seed prints the same codes. (Real
    check points get theirs from `secrets`: only the demo is reproducible.)"""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(24))


def _walkers(school_ids: list[int]) -> dict:
    """The user who walks each school's rounds: its guard, else its principal."""
    walkers = {}
    for role in (Role.PRINCIPAL, Role.GUARD):  # the guard wins where there is one
        for assignment in RoleAssignment.objects.filter(
            unit_id__in=school_ids, role=role
        ).select_related("user"):
            walkers[assignment.unit_id] = assignment.user
    return walkers


def _found_on_a_round(schools, walkers, visits, today) -> None:
    """Yesterday's midday round at the kitchen of the first school found an expired
    extinguisher: a hazard with source `patrol`, linked from the visit."""
    if not schools or not visits:
        return
    school = schools[0]
    yesterday = today - timedelta(days=1)
    kitchen = (KINDERGARTEN_POINTS if school.school_type == SchoolType.KINDERGARTEN else POINTS)[
        KITCHEN
    ][0]
    visit = next(
        (
            v
            for v in visits
            if v.check_point.school_id == school.pk
            and v.check_point.name == kitchen
            and v.day == yesterday
            and v.visited_at.astimezone(TZ).hour == 12
        ),
        None,
    )
    if visit is None:
        return
    point = visit.check_point
    hazard, _created = hazard_report(
        user=walkers[school.pk],
        school=school,
        description=f"{point.name}灭火器压力表指针在红区，已过检验期",
        source=HazardSource.PATROL,
        place=f"{point.name}（{point.place}）",
        found_at=visit.visited_at,
    )
    visit.hazard = hazard
    visit.note = "发现隐患，已上报"
    PatrolVisit.objects.bulk_update([visit], ["hazard", "note"])
