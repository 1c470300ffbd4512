"""The demo city's rectification lists from the 2019 autumn term to today: every year's hazards
from self-checks, patrols, measure checks and reports (spot checks and device faults add theirs
through `hazards_write` in their own builders), each with its timeline — reported, assigned,
rectified, submitted, verified and closed, some rejected once, majors under listed supervision —
so that the newest are days old, the open ones carry on to today and the overdue ones are
overdue today.

The article's year is calibrated as of its day (demo/history.py `ARTICLE_DAY`): from 1 January
to 25 November 2021 the city found exactly 16,835 hazards and had closed 16,712 of them by that
day (99.26%), counting what the other builders put on the lists first; the rest of 2021 and the
other years carry a plausible number of their own. Raw multi-row inserts (demo/bulk.py): the
ORM's bulk_create spent most of the builder's time preparing ~70,000 hazards and their events.
"""

import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from safecampus.access.roles import Role
from safecampus.demo.bulk import records_insert, rows_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import ARTICLE_DAY, HISTORY_START, TZ, at, end_of
from safecampus.hazards.choices import HazardAction, HazardLevel, HazardSource, HazardStatus
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.choices import catalog_group_for
from safecampus.risks.models import CatalogMeasure, CatalogRiskPoint

FOUND_2021, RECTIFIED_2021 = 16835, 16712  # from 1 January to the article's day
# Hazards a Yantai-sized city finds in a whole year (2021, the year of the big campaign, is
# calibrated above, and its last weeks go at the rate of 2022); later years: LATER_YEARS.
# 2020: the schools were closed in the spring.
PER_YEAR = {2019: 6000, 2020: 5000, 2022: 6500, 2023: 6000, 2024: 5600, 2025: 5300}
LATER_YEARS = 5000
# More at the start of each term (开学检查), few in the holidays.
MONTH_WEIGHTS = [0.6, 0.5, 1.3, 1.2, 1.1, 1.0, 0.5, 0.4, 1.4, 1.2, 1.2, 1.0]
SOURCES = [
    (HazardSource.INSPECTION, 45),  # the schools' own checks (自查)
    (HazardSource.PATROL, 20),
    (HazardSource.MEASURE_CHECK, 15),
    (HazardSource.REPORT, 20),
]
RESULTS = [
    "已按措施整改完毕，复查合格",
    "已更换损坏设施，经复查合格",
    "已完成维修并拍照存档，复查合格",
    "已落实整改措施，制度和台账已补齐",
    "已清理并设置警示标志，复查合格",
    "已整改到位，纳入日常检查",
]
OPEN = [s for s in HazardStatus if s != HazardStatus.CLOSED]
STALLED = 6  # major hazards still open long past their deadline, under listed supervision


@dataclass
class DemoHazard:
    """A hazard to write, with the moment it closes (None: stays open). The writer works out
    its status today and its timeline from these."""

    school: School
    found_at: datetime
    description: str
    source: str
    level: str = HazardLevel.GENERAL
    place: str = ""
    aspect_id: int | None = None
    catalog_point_id: int | None = None
    found_by_id: int | None = None
    owner_id: int | None = None
    manager_id: int | None = None  # who assigns and verifies
    closes_at: datetime | None = None
    plan: str = ""
    measures: str = ""
    result: str = ""
    money: Decimal | None = None
    supervised_by_id: int | None = None
    supervisor_id: int | None = None
    client_key: str | None = None
    deadline_days: int = 30
    events: list[tuple] = field(default_factory=list)


