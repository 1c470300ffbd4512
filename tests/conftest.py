"""The base fixture: a small city with named personas.

city 测试市
├── district A: school A1 (primary), school A2 (kindergarten)
├── district B: school B1 (junior)
└── school C1 (directly affiliated senior school)

Personas (username = attribute name): city_admin, city_officer, inspector, auditor and
security_admin at the city; district_a (officer of A), district_b (officer of B); principal_a1,
director_a1, staff_a1, guard_a1, counsellor_a1 at A1; teacher_b1 at B1, who must see nothing of
A; principal_c1 at C1.

The personas whose role requires a second factor (city_admin, auditor, security_admin and the
district officers) hold a confirmed TOTP device (`factories.otp_code` gives its current code),
and a test client's `force_login` counts as a login that passed the second factor and checked
the password just now (`_logins_pass_the_second_factor`): the tests of the login itself go
through the login page.
"""

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client

from safecampus.orgs.choices import SchoolType, UnitKind

from .factories import (
    PASSWORD,
    OrgUnitFactory,
    RoleAssignmentFactory,
    SchoolFactory,
    UserFactory,
    otp_device,
)

# The roles whose accounts log in with a second factor (accounts.second_factor).
SECOND_FACTOR_ROLES = {"city_admin", "auditor", "security_admin", "district_officer"}


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
    "security_admin": ("security_admin", "city"),
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The browser tests share one demo server (its city takes a minute to generate): under
    # pytest-xdist they all run on one worker.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True, scope="session")
def _logins_pass_the_second_factor():
    """A test client's force_login stands for a complete login: both factors passed (the
    session carries the mark the second-factor middleware asks of the accounts that need
    one) and the password checked just now (re-authentication, accounts/reauth.py)."""
    from django.utils import timezone

    from safecampus.accounts.reauth import SESSION_AUTH_AT
    from safecampus.accounts.second_factor import SESSION_VERIFIED

    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        session = self.session
        session[SESSION_VERIFIED] = "test"
        session[SESSION_AUTH_AT] = int(timezone.now().timestamp())
        session.save()

    Client.force_login = force_login
    yield
    Client.force_login = plain


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans): a request in English, or a test
    that switched, leaves its language active in the thread for whichever test comes next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test's database starts from the same data versions (core/dataversion.py): figures
    cached by an earlier test must not be served to the next."""
    from django.core.cache import cache

    cache.clear()


def _world_build() -> World:
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
        if role in SECOND_FACTOR_ROLES:
            otp_device(user)
        users[name] = user
    return World(city, district_a, district_b, a1, a2, b1, c1, users)


def _world_load(built: World) -> World:
    """Fresh instances of the module's world for one test: a test that changes one of them in
    memory, or saves it, leaves nothing behind for the next (its rows roll back with it)."""
    from safecampus.accounts.models import User
    from safecampus.orgs.models import OrgUnit, School

    units = OrgUnit.objects.in_bulk([built.city.pk, built.district_a.pk, built.district_b.pk])
    schools = School.objects.select_related("unit").in_bulk(
        [built.a1.pk, built.a2.pk, built.b1.pk, built.c1.pk]
    )
    users = User.objects.in_bulk([user.pk for user in built.users.values()])
    return World(
        units[built.city.pk],
        units[built.district_a.pk],
        units[built.district_b.pk],
        schools[built.a1.pk],
        schools[built.a2.pk],
        schools[built.b1.pk],
        schools[built.c1.pk],
        {name: users[user.pk] for name, user in built.users.items()},
    )


def _world_shared_by_the_module(items: list[pytest.Item]) -> bool:
    """Whether the module's world can be built once: not when one of its tests commits
    (transactional: it must not run inside a transaction the module holds open), nor when one
    uses the database without the world (it expects a database without the world's rows)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        if "transactional_db" in names or (marker and marker.kwargs.get("transaction")):
            return False
        if "world" not in names and ("db" in names or marker):
            return False
    return True


class _ModuleWorld:
    """The world of one module, built inside a transaction that the module holds open and
    rolls back at its end. Each test runs in a savepoint within (pytest-django's `db`), so its
    own writes are undone while the world stays."""

    def __init__(self) -> None:
        self.built: World | None = None
        self._outer: transaction.Atomic | None = None

    def start(self) -> None:
        self._outer = transaction.atomic()
        self._outer.__enter__()
        self.built = _world_build()

    def stop(self) -> None:
        assert self._outer is not None
        transaction.set_rollback(True)
        self._outer.__exit__(None, None, None)
        self._outer = None

    def revive(self) -> None:
        """A test whose code closed the database connection (channels' database_sync_to_async
        does, on PostgreSQL) ended the module's transaction with it: build the world again."""
        if connection.closed_in_transaction:
            self.stop()
            self.start()


_module_worlds: dict[object, _ModuleWorld] = {}


@pytest.fixture(scope="module")
def _world_for_the_module(request, django_db_setup, django_db_blocker):
    items = [item for item in request.session.items if item.module is request.module]
    if not _world_shared_by_the_module(items):
        yield None
        return
    with django_db_blocker.unblock():
        shared = _ModuleWorld()
        shared.start()
        _module_worlds[request.module] = shared
        try:
            yield shared
        finally:
            del _module_worlds[request.module]
            shared.stop()


@pytest.fixture(autouse=True)
def _module_world_alive(request, django_db_blocker):
    # Autouse, so it runs before `db` opens the test's savepoint inside the module's transaction.
    shared = _module_worlds.get(request.module)
    if shared is not None:
        with django_db_blocker.unblock():
            shared.revive()


@pytest.fixture
def world(_world_for_the_module, db) -> World:
    # `db` is transactional for a test that asks for it (marker or `transactional_db`).
    if _world_for_the_module is None:
        return _world_build()
    assert _world_for_the_module.built is not None
    return _world_load(_world_for_the_module.built)


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
