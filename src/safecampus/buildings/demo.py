"""The demo city's school buildings and their fire and seismic remediation, as records from which
the platform computes the article's figures: by the end of 2020, 802 schools, 2,238 buildings
and 8.13 million m² remediated (accepted projects). Besides these: newer buildings that need
nothing, older ones of the other schools needing remediation — about half of which have been
remediated since 2021 in projects accepted year by year — and projects planned, under way or
awaiting acceptance around `today`. Dormitories stand only where students board; a
kindergarten's buildings (activity buildings, kitchen, offices) have three storeys at most."""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import Role
from safecampus.accounts.models import User
from safecampus.buildings.choices import (
    BuildingUse,
    FireStatus,
    ProjectAction,
    ProjectStatus,
    RemediationKind,
    SeismicStatus,
    Structure,
)
from safecampus.buildings.models import (
    Building,
    ProjectBuilding,
    ProjectEvent,
    RemediationProject,
)
from safecampus.demo.generator import DemoCity
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType
from safecampus.orgs.models import OrgUnit, School

SCHOOLS_2020, BUILDINGS_2020, FLOOR_AREA_2020 = 802, 2238, 8_130_000
TZ = ZoneInfo("Asia/Shanghai")
# use -> (weight, smallest and largest floor area in m² before scaling to the exact total)
USES = {
    BuildingUse.TEACHING: (40, 2500, 7000),
    BuildingUse.DORMITORY: (12, 2000, 6000),
    BuildingUse.CANTEEN: (12, 800, 2500),
    BuildingUse.LABORATORY: (10, 1500, 4500),
    BuildingUse.OFFICE: (10, 1000, 3500),
    BuildingUse.GYMNASIUM: (7, 1500, 4000),
    BuildingUse.LIBRARY: (6, 1000, 3500),
    BuildingUse.OTHER: (3, 300, 1500),
}
# A kindergarten's buildings (幼儿生活用房 no higher than the third floor).
KINDERGARTEN_USES = [
    BuildingUse.TEACHING,
    BuildingUse.CANTEEN,
    BuildingUse.OFFICE,
    BuildingUse.OTHER,
]
KINDERGARTEN_NAMES = {
    BuildingUse.TEACHING: "活动楼",
    BuildingUse.CANTEEN: "厨房",
    BuildingUse.OTHER: "综合楼",
}
KINDERGARTEN_STOREYS = 3
KINDS = [(RemediationKind.BOTH, 5), (RemediationKind.SEISMIC, 3), (RemediationKind.FIRE, 2)]
# Remediated in the campaign: mostly older masonry; built since: frames.
OLD_STRUCTURES = [(Structure.MASONRY, 6), (Structure.FRAME, 3), (Structure.BRICK_WOOD, 1)]
NEW_STRUCTURES = [(Structure.FRAME, 6), (Structure.FRAME_SHEAR, 3), (Structure.STEEL, 1)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class _Namer:
    """「1号教学楼」「2号教学楼」「1号食堂」…, a kindergarten's 「1号活动楼」「1号厨房」:
    unique per school."""

    def __init__(self):
        self.seen: dict[int, Counter] = {}

    def __call__(self, school, use) -> str:
        n = self.seen.setdefault(school.pk, Counter())
        n[use] += 1
        if school.school_type == SchoolType.KINDERGARTEN:
            return f"{n[use]}号{KINDERGARTEN_NAMES.get(use, use.label)}"
        return f"{n[use]}号{use.label}"


def _uses(school) -> list[tuple[str, int]]:
    """The kinds of building a school has: dormitories only where students board; a
    kindergarten has its activity buildings, kitchen and offices."""
    if school.school_type == SchoolType.KINDERGARTEN:
        allowed = KINDERGARTEN_USES
    else:
        allowed = [u for u in USES if school.boarding or u != BuildingUse.DORMITORY]
    return [(u, USES[u][0]) for u in allowed]


def _building(rng, namer, school, *, old: bool, area: int | None = None, **status) -> Building:
    use = _pick(rng, _uses(school))
    _w, low, high = USES[use]
    kindergarten = school.school_type == SchoolType.KINDERGARTEN
    top = KINDERGARTEN_STOREYS if kindergarten else 5 if old else 7
    return Building(
        school=school,
        name=namer(school, use),
        use=use,
        structure=_pick(rng, OLD_STRUCTURES if old else NEW_STRUCTURES),
        storeys=rng.randint(1 if kindergarten else 2, top),
        floor_area_m2=Decimal(area if area is not None else rng.randint(low, high)),
        year_built=rng.randint(1965, 2000) if old else rng.randint(2001, 2023),
        **status,
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16, 0), tzinfo=TZ)


