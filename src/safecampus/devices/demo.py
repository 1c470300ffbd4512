"""The technical defenses of the demo city, with their history since they were installed.

On the article's day (demo/history.py `ARTICLE_DAY`) a Yantai-shaped city had exactly 96,697
cameras in service (installed by then, not yet removed), spread over its schools and
kindergartens by size and over the places of the protection-grade rule, every required place
covered, and one one-button alarm per school, linked to the police and tested within the month
— the article's 100%. Since then the city has gone on as a real one does: cameras added with new
buildings, some replaced (the old one removed, a new one installed the same day) and some
removed; a few schools lost the only camera at their playground or gate house to building works
and have not replaced it; a few replaced their alarm button and have not yet linked the new one
to the police, or stopped their monthly tests months ago. Every button has its monthly tests
with the police from the 2019 autumn term on (`AlarmTest`).

Every device in service has a live state (~97% heard from within the last minute, a few schools
whose network is down, a few never connected, ~0.4% with an open fault, some older than the 24 h
repair limit: the periodic task turns those into hazards). Past faults left unfixed past the limit
are on the schools' rectification lists, each year's.

Device IDs follow GB/T 28181: centre code (the district's administrative code + "00", or the
city's code + "0000" for directly-affiliated schools), industry "05" (education), type 132
(network camera) or 134 (alarm input), network 8 (social resources), serial of 6 digits
counted per centre. Deterministic (the caller's seeded rng and `now`); plain multi-row inserts
(demo/bulk.py), one pass over the schools, so scale 10 stays linear.
"""

import random
from datetime import date, datetime, timedelta

from safecampus.demo.bulk import records_insert, rows_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import ARTICLE_DAY, HISTORY_START, TZ, at, day_between
from safecampus.devices.messages import FAULT_CODES
from safecampus.devices.models import (
    AlarmButton,
    AlarmTest,
    Camera,
    DeviceKind,
    DeviceState,
    Place,
)
from safecampus.hazards.choices import HazardSource
from safecampus.hazards.demo import DemoHazard, People, hazards_write
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType
from safecampus.orgs.models import OrgUnit, School
from safecampus.risks.models import Aspect

CAMERAS = 96697  # in service on the article's day
CAMERA_MODELS = {
    # kind → (model, stream path); a mix of the makes a city buys.
    "bullet": [
        ("DS-2CD3T47WDV3-L", "/Streaming/Channels/101"),
        ("DH-IPC-HFW2433M-I1", "/cam/realmonitor?channel=1&subtype=0"),
        ("IPC2124LB-SF40KM-G", "/media/video1"),
    ],
    "dome": [
        ("DS-2CD3346WDV3-I", "/Streaming/Channels/101"),
        ("DH-IPC-HDBW2433R-ZS", "/cam/realmonitor?channel=1&subtype=0"),
        ("IPC3614SB-ADF28KM-I0", "/media/video1"),
    ],
    "ptz": [
        ("DS-2DE4425IW-DE", "/Streaming/Channels/101"),
        ("DH-SD49425XB-HNR", "/cam/realmonitor?channel=1&subtype=0"),
    ],
    "face": [
        ("DS-2CD7A47EWD-XZS", "/Streaming/Channels/101"),
        ("DH-IPC-HFW5442E-ZE", "/cam/realmonitor?channel=1&subtype=0"),
    ],
}
LABELS: dict[str, str] = {}  # place → Chinese label, filled once per call (not at import)
# The other spots a school watches, by kind of school: no dormitory where nobody boards, no
# laboratory building at a kindergarten.
OTHER_SPOTS = ["食堂", "图书馆", "实验楼", "配电室", "停车场", "体育馆", "行政楼"]
BOARDING_SPOTS = ["宿舍楼"]
KINDERGARTEN_SPOTS = ["幼儿园厨房", "户外活动场", "大型玩具区", "配电室", "停车场", "多功能厅"]
KINDERGARTEN_STOREYS = 3  # 幼儿生活用房 no higher than the third floor
TEACHING_STOREYS = 4
# Share of the article-day cameras replaced / removed since; of schools adding cameras since.
REPLACED, REMOVED, GROWING = 0.04, 0.012, 0.5
FAULTS_PER_YEAR = 280  # faults left unfixed past the limit, a Yantai-sized city


