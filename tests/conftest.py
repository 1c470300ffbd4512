"""The base fixture: a small city with named personas.

city 测试市
├── district A: school A1 (primary), school A2 (kindergarten)
├── district B: school B1 (junior)
└── school C1 (directly affiliated senior school)

Personas (username = attribute name): city_admin, city_officer, inspector and auditor at the
city; district_a (officer of A), district_b (officer of B); principal_a1, director_a1,
staff_a1, guard_a1, counsellor_a1 at A1; teacher_b1 at B1, who must see nothing of A;
principal_c1 at C1.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from safecampus.orgs.choices import SchoolType, UnitKind

from .factories import PASSWORD, OrgUnitFactory, RoleAssignmentFactory, SchoolFactory, UserFactory


@dataclass
class World:
    city: object
    district_a: object
    district_b: object
    a1: object
    a2: object
    b1: object
    c1: object
    users: dict


# persona -> (role, unit attribute)
PERSONAS = {
    "city_admin": ("city_admin", "city"),
    "city_officer": ("city_officer", "city"),
    "inspector": ("inspector", "city"),
    "auditor": ("auditor", "city"),
    "district_a": ("district_officer", "district_a"),
    "district_b": ("district_officer", "district_b"),
    "principal_a1": ("principal", "a1"),
    "director_a1": ("safety_director", "a1"),
    "staff_a1": ("staff", "a1"),
    "guard_a1": ("guard", "a1"),
    "counsellor_a1": ("counsellor", "a1"),
    "teacher_b1": ("staff", "b1"),
    "principal_c1": ("principal", "c1"),
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test's database starts from the same data versions (core/dataversion.py): figures
    cached by an earlier test must not be served to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db) -> World:
    city = OrgUnitFactory(kind=UnitKind.CITY, name="测试市", code="T1")
    district_a = OrgUnitFactory(kind=UnitKind.DISTRICT, parent=city, name="甲区", code="TA")
    district_b = OrgUnitFactory(kind=UnitKind.DISTRICT, parent=city, name="乙区", code="TB")
    a1 = SchoolFactory(unit__parent=district_a, unit__name="甲区第一小学", unit__code="TA01")
    a2 = SchoolFactory(
        unit__parent=district_a,
        unit__name="甲区幼儿园",
        unit__code="TA02",
        school_type=SchoolType.KINDERGARTEN,
        students=200,
        staff=25,
    )
    b1 = SchoolFactory(
        unit__parent=district_b,
        unit__name="乙区初级中学",
        unit__code="TB01",
        school_type=SchoolType.JUNIOR,
        students=900,
        staff=70,
    )
    c1 = SchoolFactory(
        unit__parent=city,
        unit__name="测试市第一中学",
        unit__code="TC01",
        school_type=SchoolType.SENIOR,
        students=2400,
        staff=180,
        boarding=True,
        boarders=1200,
    )
    units = {
        "city": city,
        "district_a": district_a,
        "district_b": district_b,
        "a1": a1.unit,
        "a2": a2.unit,
        "b1": b1.unit,
        "c1": c1.unit,
    }
    users = {}
    for name, (role, unit) in PERSONAS.items():
        user = UserFactory(username=name)
        RoleAssignmentFactory(user=user, unit=units[unit], role=role)
        users[name] = user
    return World(city, district_a, district_b, a1, a2, b1, c1, users)


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def as_user(world, client):
    """as_user("district_a") -> a test client logged in as that persona."""

    def _as(name: str) -> Client:
        c = Client()
        c.force_login(world.users[name])
        return c

    return _as


@pytest.fixture
def password():
    return PASSWORD