def _timeline(h: DemoHazard, now: datetime, rng: random.Random) -> str:
    """The hazard's events up to `now` (into h.events) and its status now."""
    S, A = HazardStatus, HazardAction
    # A hazard that stays open is still being rectified: its steps spread far past today.
    end = h.closes_at or now + (now - h.found_at) * 2 + timedelta(days=1)
    span = (end - h.found_at).total_seconds()
    moments = [h.found_at + timedelta(seconds=span * f) for f in _fractions(rng)]
    steps = [
        (A.REPORT, "", S.REPORTED, h.found_by_id, ""),
        (A.ASSIGN, S.REPORTED, S.ASSIGNED, h.manager_id, ""),
        (A.START, S.ASSIGNED, S.RECTIFYING, h.owner_id, ""),
        (A.SUBMIT, S.RECTIFYING, S.AWAITING_VERIFICATION, h.owner_id, ""),
        (A.ACCEPT, S.AWAITING_VERIFICATION, S.CLOSED, h.manager_id, "复查合格，同意销号"),
    ]
    if h.closes_at is not None and rng.random() < 0.05:  # sent back once
        steps[4:4] = [
            (
                A.REJECT,
                S.AWAITING_VERIFICATION,
                S.RECTIFYING,
                h.manager_id,
                "整改不到位，退回重新整改",
            ),
            (A.SUBMIT, S.RECTIFYING, S.AWAITING_VERIFICATION, h.owner_id, "已重新整改"),
        ]
        moments[4:4] = [moments[3] + (moments[4] - moments[3]) * f for f in (0.3, 0.7)]
    status = S.REPORTED
    for (action, before, after, by, note), moment in zip(steps, moments, strict=True):
        if moment > now or (h.closes_at is None and after == S.CLOSED):
            break
        h.events.append((moment, by, action, before, after, note))
        status = after
    if h.supervised_by_id and len(h.events) > 1:
        # Put under listed supervision once assigned, before the next step.
        assigned = h.events[1][0]
        following = h.events[2][0] if len(h.events) > 2 else min(now, assigned + timedelta(days=2))
        h.events.insert(
            2,
            (
                assigned + (following - assigned) / 2,
                h.supervisor_id,
                A.SUPERVISE,
                S.ASSIGNED,
                S.ASSIGNED,
                "重大隐患挂牌督办",
            ),
        )
    return status


def _fractions(rng: random.Random) -> list[float]:
    """When the steps fall, as fractions of the time from report to closing."""
    return [0.0, rng.uniform(0.01, 0.08), rng.uniform(0.1, 0.3), rng.uniform(0.8, 0.95), 1.0]


def hazards_write(hazards: list[DemoHazard], *, now: datetime, rng: random.Random) -> list[int]:
    """Insert the hazards and their timelines (raw multi-row inserts). Answers their ids."""
    rows = []
    for h in hazards:
        status = _timeline(h, now, rng)
        closed = status == HazardStatus.CLOSED
        deadline = h.found_at.astimezone(TZ).date() + timedelta(days=h.deadline_days)
        rows.append(
            {
                "school_id": h.school.pk,
                "aspect_id": h.aspect_id,
                "catalog_point_id": h.catalog_point_id,
                "level": h.level,
                "source": h.source,
                "place": h.place[:100],
                "description": h.description[:1000],
                "found_at": h.found_at,
                "found_by_id": h.found_by_id,
                "status": status,
                "owner_id": h.owner_id,
                "plan": h.plan[:1000],
                "measures": h.measures[:1000],
                "money": h.money if closed else None,
                "deadline": deadline,
                "result": h.result if closed else "",
                "closed_at": h.closes_at if closed else None,
                "supervised_by_id": h.supervised_by_id,
                "supervisor_id": h.supervisor_id,
                "supervision_deadline": deadline if h.supervised_by_id else None,
                "client_key": h.client_key,
                "district_id": h.school.district_id,
                "unit_path": h.school.unit.path,
                "created_at": h.found_at,
            }
        )
    ids = records_insert(Hazard, rows)
    event_columns = ["hazard_id", "at", "by_id", "action", "from_status", "to_status", "note"]
    rows_insert(
        HazardEvent._meta.db_table,
        event_columns,
        [
            (pk, moment, by, action, before, after, note)
            for pk, h in zip(ids, hazards, strict=True)
            for moment, by, action, before, after, note in h.events
        ],
    )
    return ids


# --- who, what and where --------------------------------------------------------------------


class People:
    """The demo users who report, rectify and verify at a school, and who supervise above it."""

    def __init__(self, city: DemoCity, root: OrgUnit):
        self.city, self.root = city, root

    def _id(self, role: str, unit_id: int | None) -> int | None:
        user = self.city.holder(role, unit_id)
        return user.pk if user is not None else None

    def principal(self, school: School) -> int | None:
        return self._id(Role.PRINCIPAL, school.pk)

    def director(self, school: School) -> int | None:
        return self._id(Role.SAFETY_DIRECTOR, school.pk) or self.principal(school)

    def finder(self, school: School, source: str, rng: random.Random) -> int | None:
        if source == HazardSource.PATROL:
            return self._id(Role.GUARD, school.pk) or self.director(school)
        if source == HazardSource.MEASURE_CHECK:
            return self._id(Role.STAFF, school.pk) or self.director(school)
        if source == HazardSource.REPORT and rng.random() < 0.3:
            return self.principal(school)
        return self.director(school)

    def supervisor(self, school: School) -> tuple[int, int | None]:
        """The unit that supervises a major hazard and its officer: the district, or the city
        for a directly-affiliated school."""
        if school.district_id is not None:
            return school.district_id, self._id(Role.DISTRICT_OFFICER, school.district_id)
        city_id = school.unit.parent_id or self.root.pk
        return city_id, self._id(Role.CITY_OFFICER, city_id)