def _split(total: int, weights: list[float]) -> list[int]:
    """Split total by weights, exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def _places(n: int, rng: random.Random) -> list[str]:
    """The places of a school's n cameras: the entrances first, the corridors take the rest;
    every place the rule may ask video of has at least one."""
    plan: dict[str, int] = {
        Place.OUTSIDE_GATE: 2 + (n > 80),
        Place.MAIN_ENTRANCE: 2 + (n > 60),
        Place.GATE_HOUSE: 1 + (n > 100),
        Place.PLAYGROUND: max(1, round(n * rng.uniform(0.05, 0.1))),
        Place.PERIMETER: round(n * rng.uniform(0.1, 0.2)),
        Place.OTHER: round(n * rng.uniform(0.03, 0.1)),
    }
    while sum(plan.values()) > n - 1:  # small schools: trim from the largest share, not to 0
        biggest = max(plan, key=plan.__getitem__)
        if plan[biggest] <= 1:
            break
        plan[biggest] -= 1
    plan[Place.CORRIDOR] = max(1, n - sum(plan.values()))
    return [place for place, count in plan.items() for _ in range(count)]


class _Names:
    """A school's camera names by place: 「1号教学楼2层走廊半球1」「校门口枪机2」…; a
    kindergarten's teaching building is its activity building, three storeys at most."""

    def __init__(self, school: School):
        self.kindergarten = school.school_type == SchoolType.KINDERGARTEN
        self.spots = (
            KINDERGARTEN_SPOTS
            if self.kindergarten
            else OTHER_SPOTS + (BOARDING_SPOTS if school.boarding else [])
        )
        self.seen: dict[str, int] = {}

    def __call__(self, place: str, kind: str) -> str:
        index = self.seen[place] = self.seen.get(place, -1) + 1
        word = {"bullet": "枪机", "dome": "半球", "ptz": "球机", "face": "人脸抓拍机"}[kind]
        if place == Place.CORRIDOR:
            storeys = KINDERGARTEN_STOREYS if self.kindergarten else TEACHING_STOREYS
            building, rest = divmod(index, storeys * 3)
            floor, spot = divmod(rest, 3)
            name = "活动楼" if self.kindergarten else "教学楼"
            return f"{building + 1}号{name}{floor + 1}层走廊{word}{spot + 1}"
        if place == Place.OTHER:
            return f"{self.spots[index % len(self.spots)]}{word}{index // len(self.spots) + 1}"
        return f"{LABELS[place]}{word}{index + 1}"


def _camera_kind(place: str, index: int, rng: random.Random) -> str:
    if place == Place.OUTSIDE_GATE and index == 0:
        return "face"
    if place == Place.PLAYGROUND:
        return "ptz" if index == 0 else "bullet"
    if place in (Place.CORRIDOR, Place.GATE_HOUSE, Place.OTHER):
        return "dome"
    return "bullet" if rng.random() < 0.8 else "ptz"


def devices(city: DemoCity) -> int:
    """The demo builder: each city's devices. Answers how many cameras it registered."""
    return sum(
        devices_of(city=unit, rng=city.rng("devices", unit.code), now=city.now, demo=city)[
            "cameras"
        ]
        for unit in city.cities
    )


