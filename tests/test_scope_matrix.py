"""The scope matrix: every page and every API operation, for every persona (tests/matrix/).

The routes are read from the code (the URL resolver and /api/v1/openapi.json); a route
without a declaration in tests/matrix/<app>.py fails `test_every_route_is_declared`. Each
declaration then runs for the 14 personas and an anonymous caller: the exact status, no
marker of a unit or record outside the caller's tree in a 200 answer, nothing changed by a
refused write, and — for the school and district of the secret spot check — every list, count
and figure as it was before the check was planned (docs/permissions.md; tests/matrix/dsl.py)."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from .matrix import fixtures
from .matrix.dsl import SECRET_READERS, baseline, check
from .matrix.walker import declarations, operations, stale, undeclared, url_patterns

ENDPOINTS, EXCLUDED = declarations()
# One worker builds the fixture and its baseline once, rather than each worker its own.
pytestmark = pytest.mark.xdist_group("scope_matrix")


@pytest.fixture(scope="module")
def matrix(_world_for_the_module, django_db_blocker):
    """The fixture once for the module, on the module's world (tests/conftest.py: every test
    here that touches the database asks for `world`), in a savepoint rolled back at the
    module's end; each test runs in a savepoint inside it (each request in one more,
    dsl.check)."""
    assert _world_for_the_module is not None, "a test of this module uses the db, not `world`"
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()  # another module's figures, cached under versions its rollback reused
        built = fixtures.build(_world_for_the_module.built)
        built.clients = fixtures.clients(built)
        built.baseline = baseline(ENDPOINTS, built)
        told = fixtures.notices(SECRET_READERS)
        fixtures.plant_secret(built)
        built.told = (told, fixtures.notices(SECRET_READERS))
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Not cleared before each test here (tests/conftest.py does it elsewhere): every request
    of the matrix runs in a savepoint rolled back after it, and `check` clears the cache after
    any request that moved a data version; so the figures and grants one test cached are
    still right for the next, and are not computed again for each endpoint."""


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


def test_every_route_is_declared(document):
    patterns, ops = url_patterns(), operations(document)
    assert undeclared(patterns, ops, ENDPOINTS, EXCLUDED) == []
    assert stale(patterns, ops, ENDPOINTS) == []
    names = [e.name for e in ENDPOINTS]
    assert len(names) == len(set(names)), "a route declared twice: give one a variant"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_scope(endpoint, matrix, document, world):
    problems, _ = check(endpoint, matrix, document)
    assert not problems, "\n".join([endpoint.name, *problems])


def test_a_route_without_a_declaration_is_reported_by_name(document):
    """A new page or API operation nobody declared fails the walker, named."""
    patterns = [*url_patterns(), ("drills/", "drills:index")]
    ops = [*operations(document), "GET /api/v1/drills"]
    assert undeclared(patterns, ops, ENDPOINTS, EXCLUDED) == [
        "drills:index (/drills/)",
        "GET /api/v1/drills",
    ]


def test_a_wrong_declaration_is_reported(matrix, document, world):
    """A declaration expecting 404 where the endpoint answers 200 fails, and so does a 200 that
    shows the marker of a record outside the caller's tree."""
    from dataclasses import replace

    from .matrix.dsl import E

    wrong = E("GET /api/v1/hazards", "hazard.view", status={"district_a": 404})
    problems, _ = check(wrong, matrix, document, personas=["district_a"])
    assert problems == ["district_a: 200, declared 404"]
    # As if A1's records were B1's: district A's list now leaks them.
    moved = replace(matrix, markers={"MXA1": matrix.units["b1"]})
    problems, _ = check(E("GET /api/v1/hazards", "hazard.view"), moved, document, ["district_a"])
    assert problems == ["district_a: 200 shows what is outside its scope: ['MXA1']"]


def test_every_success_a_declaration_names_exists():
    """A write whose allowed callers are not run to success here names the test that does."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for endpoint in ENDPOINTS:
        if endpoint.covered_by:
            path, _, name = endpoint.covered_by.partition("::")
            text = (root / path).read_text(encoding="utf-8")
            assert not name or f"def {name}(" in text, endpoint.name


def test_nobody_below_the_organizer_is_told_of_the_secret(matrix):
    """Planning the secret spot check sends no message to its school's people, its district's
    officer or auditor, and nothing out (webhooks, SMS …)."""
    before, after = matrix.told
    assert after == before


def test_a_count_that_moves_with_the_secret_is_reported(matrix, document, world):
    """The reads of the secret's school and district are compared with what they answered
    before it was planted: once it has started (visible to the school, as it should be then),
    the school's inspection list differs and the checker says so."""
    from safecampus.inspections.services import inspection_start

    listing = next(e for e in ENDPOINTS if e.name == "GET /api/v1/inspections")
    inspection_start(user=matrix.world.users["inspector"], inspection=matrix.objects["secret"])
    try:
        problems, _ = check(listing, matrix, document, personas=["principal_a1"])
    finally:
        cache.clear()  # figures cached under versions the test's rollback hands out again
    assert any(
        p.startswith("principal_a1: the secret spot check shows through: ") for p in problems
    )
