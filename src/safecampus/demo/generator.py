"""The deterministic demo-city generator.

`--scale 1` builds the Yantai-sized city of PRODUCT.md: 14 districts, 1,587 schools and
kindergartens (22 of them directly affiliated), the 14 universities, 420 off-campus training
institutions and the demo users. A larger scale builds a province of that many such cities,
for the benchmarks. The same seed always gives the same city.
"""

import hashlib
import itertools
import random
import time
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop as N_
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import Role
from safecampus.accounts.models import User
from safecampus.audit.services import audit_suppressed
from safecampus.core.errors import BusinessRuleError
from safecampus.core.registry import each, load
from safecampus.core.texts import Text
from safecampus.orgs.choices import Ownership, SchoolType, UnitKind
from safecampus.orgs.models import OrgUnit, School

from . import data, geo

DEFAULT_PASSWORD = "Safe@Campus2026"
DEFAULT_SEED = 2021
# The name of the demo accounts' TOTP devices: `safecampus otp-code` prints codes of these only.
DEMO_DEVICE = "demo"
SECOND_FACTOR_ROLES = {Role.CITY_ADMIN, Role.AUDITOR, Role.SECURITY_ADMIN, Role.DISTRICT_OFFICER}

# code, name, GeoJSON feature, marker centre, weight (data.DISTRICTS).
DistrictRow = tuple[str, str, str, tuple[float, float], int]


@dataclass
class GenerationResult:
    cities: int = 0
    districts: int = 0
    schools: int = 0
    universities: int = 0
    training_institutions: int = 0
    users: int = 0
    # What each app's builder made: {label: count}, in the order they ran, and how long it took.
    steps: dict[str, int] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class DemoCity:
    """What the apps' demo builders are given (core/registry.py `DemoStep`): the tree and the
    demo users just inserted, the seed (each builder seeds its own generators from it, so that
    one builder's draws never shift another's) and the moment the city is generated at."""

    seed: int
    scale: int
    root: OrgUnit  # the province, or the city at scale 1: where catalogs and rules are published
    cities: list[OrgUnit]  # Yantai first
    principals: dict[int, User]  # school unit id -> its demo principal
    staff: dict[int, User]  # school unit id -> its demo staff member (first schools only)
    inspector: User
    # The first school of each district: where the school-level demo logins work.
    first_schools: dict[str, int]  # district code -> school unit id
    today: date
    now: datetime
    # role -> unit id -> the (first) demo user holding that role there: who reports, rectifies,
    # verifies and responds in the records the builders make.
    holders: dict[str, dict[int, User]] = field(default_factory=dict)

    @property
    def yantai(self) -> OrgUnit:
        return self.cities[0]

    def holder(self, role: str, unit_id: int | None) -> User | None:
        return self.holders.get(role, {}).get(unit_id) if unit_id is not None else None

    def rng(self, *names: object) -> random.Random:
        """A generator seeded from the seed and `names` ("buildings", city code …)."""
        return random.Random("-".join(str(n) for n in (self.seed, *names)))


@dataclass
class _Plan:
    """Rows to insert, built in memory first so the inserts can be bulk and level by level."""

    units: list[OrgUnit]
    schools: list[tuple[str, dict[str, Any]]]  # (unit code, School fields)
    users: list[tuple[str, str, str]]  # (username, role, unit code)