class _City:
    """What one city's devices are made of, row by row, before the inserts."""

    def __init__(self, city: OrgUnit, rng: random.Random, now: datetime):
        self.city, self.rng, self.now = city, rng, now
        self.today = now.astimezone(TZ).date()
        self.serial: dict[str, int] = {}
        self.cameras: list[dict] = []
        self.alarms: list[dict] = []
        self.tests: list[list[date]] = []  # per alarm, its test days

    def device_id(self, school: School, type_code: str) -> str:
        district = school.district
        centre = (f"{district.code}00" if district is not None else f"{self.city.code}0000")[
            :8
        ].ljust(8, "0")
        self.serial[centre] = self.serial.get(centre, 0) + 1
        return f"{centre}05{type_code}8{self.serial[centre]:06d}"

    def after_article(self, first: date | None = None, last: date | None = None) -> date:
        first = first or ARTICLE_DAY + timedelta(days=30)
        return day_between(self.rng, first, last or self.today - timedelta(days=7))

    def camera(self, school, names, place, installed: date, octets: str, removed=None) -> dict:
        rng = self.rng
        kind = _camera_kind(place, names.seen.get(place, -1) + 1, rng)
        make, stream = rng.choice(CAMERA_MODELS[kind])
        row = {
            "school_id": school.pk,
            "name": names(place, kind),
            "device_id": self.device_id(school, "132"),
            "place": str(place),
            "installed_on": installed,
            "active": removed is None,
            "removed_on": removed,
            "model": make,
            "stream_url": f"rtsp://{octets}.{len(self.cameras) % 240 + 10}:554{stream}",
        }
        self.cameras.append(row)
        return row

    def school(self, index: int, school: School, n: int) -> None:
        """The cameras and the alarm button of one school, with their history."""
        rng, today = self.rng, self.today
        names = _Names(school)
        octets = f"10.{16 + index // 250}.{index % 250 + 1}"
        first = date(rng.randint(2015, 2019), rng.randint(1, 12), rng.randint(1, 28))
        upgrade = day_between(rng, date(2020, 3, 1), ARTICLE_DAY - timedelta(days=30))
        # Building works since the article's day took the only camera(s) of one place.
        roll = rng.random()
        lost = Place.PLAYGROUND if roll < 0.015 else Place.GATE_HOUSE if roll < 0.025 else None
        lost_on = self.after_article(date(2025, 3, 1), today - timedelta(days=14)) if lost else None
        places = _places(n, rng)
        by_place: dict[str, int] = {}
        for place in places:
            by_place[place] = by_place.get(place, 0) + 1
        for place in places:
            installed = first if rng.random() < 0.6 else upgrade
            fate = rng.random()
            if place == lost:
                self.camera(school, names, place, installed, octets, removed=lost_on)
            elif fate < REPLACED:
                gone = self.after_article()
                self.camera(school, names, place, installed, octets, removed=gone)
                self.camera(school, names, place, gone, octets)
            elif (
                fate < REPLACED + REMOVED
                and place in (Place.CORRIDOR, Place.OTHER)
                and by_place[place] > 1
            ):
                by_place[place] -= 1
                self.camera(school, names, place, installed, octets, removed=self.after_article())
            else:
                self.camera(school, names, place, installed, octets)
        if rng.random() < GROWING:  # new buildings, new spots
            for _ in range(round(n * rng.uniform(0.02, 0.25))):
                place = rng.choice((Place.CORRIDOR, Place.CORRIDOR, Place.OTHER, Place.PERIMETER))
                self.camera(school, names, place, self.after_article(), octets)
        self.alarm(school, first)

    def alarm(self, school: School, installed: date) -> None:
        """The school's button, tested with the police every month on a day of its own; a few
        stopped testing months ago, a few replaced their button lately and have not yet linked
        the new one."""
        rng, today = self.rng, self.today
        roll = rng.random()
        district = school.district.name if school.district is not None else self.city.name
        police = f"{district}公安分局110指挥中心"
        stopped = (
            self.after_article(today - timedelta(days=200), today - timedelta(days=45))
            if roll < 0.01
            else None
        )
        replaced = (
            self.after_article(today - timedelta(days=120), today - timedelta(days=10))
            if 0.01 <= roll < 0.03
            else None
        )
        day = rng.randint(1, 25)
        tests = []
        month = date(max(HISTORY_START, installed).year, max(HISTORY_START, installed).month, 1)
        while month <= today:
            tested = month.replace(day=day)
            if max(HISTORY_START, installed) <= tested <= today and not (
                stopped and tested > stopped
            ):
                tests.append(tested)
            month = (month + timedelta(days=32)).replace(day=1)
        old = {
            "school_id": school.pk,
            "name": "门卫室一键式紧急报警",
            "device_id": self.device_id(school, "134"),
            "place": Place.GATE_HOUSE.value,
            "installed_on": installed,
            "active": replaced is None,
            "removed_on": replaced,
            "linked_to_police": True,
            "police_unit": police,
        }
        if replaced is None:
            self.alarms.append(old)
            self.tests.append(tests)
            return
        self.alarms.append(old)
        self.tests.append([t for t in tests if t < replaced])
        self.alarms.append(
            {
                **old,
                "device_id": self.device_id(school, "134"),
                "installed_on": replaced,
                "active": True,
                "removed_on": None,
                "linked_to_police": False,
                "police_unit": "",
            }
        )
        self.tests.append([])

    def state(self, kind: str, down: bool) -> dict:
        rng, now = self.rng, self.now
        r = rng.random()
        if down:
            seen = now - timedelta(hours=rng.uniform(2, 30))
        elif r < 0.002:
            seen = None  # installed but never connected
        elif r < 0.022:
            seen = now - timedelta(minutes=rng.uniform(10, 60 * 24 * 7))
        else:
            seen = now - timedelta(seconds=rng.uniform(0, 55))
        fault, since = "", None
        if seen is not None and rng.random() < 0.004:
            fault = rng.choice(FAULT_CODES[kind])
            since = now - timedelta(hours=rng.uniform(1, 60))
        return {"last_seen_at": seen, "fault_code": fault, "fault_since": since}


