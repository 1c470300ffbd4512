"""The scope matrix: every page and every API operation, for every persona (tests/matrix/).

The routes are read from the code (the URL resolver and /api/v1/openapi.json); a route
without a declaration in tests/matrix/<app>.py fails `test_every_route_is_declared`. Each
declaration then runs for the 14 personas and an anonymous caller: the exact status, no
marker of a unit or record outside the caller's tree in a 200 answer, nothing changed by a
refused write (docs/permissions.md; tests/matrix/dsl.py)."""

import pytest
from django.db import transaction
from django.test import Client

from .matrix import fixtures
from .matrix.dsl import check
from .matrix.walker import declarations, operations, stale, undeclared, url_patterns

ENDPOINTS, EXCLUDED = declarations()


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The fixture once for the module, in a transaction rolled back at its end; each test
    runs in a savepoint inside it (and each request in one more, see dsl.check)."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = fixtures.build()
        built.clients = fixtures.clients(built)
        yield built
        transaction.set_rollback(True)


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
def test_scope(endpoint, matrix, document, db):
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


def test_a_wrong_declaration_is_reported(matrix, document, db):
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