def _split(total: int, weights: list[int]) -> list[int]:
    """Split total by weights, exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def _person(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + "".join(rng.choices(data.GIVEN, k=rng.choice((1, 2))))


class _CityBuilder:
    def __init__(
        self,
        rng: random.Random,
        plan: _Plan,
        parent: OrgUnit | None,
        code: str,
        name: str,
        yantai: bool,
    ) -> None:
        self.rng, self.plan, self.yantai = rng, plan, yantai
        self.city = self._unit(UnitKind.CITY, parent, code, name, data.CITY[2] if yantai else None)
        self.names: dict[str, set[str]] = {}
        self.sequence: dict[str, itertools.count[int]] = {}

    def _unit(
        self,
        kind: UnitKind,
        parent: OrgUnit | None,
        code: str,
        name: str,
        point: tuple[float, float] | None = None,
        feature: str = "",
    ) -> OrgUnit:
        unit = OrgUnit(
            kind=kind,
            parent=parent,
            name=name,
            code=code,
            map_feature=feature,
            path=f"{parent.path if parent else '/'}{code}/",
            depth=parent.depth + 1 if parent else 0,
            longitude=point[0] if point else None,
            latitude=point[1] if point else None,
        )
        self.plan.units.append(unit)
        return unit

    def _point(self, district_row: DistrictRow) -> tuple[float, float]:
        _code, _name, feature, centre, _w = district_row
        if feature:
            point = geo.point_in_feature(self.rng, feature)
            if point:
                return point
        return geo.point_near(self.rng, centre, 0.06)

    def _name(self, parent: OrgUnit, prefix: str, school_type: SchoolType) -> str:
        taken = self.names.setdefault(parent.code, set())
        words = data.TRAINING_WORDS if school_type == SchoolType.TRAINING else data.WORDS
        suffix = data.SUFFIX[school_type]
        for attempt in range(50):
            word = self.rng.choice(words)
            if attempt > 5:
                word += f"第{data.CHINESE_ORDINALS[self.rng.randrange(len(data.CHINESE_ORDINALS))]}"
            name = f"{prefix}{word}{suffix}"
            if name not in taken:
                taken.add(name)
                return name
        name = f"{prefix}{suffix}{len(taken) + 1}"
        taken.add(name)
        return name

    def _school(
        self,
        parent: OrgUnit,
        district: OrgUnit | None,
        district_row: DistrictRow,
        school_type: SchoolType,
        name: str | None = None,
    ) -> str:
        seq = self.sequence.setdefault(parent.code, itertools.count(1))
        code = f"{parent.code}{next(seq):04d}"
        short = (
            parent.name.removesuffix("综合试验区")
            .removesuffix("经济技术开发区")
            .removesuffix("高新区")
        )
        prefix = (
            "烟台市"
            if parent.kind == UnitKind.CITY
            else short.rstrip("区市")
            if len(short) > 2
            else short
        )
        name = name or self._name(parent, prefix, school_type)
        point = self._point(district_row)
        self._unit(UnitKind.SCHOOL, parent, code, name, point)
        (low, high), ratio = data.SIZES[school_type]
        students = int(self.rng.triangular(low, high, low + (high - low) * 0.3))
        boarding = self.rng.random() < data.BOARDING_SHARE.get(school_type, 0.02)
        private = self.rng.random() < data.PRIVATE_SHARE.get(school_type, 0.0)
        self.plan.schools.append(
            (
                code,
                {
                    "school_type": school_type,
                    "ownership": Ownership.PRIVATE if private else Ownership.PUBLIC,
                    "boarding": boarding,
                    "students": students,
                    "boarders": int(students * self.rng.uniform(0.3, 0.9)) if boarding else 0,
                    "staff": max(3, round(students / ratio * self.rng.uniform(0.85, 1.15))),
                    "address": f"{self.city.name}{parent.name if parent.kind == UnitKind.DISTRICT else ''}{self.rng.choice(data.WORDS)}路{self.rng.randint(1, 399)}号",
                    "district_code": district.code if district else None,
                },
            )
        )
        self.plan.users.append((f"p{code}", Role.PRINCIPAL, code))
        self.plan.users.append((f"s{code}", Role.SAFETY_DIRECTOR, code))
        return code

    def build(self, district_rows: list[DistrictRow]) -> None:
        weights = [row[4] for row in district_rows]
        districts = [
            self._unit(UnitKind.DISTRICT, self.city, code, name, centre, feature)
            for code, name, feature, centre, _w in district_rows
        ]
        for district in districts:
            self.plan.users.append((f"d{district.code}", Role.DISTRICT_OFFICER, district.code))
        city_row: DistrictRow = ("", "", "", data.CITY[2], 0)
        for school_type, total in data.BASIC_COUNTS.items():
            direct = data.DIRECT_COUNTS.get(school_type, 0)
            for _ in range(direct):
                self._school(self.city, None, city_row, school_type)
            for district, row, n in zip(
                districts, district_rows, _split(total - direct, weights), strict=True
            ):
                for _ in range(n):
                    self._school(district, district, row, school_type)
        by_code = {d.code: (d, row) for d, row in zip(districts, district_rows, strict=True)}
        for index, (district_code, name) in enumerate(data.UNIVERSITIES):
            district, row = by_code.get(district_code) or (
                districts[index % len(districts)],
                district_rows[index % len(districts)],
            )
            self._school(
                district,
                district,
                row,
                SchoolType.UNIVERSITY,
                name if self.yantai else f"{self.city.name}{name}",
            )
        for district, row, n in zip(
            districts, district_rows, _split(data.TRAINING_INSTITUTIONS, weights), strict=True
        ):
            for _ in range(n):
                self._school(district, district, row, SchoolType.TRAINING)


def _synthetic_districts(city_code: str, city_name: str) -> list[DistrictRow]:
    """Districts of an extra province-scale city: Yantai's shape under other names and codes."""
    short = city_name.removesuffix("市")
    return [
        (f"{city_code}{i + 1:02d}", f"{short}{data.WORDS[i * 3]}区", "", centre, weight)
        for i, (_c, _n, _f, centre, weight) in enumerate(data.DISTRICTS)
    ]


