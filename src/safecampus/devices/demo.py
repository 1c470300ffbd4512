"""The technical defenses of the demo city: exactly 96,697 cameras per Yantai-shaped city, spread
over its schools and kindergartens by size and over the places of the protection-grade rule, one
one-button alarm per school, and a live state for every device so that the online-rate pages
open on a realistic picture (~97% online).

What the pages and the four-100% indicator should find, on purpose:
- a few schools without a camera at one place the rule requires (the playground or the gate
  house), and alarm buttons not linked to the police or not tested for months;
- offline devices: a few schools whose network is down (every device silent for hours) and ~2%
  of the others scattered; a few devices never heard from at all;
- open faults, some younger and some older than the 24 h repair limit (the periodic task turns
  the older ones into hazards).

Device IDs follow GB/T 28181: centre code (the district's administrative code + "00", or the
city's code + "0000" for directly-affiliated schools), industry "05" (education), type 132
(network camera) or 134 (alarm input), network 8 (social resources), serial of 6 digits
counted per centre. Deterministic (the caller's seeded rng); bulk inserts in large batches, one
pass over the schools, so scale 10 stays linear.
"""

import random
from datetime import date, timedelta

from safecampus.demo.bulk import rows_insert, sql_value
from safecampus.demo.generator import DemoCity
from safecampus.devices.messages import FAULT_CODES
from safecampus.devices.models import AlarmButton, Camera, DeviceKind, DeviceState, Place
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES
from safecampus.orgs.models import OrgUnit, School