def fits(point: CatalogRiskPoint, school: School) -> bool:
    """Whether a catalog point can be found at the school: dormitories only where students
    board."""
    text = point.place + point.name
    return school.boarding or not any(word in text for word in ("宿舍", "寄宿", "公寓"))


class Points:
    """The catalog points that fit each school, with their measures (the plan of a hazard)."""

    def __init__(self, catalog_unit: OrgUnit):
        self.by_group: dict[str, list[CatalogRiskPoint]] = defaultdict(list)
        for point in (
            CatalogRiskPoint.objects.filter(catalog__unit=catalog_unit, catalog__is_current=True)
            .select_related("catalog")
            .order_by("code")
        ):
            self.by_group[point.catalog.group].append(point)
        self.measures: dict[int, list[str]] = defaultdict(list)
        for point_id, text in CatalogMeasure.objects.filter(
            point__catalog__unit=catalog_unit, point__catalog__is_current=True
        ).values_list("point_id", "text"):
            self.measures[point_id].append(text)
        self._fitting: dict[tuple[str, bool], list[CatalogRiskPoint]] = {}

    def pick(self, school: School, rng: random.Random) -> CatalogRiskPoint:
        group = catalog_group_for(school.school_type)
        key = (group, school.boarding)
        if key not in self._fitting:
            self._fitting[key] = [p for p in self.by_group[group] if fits(p, school)]
        return rng.choice(self._fitting[key])


def from_point(
    point: CatalogRiskPoint,
    points: Points,
    school: School,
    people: People,
    rng: random.Random,
    *,
    found_at: datetime,
    source: str,
    description: str | None = None,
    found_by_id: int | None = None,
) -> DemoHazard:
    """A hazard found at a catalog point of the school, planned from the point's measures, with
    a closing moment drawn like a real list's (most within the deadline, some late, majors
    slower)."""
    major = point.level == "major" and rng.random() < 0.15
    measures = points.measures.get(point.pk, [])
    if major:
        days = rng.uniform(20, 150)
    else:
        roll = rng.random()
        days = (
            rng.uniform(0.2, 14)
            if roll < 0.7
            else rng.uniform(14, 30)
            if roll < 0.9
            else rng.uniform(30, 90)  # late: overdue until closed
        )
    hazard = DemoHazard(
        school=school,
        found_at=found_at,
        description=description or f"{point.name}：{point.hazard}",
        source=source,
        level=HazardLevel.MAJOR if major else HazardLevel.GENERAL,
        place=point.place,
        aspect_id=point.aspect_id,
        catalog_point_id=point.pk,
        found_by_id=found_by_id if found_by_id is not None else people.finder(school, source, rng),
        owner_id=people.principal(school) if major else people.director(school),
        manager_id=people.principal(school),
        closes_at=found_at + timedelta(days=days),
        plan=measures[0] if measures else f"按“{point.name}”管控措施整改",
        measures=measures[1] if len(measures) > 1 else "落实整改措施并复查",
        result=rng.choice(RESULTS),
        deadline_days=90 if major else 30,
    )
    if rng.random() < (0.6 if major else 0.08):
        hazard.money = Decimal(rng.randint(20, 5000) * (100 if major else 10))
    if major:
        hazard.supervised_by_id, hazard.supervisor_id = people.supervisor(school)
    return hazard


# --- the history ----------------------------------------------------------------------------


def hazard_history(city: DemoCity) -> int:
    """The demo builder: each city's hazards from the 2019 autumn term to today, after the
    other builders' (spot checks, device faults). Answers how many it added."""
    return sum(
        hazard_history_of(
            city=unit,
            points=Points(city.root),
            people=People(city, city.root),
            rng=city.rng("hazards", unit.code),
            now=city.now,
        )
        for unit in city.cities
    )


def _days(first: date, last: date) -> tuple[list[date], list[float]]:
    """The days from first to last with their weights: the month's, and few at weekends."""
    days, weights = [], []
    day = first
    while day <= last:
        days.append(day)
        weights.append(MONTH_WEIGHTS[day.month - 1] * (0.15 if day.weekday() >= 5 else 1.0))
        day += timedelta(days=1)
    return days, weights