def _exact_areas(rng, count: int, total: int) -> list[int]:
    """`count` whole-m² areas drawn like buildings' and scaled to sum to exactly `total`."""
    raw = []
    for _ in range(count):
        _w, low, high = USES[_pick(rng, [(u, w) for u, (w, _lo, _hi) in USES.items()])]
        raw.append(rng.randint(low, high))
    factor = total / sum(raw)
    areas = [max(100, round(a * factor)) for a in raw]
    areas[areas.index(max(areas))] += total - sum(areas)
    return areas


def _people(city: OrgUnit, role: str) -> dict[int, User]:
    """unit id -> the (first) user holding `role` there, inside the city."""
    people: dict[int, User] = {}
    for assignment in (
        RoleAssignment.objects.filter(role=role, unit__path__startswith=city.path)
        .select_related("user")
        .order_by("user__username")
    ):
        people.setdefault(assignment.unit_id, assignment.user)
    return people


def buildings(city: DemoCity) -> int:
    """The demo builder: each city's buildings and projects. Answers the buildings."""
    return sum(
        buildings_of(city=unit, rng=city.rng("buildings", unit.code), today=city.today)
        for unit in city.cities
    )


def buildings_of(*, city, rng: random.Random, today: date) -> int:
    """Bulk-create the buildings and projects of `city`'s schools (K-12 and kindergartens), the
    accepted ones signed by the district's (or the city's) officer. Answers the number of
    buildings created."""
    officers = {
        **_people(city, Role.CITY_OFFICER),
        **_people(city, Role.DISTRICT_OFFICER),
    }
    principals = _people(city, Role.PRINCIPAL)
    schools = list(
        School.objects.filter(
            unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES
        ).order_by("unit__path")
    )
    remediated = rng.sample(schools, SCHOOLS_2020)
    weights = [max(s.students, 30) ** 0.5 for s in remediated]
    extra = Counter(rng.choices(range(SCHOOLS_2020), weights, k=BUILDINGS_2020 - SCHOOLS_2020))
    areas = iter(_exact_areas(rng, BUILDINGS_2020, FLOOR_AREA_2020))
    namer = _Namer()
    buildings: list[Building] = []
    projects: list[tuple[RemediationProject, list[Building], list[ProjectEvent]]] = []

    for index, school in enumerate(remediated):
        kind = _pick(rng, KINDS)
        seismic = kind != RemediationKind.FIRE
        fire = kind != RemediationKind.SEISMIC
        covered = [
            _building(
                rng,
                namer,
                school,
                old=True,
                area=next(areas),
                seismic_status=SeismicStatus.RETROFITTED if seismic else SeismicStatus.COMPLIANT,
                fire_status=FireStatus.REMEDIATED if fire else FireStatus.COMPLIANT,
            )
            for _ in range(1 + extra[index])
        ]
        buildings += covered
        buildings += [
            _building(rng, namer, school, old=False) for _ in range(rng.choice((0, 0, 1, 2)))
        ]
        start = date(2015, 3, 1) + timedelta(days=rng.randrange(0, 365 * 5 + 120))
        end = start + timedelta(days=rng.randint(90, 240))
        accepted = min(end + timedelta(days=rng.randint(10, 60)), date(2020, 12, 28))
        end = min(end, accepted)
        start = min(start, end - timedelta(days=30))
        officer = officers.get(school.district_id or city.pk)
        principal = principals.get(school.pk)
        project = RemediationProject(
            school=school,
            name=f"{', '.join(b.name for b in covered[:2])}{'等' if len(covered) > 2 else ''}"
            f"{kind.label}整改工程",
            kind=kind,
            plan="按现行抗震设防与消防技术标准进行加固改造，完成后组织验收。",
            budget_yuan=Decimal(sum(int(b.floor_area_m2) for b in covered) * rng.randint(300, 900)),
            planned_start=start,
            planned_end=end,
            actual_start=start,
            actual_end=end,
            progress=100,
            status=ProjectStatus.ACCEPTED,
            acceptance_on=accepted,
            acceptance_by=officer,
            acceptance_unit_id=school.district_id or city.pk,
            acceptance_passed=True,
            acceptance_note="验收合格",
            created_by=principal,
            created_at=_at(start - timedelta(days=30)),
        )
        steps = [
            (ProjectAction.CREATE, "", ProjectStatus.PLANNED, start - timedelta(days=30), 0),
            (ProjectAction.START, ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, start, 0),
            (
                ProjectAction.SUBMIT,
                ProjectStatus.IN_PROGRESS,
                ProjectStatus.AWAITING_ACCEPTANCE,
                end,
                100,
            ),
            (
                ProjectAction.ACCEPT,
                ProjectStatus.AWAITING_ACCEPTANCE,
                ProjectStatus.ACCEPTED,
                accepted,
                100,
            ),
        ]
        events = [
            ProjectEvent(
                at=_at(on),
                on=on,
                by=officer if action == ProjectAction.ACCEPT else principal,
                action=action,
                from_status=before,
                to_status=after,
                progress=percent,
            )
            for action, before, after, on, percent in steps
        ]
        projects.append((project, covered, events))

    # The other schools: newer buildings, and older ones some of which still need remediation;
    # a few of those are in a project now.
    chosen = {s.pk for s in remediated}
    for school in (s for s in schools if s.pk not in chosen):
        needing = []
        for _ in range(rng.randint(1, 4)):
            old = rng.random() < 0.35
            status = {}
            if old and rng.random() < 0.3:
                status["seismic_status"] = _pick(
                    rng, [(SeismicStatus.NEEDS_RETROFIT, 4), (SeismicStatus.NEEDS_REBUILD, 1)]
                )
            if old and rng.random() < 0.25:
                status["fire_status"] = FireStatus.HAZARD
            building = _building(rng, namer, school, old=old, **status)
            buildings.append(building)
            if status:
                needing.append(building)
        if needing and rng.random() < 0.2:
            projects.append(_current_project(rng, school, needing, today, principals))
        elif needing and rng.random() < 0.45:
            officer = officers.get(school.district_id or city.pk)
            projects.append(
                _done_project(
                    rng, school, needing, today, principals, officer, school.district_id or city.pk
                )
            )

    Building.objects.bulk_create(buildings, batch_size=2000)
    RemediationProject.objects.bulk_create([p for p, _b, _e in projects], batch_size=1000)
    ProjectBuilding.objects.bulk_create(
        [ProjectBuilding(project=p, building=b) for p, covered, _e in projects for b in covered],
        batch_size=4000,
    )
    for project, _b, events in projects:
        for event in events:
            event.project = project
    ProjectEvent.objects.bulk_create(
        [e for _p, _b, events in projects for e in events], batch_size=4000
    )
    return len(buildings)


