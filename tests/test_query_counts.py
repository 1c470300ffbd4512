"""Lists and dashboards run a fixed number of queries, however many rows they show (no N+1)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import RoleAssignmentFactory, SchoolFactory, UserFactory

URLS = [
    ("city_officer", "/"),
    ("city_officer", "/schools/"),
    ("city_officer", "/api/v1/schools?limit=100"),
    ("city_officer", "/api/v1/orgs?limit=100"),
    ("city_officer", "/api/v1/dashboard/summary"),
    ("district_a", "/"),
    ("auditor", "/audit/"),
    ("auditor", "/api/v1/audit/entries?limit=100"),
    ("city_admin", "/accounts/users/"),
    ("city_admin", "/api/v1/users?limit=100"),
]


def _count(client, url) -> int:
    # Counted on the uncached path (cached statistics would hide the queries that compute them).
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("persona", "url"), URLS)
def test_the_query_count_does_not_grow_with_the_rows(world, as_user, persona, url):
    client = as_user(persona)
    _count(client, url)  # warm: session, caches
    before = _count(client, url)
    for n in range(20):
        school = SchoolFactory(
            unit__parent=world.district_a, unit__name=f"新增学校{n}", unit__code=f"TX{n:02d}"
        )
        RoleAssignmentFactory(user=UserFactory(), unit=school.unit, role="principal")
    assert _count(client, url) == before


HAZARD_URLS = [
    ("district_a", "/hazards/"),
    ("district_a", "/api/v1/hazards?limit=100"),
    ("city_officer", "/hazards/stats/?group=school"),
    ("staff_a1", "/risks/my-checks/"),
    ("inspector", "/inspections/"),
]


@pytest.mark.parametrize(("persona", "url"), HAZARD_URLS)
def test_hazard_and_check_lists_do_not_grow_with_the_rows(world, as_user, persona, url):
    from safecampus.hazards.services import hazard_assign, hazard_report

    def add(n):
        for _ in range(n):
            hazard, _created = hazard_report(
                user=world.users["staff_a1"],
                school=world.a1,
                description="扶手松动",
                source="report",
            )
            hazard_assign(
                user=world.users["director_a1"], hazard=hazard, owner=world.users["staff_a1"]
            )

    add(2)
    client = as_user(persona)
    _count(client, url)
    before = _count(client, url)
    add(10)
    assert _count(client, url) == before