def _moments(rng: random.Random, first: date, last: date, n: int, now: datetime) -> list[datetime]:
    """n moments of working hours on days drawn from first to last, none after `now`."""
    days, weights = _days(first, last)
    cumulative = list(accumulate(weights))
    found = []
    for _ in range(n):
        day = days[bisect_right(cumulative, rng.random() * cumulative[-1])]
        moment = at(day, rng.randint(7, 17), rng.randrange(60))
        while moment > now:  # later today than now: the same hour a day before
            moment -= timedelta(days=1)
        found.append(moment)
    return found


def _periods(now: datetime) -> list[tuple[date, date, int | None]]:
    """(first day, last day, hazards wanted or None for the article's calibrated part)."""
    today = now.astimezone(TZ).date()
    periods: list[tuple[date, date, int | None]] = []
    for year in range(HISTORY_START.year, today.year + 1):
        first, last = max(date(year, 1, 1), HISTORY_START), min(date(year, 12, 31), today)
        rate = PER_YEAR.get(year, LATER_YEARS) / 365
        if year == ARTICLE_DAY.year:
            periods.append((first, ARTICLE_DAY, None))
            first = ARTICLE_DAY + timedelta(days=1)
            rate = PER_YEAR[year + 1] / 365
        if first <= last:
            periods.append((first, last, round(rate * ((last - first).days + 1))))
    return periods


def hazard_history_of(
    *, city: OrgUnit, points: Points, people: People, rng: random.Random, now: datetime
) -> int:
    """The hazards of `city`'s schools (weighted by size) from the 2019 autumn term to `now`,
    around those the other builders made. Answers how many it wrote."""
    schools = list(
        School.objects.filter(unit__path__startswith=city.path)
        .select_related("unit")
        .order_by("pk")
    )
    weights = list(accumulate(max(s.students, 30) ** 0.5 for s in schools))
    sources, source_weights = zip(*SOURCES, strict=True)
    made = Hazard.objects.filter(unit_path__startswith=city.path)
    article_end = end_of(ARTICLE_DAY)
    hazards: list[DemoHazard] = []
    calibrated: list[DemoHazard] = []
    closed_before = 0
    for first, last, wanted in _periods(now):
        there = made.filter(found_at__gte=at(first, 0), found_at__lt=end_of(last))
        if wanted is None:
            n = FOUND_2021 - there.count()
            closed_before = there.filter(closed_at__lt=article_end).count()
        else:
            n = max(0, wanted - there.count())
        for found_at in _moments(rng, first, last, n, now):
            school = schools[bisect_right(weights, rng.random() * weights[-1])]
            source = rng.choices(sources, source_weights)[0]
            point = points.pick(school, rng)
            hazard = from_point(
                point, points, school, people, rng, found_at=found_at, source=source
            )
            (calibrated if wanted is None else hazards).append(hazard)
    _calibrate(calibrated, RECTIFIED_2021 - closed_before, article_end, rng)
    _stall(hazards, now, rng)
    return len(hazards_write(calibrated + hazards, now=now, rng=rng))


def _calibrate(hazards: list[DemoHazard], closed: int, by: datetime, rng: random.Random) -> None:
    """Exactly `closed` of the hazards closed before `by` (the end of the article's day): the
    ones left over close soon after it, the rest in time."""
    late = sorted(
        (h for h in hazards if h.closes_at is None or h.closes_at >= by),
        key=lambda h: h.closes_at or by,
    )
    early = [h for h in hazards if h.closes_at is not None and h.closes_at < by]
    want_open = len(hazards) - closed
    if len(late) > want_open:  # close the soonest of them before the day
        for h in late[: len(late) - want_open]:
            h.closes_at = h.found_at + (by - h.found_at) * rng.uniform(0.5, 0.95)
    elif len(late) < want_open:  # the latest found of the closed ones carry on past the day
        for h in sorted(early, key=lambda h: h.found_at, reverse=True)[: want_open - len(late)]:
            h.closes_at = by + timedelta(days=rng.uniform(1, 40))


def _stall(hazards: Iterable[DemoHazard], now: datetime, rng: random.Random) -> None:
    """A few majors of the last two years still open long past their deadline, under listed
    supervision: what the overdue lists and the supervisors chase."""
    majors = [
        h
        for h in hazards
        if h.level == HazardLevel.MAJOR
        and timedelta(days=120) < now - h.found_at < timedelta(days=730)
    ]
    for h in rng.sample(majors, min(STALLED, len(majors))):
        h.closes_at = None