CAMERAS = 96697
CAMERA_MODELS = {
    # place → (model, name word, stream path); a mix of the makes a city buys.
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
OTHER_SPOTS = ["食堂", "宿舍楼", "图书馆", "实验楼", "配电室", "停车场", "体育馆", "行政楼"]


def _split(total: int, weights: list[float]) -> list[int]:
    """Split total by weights, exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def _places(n: int, rng: random.Random, miss: str | None) -> list[str]:
    """The places of a school's n cameras: the entrances first, the corridors take the rest."""
    plan: dict[str, int] = {
        Place.OUTSIDE_GATE: 2 + (n > 80),
        Place.MAIN_ENTRANCE: 2 + (n > 60),
        Place.GATE_HOUSE: 1 + (n > 100),
        Place.PLAYGROUND: max(1, round(n * rng.uniform(0.05, 0.1))),
        Place.PERIMETER: round(n * rng.uniform(0.1, 0.2)),
        Place.OTHER: round(n * rng.uniform(0.03, 0.1)),
    }
    if miss:
        plan[miss] = 0
    while sum(plan.values()) > n - 1:  # small schools: trim from the largest share
        biggest = max(plan, key=plan.__getitem__)
        plan[biggest] -= 1
    plan[Place.CORRIDOR] = n - sum(plan.values())
    return [place for place, count in plan.items() for _ in range(count)]


def _name(place: str, index: int, kind: str) -> str:
    word = {"bullet": "枪机", "dome": "半球", "ptz": "球机", "face": "人脸抓拍机"}[kind]
    if place == Place.CORRIDOR:
        building, rest = divmod(index, 12)
        floor, spot = divmod(rest, 3)
        return f"{building + 1}号教学楼{floor + 1}层走廊{word}{spot + 1}"
    if place == Place.OTHER:
        return f"{OTHER_SPOTS[index % len(OTHER_SPOTS)]}{word}{index // len(OTHER_SPOTS) + 1}"
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
    """The demo builder: each city's devices. Answers how many cameras."""
    return sum(
        devices_of(city=unit, rng=city.rng("devices", unit.code), now=city.now)["cameras"]
        for unit in city.cities
    )


def devices_of(*, city: OrgUnit, rng: random.Random, now) -> dict:
    """Cameras, alarm buttons and their live states for the schools and kindergartens of `city`."""
    LABELS.update({p.value: str(p.label) for p in Place})
    schools = list(
        School.objects.filter(unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES)
        .select_related("unit", "district")
        .order_by("unit__path")
    )
    counts = _split(CAMERAS, [s.students + s.staff * 3 + 250 for s in schools])
    today = now.date()
    serial: dict[str, int] = {}
    # A few schools whose network is down: every device silent for hours.
    down = set(rng.sample(range(len(schools)), k=max(1, len(schools) // 200)))
    cameras, alarms = [], []

    def device_id(school: School, type_code: str) -> str:
        district = school.district
        centre = (f"{district.code}00" if district is not None else f"{city.code}0000")[:8].ljust(
            8, "0"
        )
        serial[centre] = serial.get(centre, 0) + 1
        return f"{centre}05{type_code}8{serial[centre]:06d}"

    def state(kind: str, school_index: int) -> dict:
        r = rng.random()
        if school_index in down:
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

    for index, (school, n) in enumerate(zip(schools, counts, strict=True)):
        roll = rng.random()
        miss = Place.PLAYGROUND if roll < 0.015 else Place.GATE_HOUSE if roll < 0.025 else None
        octets = f"10.{16 + index // 250}.{index % 250 + 1}"
        per_place: dict[str, int] = {}
        installed = date(rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28))
        for host, place in enumerate(_places(n, rng, miss)):
            i = per_place[place] = per_place.get(place, -1) + 1
            kind = _camera_kind(place, i, rng)
            make, stream = rng.choice(CAMERA_MODELS[kind])
            cameras.append(
                (
                    {
                        "school_id": school.pk,
                        "name": _name(place, i, kind),
                        "device_id": device_id(school, "132"),
                        "place": str(place),
                        "installed_on": installed if rng.random() < 0.7 else None,
                        "active": True,
                        "removed_on": None,
                        "model": make,
                        "stream_url": f"rtsp://{octets}.{host % 240 + 10}:554{stream}",
                    },
                    state(DeviceKind.CAMERA, index),
                )
            )
        linked = rng.random() < 0.96
        tested = rng.random()
        district = school.district.name if school.district is not None else city.name
        alarms.append(
            (
                {
                    "school_id": school.pk,
                    "name": "门卫室一键式紧急报警",
                    "device_id": device_id(school, "134"),
                    "place": Place.GATE_HOUSE.value,
                    "installed_on": installed,
                    "active": True,
                    "removed_on": None,
                    "linked_to_police": linked,
                    "police_unit": f"{district}公安分局110指挥中心" if linked else "",
                    "last_tested_on": (
                        today - timedelta(days=rng.randint(0, 28))
                        if tested < 0.95
                        else today - timedelta(days=rng.randint(45, 200))
                        if tested < 0.99
                        else None
                    ),
                },
                state(DeviceKind.ALARM, index),
            )
        )

    # Plain multi-row inserts: Django's bulk_create spends ~100 µs a row preparing values,
    # which at ~200,000 rows a city was most of the generator's time.
    for model, rows, kind, link in (
        (Camera, cameras, DeviceKind.CAMERA, "camera_id"),
        (AlarmButton, alarms, DeviceKind.ALARM, "alarm_id"),
    ):
        # Field name → column (a concrete field is one with a column).
        columns = {
            f.attname: f.column
            for f in model._meta.concrete_fields
            if f.column and not f.primary_key
        }
        fields = list(columns)
        for row, _s in rows:
            row["installed_on"] = sql_value(row["installed_on"])
            if "last_tested_on" in row:
                row["last_tested_on"] = sql_value(row["last_tested_on"])
        rows_insert(
            model._meta.db_table,
            list(columns.values()),
            [tuple(row[f] for f in fields) for row, _s in rows],
        )
        ids = dict(
            model.objects.filter(school__unit__path__startswith=city.path).values_list(
                "device_id", "pk"
            )
        )
        rows_insert(
            DeviceState._meta.db_table,
            ["device_id", "kind", "school_id", link, "last_seen_at", "fault_code", "fault_since"],
            [
                (
                    d["device_id"],
                    kind,
                    d["school_id"],
                    ids[d["device_id"]],
                    sql_value(s["last_seen_at"]),
                    s["fault_code"],
                    sql_value(s["fault_since"]),
                )
                for d, s in rows
            ],
        )
    return {"cameras": len(cameras), "alarms": len(alarms)}