def _done_project(rng, school, needing, today: date, principals: dict, officer, accepting: int):
    """A project of the years since 2020, accepted: its buildings are remediated now."""
    kind = _kind_of(needing)
    accepted = today - timedelta(days=rng.randint(90, (today - date(2021, 3, 1)).days))
    end = accepted - timedelta(days=rng.randint(10, 60))
    start = end - timedelta(days=rng.randint(90, 240))
    created = start - timedelta(days=30)
    principal = principals.get(school.pk)
    for building in needing:
        if building.seismic_status != SeismicStatus.COMPLIANT:
            building.seismic_status = SeismicStatus.RETROFITTED
        if building.fire_status != FireStatus.COMPLIANT:
            building.fire_status = FireStatus.REMEDIATED
    project = RemediationProject(
        school=school,
        name=f"{needing[0].name}{kind.label}整改工程",
        kind=kind,
        plan="对存在问题的楼栋进行抗震加固和消防设施改造，完成后组织验收。",
        budget_yuan=Decimal(sum(int(b.floor_area_m2) for b in needing) * rng.randint(400, 1000)),
        planned_start=start,
        planned_end=end,
        actual_start=start,
        actual_end=end,
        progress=100,
        status=ProjectStatus.ACCEPTED,
        acceptance_on=accepted,
        acceptance_by=officer,
        acceptance_unit_id=accepting,
        acceptance_passed=True,
        acceptance_note="验收合格",
        created_by=principal,
        created_at=_at(created),
    )
    steps = [
        (ProjectAction.CREATE, "", ProjectStatus.PLANNED, created, 0, principal),
        (
            ProjectAction.START,
            ProjectStatus.PLANNED,
            ProjectStatus.IN_PROGRESS,
            start,
            0,
            principal,
        ),
        (
            ProjectAction.SUBMIT,
            ProjectStatus.IN_PROGRESS,
            ProjectStatus.AWAITING_ACCEPTANCE,
            end,
            100,
            principal,
        ),
        (
            ProjectAction.ACCEPT,
            ProjectStatus.AWAITING_ACCEPTANCE,
            ProjectStatus.ACCEPTED,
            accepted,
            100,
            officer,
        ),
    ]
    return (
        project,
        needing,
        [
            ProjectEvent(
                at=_at(on),
                on=on,
                by=by,
                action=action,
                from_status=before,
                to_status=after,
                progress=percent,
            )
            for action, before, after, on, percent, by in steps
        ],
    )


