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