def devices_of(
    *, city: OrgUnit, rng: random.Random, now: datetime, demo: DemoCity | None = None
) -> dict:
    """Cameras, alarm buttons, their tests and live states for the schools and kindergartens
    of `city`, and (with the demo city's people) the faults of past years on the schools'
    rectification lists. Answers the counts."""
    LABELS.update({p.value: str(p.label) for p in Place})
    schools = list(
        School.objects.filter(unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES)
        .select_related("unit", "district")
        .order_by("unit__path")
    )
    made = _City(city, rng, now)
    for index, (school, n) in enumerate(
        zip(
            schools, _split(CAMERAS, [s.students + s.staff * 3 + 250 for s in schools]), strict=True
        )
    ):
        made.school(index, school, n)
    down = {s.pk for s in rng.sample(schools, k=max(1, len(schools) // 200))}

    camera_ids = records_insert(Camera, made.cameras)
    alarm_ids = records_insert(
        AlarmButton,
        [
            {**a, "last_tested_on": (t[-1] if t else None)}
            for a, t in zip(made.alarms, made.tests, strict=True)
        ],
    )
    rows_insert(
        AlarmTest._meta.db_table,
        ["alarm_id", "tested_on"],
        [(pk, day) for pk, tests in zip(alarm_ids, made.tests, strict=True) for day in tests],
    )
    states = []
    for kind, link, rows, ids in (
        (DeviceKind.CAMERA, "camera_id", made.cameras, camera_ids),
        (DeviceKind.ALARM, "alarm_id", made.alarms, alarm_ids),
    ):
        for row, pk in zip(rows, ids, strict=True):
            if row["active"]:
                s = made.state(kind, row["school_id"] in down)
                states.append(
                    (
                        row["device_id"],
                        kind,
                        row["school_id"],
                        pk if link == "camera_id" else None,
                        pk if link == "alarm_id" else None,
                        s["last_seen_at"],
                        s["fault_code"],
                        s["fault_since"],
                    )
                )
    rows_insert(
        DeviceState._meta.db_table,
        [
            "device_id",
            "kind",
            "school_id",
            "camera_id",
            "alarm_id",
            "last_seen_at",
            "fault_code",
            "fault_since",
        ],
        states,
    )
    faults = _faults(made, schools, demo, rng, now) if demo is not None else 0
    return {
        "cameras": len(made.cameras),
        "in_service": sum(1 for c in made.cameras if c["active"]),
        "alarms": len(made.alarms),
        "tests": sum(len(t) for t in made.tests),
        "faults": faults,
    }


def _faults(
    made: _City, schools: list[School], demo: DemoCity, rng: random.Random, now: datetime
) -> int:
    """The faults of past years left unfixed past the 24 h limit: each put a hazard on its
    school's list (as devices.services.device_faults_escalate words it), fixed within days."""
    by_school: dict[int, list[dict]] = {}
    for row in made.cameras:
        by_school.setdefault(row["school_id"], []).append(row)
    schools_by_pk = {s.pk: s for s in schools}
    aspect = Aspect.objects.filter(code="04").values_list("pk", flat=True).first()
    people = People(demo, demo.root)
    today = now.astimezone(TZ).date()
    years = (today - HISTORY_START).days / 365
    hazards = []
    with_cameras = list(by_school)
    for _ in range(round(FAULTS_PER_YEAR * years)):
        school_id = rng.choice(with_cameras)
        school = schools_by_pk[school_id]
        since = at(
            day_between(rng, HISTORY_START, today - timedelta(days=3), weekdays=False),
            rng.randint(0, 23),
            rng.randrange(60),
        )
        in_service = [
            c
            for c in by_school[school_id]
            if c["installed_on"] <= since.date()
            and (c["removed_on"] is None or c["removed_on"] > since.date())
        ]
        if not in_service:
            continue
        camera = rng.choice(in_service)
        found = since + timedelta(hours=24, minutes=rng.randint(1, 10))
        hazards.append(
            DemoHazard(
                school=school,
                found_at=found,
                description=f"摄像头“{camera['name']}”（设备编码 {camera['device_id']}）"
                f"故障 {rng.choice(FAULT_CODES['camera'])}，自 {since.strftime('%Y-%m-%d %H:%M')} 起超过 24 小时未修复",
                source=HazardSource.DEVICE,
                place=LABELS[camera["place"]],
                aspect_id=aspect,
                owner_id=people.director(school),
                manager_id=people.principal(school),
                closes_at=found + timedelta(days=rng.uniform(0.3, 5)),
                plan="联系维保单位到场检修，故障期间安排人员加强该部位巡查",
                measures="更换故障部件并恢复录像，核对录像保存天数",
                result="已更换故障部件，设备恢复在线，录像正常",
            )
        )
    return len(hazards_write(hazards, now=now, rng=rng))