def _kind_of(needing) -> RemediationKind:
    seismic = any(b.seismic_status != SeismicStatus.COMPLIANT for b in needing)
    fire = any(b.fire_status != FireStatus.COMPLIANT for b in needing)
    return (
        RemediationKind.BOTH
        if seismic and fire
        else RemediationKind.SEISMIC
        if seismic
        else RemediationKind.FIRE
    )


def _current_project(rng, school, needing, today: date, principals: dict):
    """A project of today: planned, under way (with dated progress) or awaiting acceptance. Its
    buildings are 加固中 / 整改中 once work has started."""
    kind = _kind_of(needing)
    status = _pick(
        rng,
        [
            (ProjectStatus.PLANNED, 2),
            (ProjectStatus.IN_PROGRESS, 5),
            (ProjectStatus.AWAITING_ACCEPTANCE, 2),
        ],
    )
    principal = principals.get(school.pk)
    created = today - timedelta(days=rng.randint(200, 400))
    events = [(ProjectAction.CREATE, "", ProjectStatus.PLANNED, created, 0, "")]
    if status == ProjectStatus.PLANNED:
        start = today + timedelta(days=rng.randint(20, 150))
        actual_start = actual_end = None
        progress = 0
    else:
        start = actual_start = today - timedelta(days=rng.randint(60, 180))
        events.append(
            (ProjectAction.START, ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, start, 0, "")
        )
        progress, day = 0, start
        for _ in range(rng.randint(1, 3)):
            day = min(day + timedelta(days=rng.randint(10, 40)), today - timedelta(days=5))
            progress = min(progress + rng.randint(15, 35), 95)
            events.append(
                (
                    ProjectAction.PROGRESS,
                    ProjectStatus.IN_PROGRESS,
                    ProjectStatus.IN_PROGRESS,
                    day,
                    progress,
                    "按计划施工",
                )
            )
        actual_end = None
        if status == ProjectStatus.AWAITING_ACCEPTANCE:
            actual_end = today - timedelta(days=rng.randint(1, 4))
            progress = 100
            events.append(
                (
                    ProjectAction.SUBMIT,
                    ProjectStatus.IN_PROGRESS,
                    ProjectStatus.AWAITING_ACCEPTANCE,
                    actual_end,
                    100,
                    "已竣工，申请验收",
                )
            )
        for building in needing:
            if building.seismic_status != SeismicStatus.COMPLIANT:
                building.seismic_status = SeismicStatus.RETROFITTING
            if building.fire_status != FireStatus.COMPLIANT:
                building.fire_status = FireStatus.RECTIFYING
    end = start + timedelta(days=rng.randint(120, 300))
    project = RemediationProject(
        school=school,
        name=f"{needing[0].name}{kind.label}整改工程",
        kind=kind,
        plan="对存在问题的楼栋进行抗震加固和消防设施改造。",
        budget_yuan=Decimal(sum(int(b.floor_area_m2) for b in needing) * rng.randint(400, 1000)),
        planned_start=start,
        planned_end=end,
        actual_start=actual_start,
        actual_end=actual_end,
        progress=progress,
        status=status,
        created_by=principal,
        created_at=_at(created),
    )
    return (
        project,
        needing,
        [
            ProjectEvent(
                at=_at(on),
                on=on,
                by=principal,
                action=action,
                from_status=before,
                to_status=after,
                progress=percent,
                note=note,
            )
            for action, before, after, on, percent, note in events
        ],
    )