def _plan(scale: int, seed: int) -> _Plan:
    rng = random.Random(seed)
    plan = _Plan(units=[], schools=[], users=[])
    if scale == 1:
        builder = _CityBuilder(rng, plan, None, data.CITY[0], data.CITY[1], yantai=True)
        builder.build(data.DISTRICTS)
        root = builder.city
    else:
        root = OrgUnit(
            kind=UnitKind.PROVINCE,
            name=data.PROVINCE[1],
            code=data.PROVINCE[0],
            path=f"/{data.PROVINCE[0]}/",
            depth=0,
        )
        plan.units.append(root)
        _CityBuilder(rng, plan, root, data.CITY[0], data.CITY[1], yantai=True).build(data.DISTRICTS)
        extra = data.OTHER_CITIES + [
            (f"9{i:03d}", f"第{i}示例市")
            for i in range(1, max(0, scale - 1 - len(data.OTHER_CITIES)) + 1)
        ]
        for code, name in extra[: scale - 1]:
            _CityBuilder(rng, plan, root, code, name, yantai=False).build(
                _synthetic_districts(code, name)
            )
    yantai_code = data.CITY[0]
    first_schools: dict[str, str] = {}  # Yantai's districts -> their first school's code
    for code, fields in plan.schools:
        district = fields["district_code"]
        if district and district.startswith(yantai_code):
            first_schools.setdefault(district, code)
    first_school = first_schools["370602"]
    plan.users[:0] = [
        ("admin", Role.CITY_ADMIN, root.code),
        ("city_officer", Role.CITY_OFFICER, yantai_code),
        ("inspector", Role.INSPECTOR, yantai_code),
        ("auditor", Role.AUDITOR, root.code),
        ("security_admin", Role.SECURITY_ADMIN, root.code),
        (f"t{first_school}", Role.STAFF, first_school),
        (f"c{first_school}", Role.COUNSELLOR, first_school),
        # A guard at the first school of each district: who walks its patrol rounds.
        *((f"g{code}", Role.GUARD, code) for code in first_schools.values()),
    ]
    return plan


def demo_city_generate(
    *,
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> GenerationResult:
    """Build the demo city into an empty database, in one transaction."""
    if scale < 1:
        raise BusinessRuleError("规模须为正整数")
    if OrgUnit.objects.exists():
        raise BusinessRuleError("数据库中已有组织机构，演示数据只能生成到空数据库中")
    started = time.perf_counter()
    step = progress or (lambda label, n: None)
    plan = _plan(scale, seed)
    step("规划", len(plan.units))
    result = GenerationResult()
    rng = random.Random(seed + 1)
    with (
        transaction.atomic(),
        audit_suppressed(
            Text(N_("生成演示城市：规模 %(scale)s，种子 %(seed)s"), scale=scale, seed=seed)
        ),
    ):
        # Insert level by level so that every parent has its primary key before its children.
        for depth in sorted({u.depth for u in plan.units}):
            level = [u for u in plan.units if u.depth == depth]
            for unit in level:
                unit.parent_id = unit.parent.pk if unit.parent is not None else None
            OrgUnit.objects.bulk_create(level, batch_size=1000)
            step("组织机构", len(level))
        by_code = {u.code: u for u in plan.units}
        schools = []
        for code, fields in plan.schools:
            fields = dict(fields)
            district_code = fields.pop("district_code")
            schools.append(
                School(
                    unit=by_code[code],
                    district=by_code[district_code] if district_code else None,
                    **fields,
                )
            )
        School.objects.bulk_create(schools, batch_size=1000)
        step("学校", len(schools))
        encoded = make_password(
            password or DEFAULT_PASSWORD
        )  # hashed once: the demo users share it
        created_at = timezone.now()
        users = [
            User(
                username=username,
                full_name=_person(rng),
                password=encoded,
                password_changed_at=created_at,
            )
            for username, _role, _code in plan.users
        ]
        User.objects.bulk_create(users, batch_size=1000)
        step("用户", len(users))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, unit=by_code[code], role=role)
                for user, (_u, role, code) in zip(users, plan.users, strict=True)
            ],
            batch_size=1000,
        )
        # The accounts that log in with a second factor get a confirmed TOTP device with a
        # secret known from the seed (`safecampus demo-logins`, `safecampus otp-code`).
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=user, name=DEMO_DEVICE, key=demo_otp_key(seed, user.username))
                for user, (_u, role, _c) in zip(users, plan.users, strict=True)
                if role in SECOND_FACTOR_ROLES
            ]
        )
        first_schools: dict[str, int] = {}
        for code, fields in plan.schools:
            district_code = fields["district_code"]
            if district_code and district_code not in first_schools:
                first_schools[district_code] = by_code[code].pk
        by_role = [
            (user, role, by_code[code].pk)
            for user, (_u, role, code) in zip(users, plan.users, strict=True)
        ]
        holders: dict[str, dict[int, User]] = {}
        for user, role, unit_id in by_role:
            holders.setdefault(role, {}).setdefault(unit_id, user)
        now = timezone.now()
        city = DemoCity(
            seed=seed,
            scale=scale,
            root=plan.units[0],
            cities=[u for u in plan.units if u.kind == UnitKind.CITY],
            principals={unit: u for u, role, unit in by_role if role == Role.PRINCIPAL},
            staff={unit: u for u, role, unit in by_role if role == Role.STAFF},
            inspector=next(u for u, role, _unit in by_role if role == Role.INSPECTOR),
            first_schools=first_schools,
            today=timezone.localdate(now),
            now=now,
            holders=holders,
        )
        for _app, demo_step in sorted(each("demo"), key=lambda found: found[1].order):
            # The city's records are written in Chinese, whatever the caller's language.
            began = time.perf_counter()
            with translation.override("zh-hans"):
                made = load(demo_step.builder)(city)
            result.steps[demo_step.label] = made
            result.step_seconds[demo_step.label] = time.perf_counter() - began
            step(demo_step.label, made)
    result.cities = sum(1 for u in plan.units if u.kind == UnitKind.CITY)
    result.districts = sum(1 for u in plan.units if u.kind == UnitKind.DISTRICT)
    result.schools = sum(
        1 for s in schools if s.school_type not in (SchoolType.UNIVERSITY, SchoolType.TRAINING)
    )
    result.universities = sum(1 for s in schools if s.school_type == SchoolType.UNIVERSITY)
    result.training_institutions = sum(1 for s in schools if s.school_type == SchoolType.TRAINING)
    result.users = len(users)
    result.seconds = time.perf_counter() - started
    return result


def demo_otp_key(seed: int, username: str) -> str:
    """The TOTP secret (hex, 20 bytes) of a demo account: known from the seed, so that scripts
    and the demo can log in (never for a real deployment: anyone can compute it)."""
    return hashlib.sha1(f"safecampus-demo-otp:{seed}:{username}".encode()).hexdigest()  # noqa: S324


def demo_logins() -> list[dict[str, str]]:
    """Every demo user with role, unit and — for the accounts with a demo second factor — the
    TOTP secret (base32, as authenticator apps take it), city first."""
    secrets = {
        username: b32encode(bytes.fromhex(key)).decode()
        for username, key in TOTPDevice.objects.filter(
            name=DEMO_DEVICE, confirmed=True
        ).values_list("user__username", "key")
    }
    rows = (
        RoleAssignment.objects.select_related("user", "unit")
        .order_by("unit__depth", "unit__path", "user__username")
        .values_list("role", "user__username", "unit__code", "unit__name")
    )
    return [
        {
            "role": role,
            "username": u,
            "org_code": c,
            "org_name": n,
            "totp_secret": secrets.get(u, ""),
        }
        for role, u, c, n in rows
    ]
