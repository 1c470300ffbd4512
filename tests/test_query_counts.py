"""Lists and dashboards run a fixed number of queries, however many rows they show (no N+1)."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.audit.context import Actor, acting_as
from safecampus.audit.services import audit_created
from safecampus.orgs.choices import UnitKind

from .factories import OrgUnitFactory, RoleAssignmentFactory, SchoolFactory, UserFactory

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


def _get(client, url):
    # Counted on the uncached path (cached statistics would hide the queries that compute them).
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries), response


def _count(client, url) -> int:
    return _get(client, url)[0]


def _rows(response) -> int:
    """How many rows the answer lists: the API's `count`, or a page's table rows (cards on
    the checks page); the dashboards list districts and count schools, so there both."""
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return body["count"] if "count" in body else body["districts"] + body["schools"]
    html = response.content.decode()
    if 'id="chart-data"' in html:
        chart = json.loads(
            html.split('id="chart-data" type="application/json">')[1].split("</script>")[0]
        )
        return len(chart["districts"]) + sum(d["schools"] for d in chart["districts"])
    if 'data-testid="my-checks"' in html:  # one card per measure
        return html.count('data-testid="check-')
    return html.count("<tr")


def _grow(world, n: int) -> None:
    """Rows of every kind the URLs list, inside each persona's scope: two more districts with
    a school each (the city's dashboards list districts), and n schools of district A, each
    with a principal and an audit entry (filed under the school, inside the city)."""
    for i in range(2):
        district = OrgUnitFactory(
            kind=UnitKind.DISTRICT, parent=world.city, name=f"新增区{i}", code=f"TN{i}"
        )
        SchoolFactory(unit__parent=district, unit__name=f"新增区{i}学校", unit__code=f"TN{i}01")
    for i in range(n):
        school = SchoolFactory(
            unit__parent=world.district_a, unit__name=f"新增学校{i}", unit__code=f"TX{i:02d}"
        )
        user = UserFactory()
        RoleAssignmentFactory(user=user, unit=school.unit, role="principal")
        with acting_as(Actor(user_id=user.pk, username=user.username, channel="web")):
            audit_created([school])


@pytest.mark.parametrize(("persona", "url"), URLS)
def test_the_query_count_does_not_grow_with_the_rows(world, as_user, persona, url):
    client = as_user(persona)
    _count(client, url)  # warm: session, caches
    before, first = _get(client, url)
    _grow(world, 20)
    after, second = _get(client, url)
    # The second page really lists more rows, so that an N+1 would show in the count.
    assert _rows(second) > _rows(first)
    assert after == before


HAZARD_URLS = [
    ("district_a", "/hazards/"),
    ("district_a", "/api/v1/hazards?limit=100"),
    ("city_officer", "/hazards/stats/?group=school"),
    ("staff_a1", "/risks/my-checks/"),
    ("inspector", "/inspections/"),
]


@pytest.mark.parametrize(("persona", "url"), HAZARD_URLS)
def test_hazard_and_check_lists_do_not_grow_with_the_rows(world, as_user, persona, url):
    from datetime import date

    from safecampus.hazards.services import hazard_assign, hazard_report
    from safecampus.inspections.services import (
        campaign_create,
        checklist_from_catalog,
        inspection_plan,
    )
    from safecampus.risks import excel
    from safecampus.risks.models import Aspect
    from safecampus.risks.services import catalog_import
    from safecampus.threelists.models import ResponsibilityItem
    from safecampus.threelists.services import risk_point_add

    officer, director = world.users["city_officer"], world.users["director_a1"]
    catalog = catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=excel.workbook_bytes(
            [
                [
                    "T-01-001",
                    "01",
                    "教学楼",
                    "疏散通道堵塞",
                    "杂物",
                    "火灾",
                    "较大",
                    "每日检查",
                    "总务处",
                    "安全员",
                    "每日",
                ]
            ]
        ),
    )
    checklist = checklist_from_catalog(user=officer, unit=world.city, catalog=catalog, name="表")
    aspect = Aspect.objects.order_by("code").first()
    batches = iter(range(100))

    def add(n, schools):
        """n of each row kind the URLs list: hazards (at each of `schools`, so that the
        statistics by school gain rows), measures the teacher checks, campaigns with an
        inspection each."""
        batch = next(batches)
        for school in schools:
            for _ in range(n):
                hazard, _created = hazard_report(
                    user=world.users["district_a"],
                    school=school,
                    description="扶手松动",
                    source="report",
                )
                hazard_assign(
                    user=world.users["district_a"], hazard=hazard, owner=world.users["district_a"]
                )
        for i in range(n):
            point = risk_point_add(
                user=director,
                school=world.a1,
                aspect=aspect,
                code=f"X-{batch}-{i}",
                place="操场",
                name=f"器材{batch}-{i}",
                hazard="松动",
                accident="受伤",
                level="general",
            )
            ResponsibilityItem.objects.create(
                risk_point=point,
                text="每日检查器材",
                department="体育组",
                post="体育教师",
                person=world.users["staff_a1"],
                frequency="daily",
            )
            campaign = campaign_create(
                user=officer,
                unit=world.city,
                name=f"专项检查{batch}-{i}",
                kind="special",
                starts_on=date(2026, 12, 1),
                ends_on=date(2026, 12, 31),
                template=checklist,
            )
            inspection_plan(
                user=officer, campaign=campaign, school=world.a1, team=[world.users["inspector"]]
            )

    add(2, [world.a1])
    client = as_user(persona)
    _count(client, url)
    before, first = _get(client, url)
    add(10, [world.a1, world.a2])
    after, second = _get(client, url)
    # The second page really lists more rows, so that an N+1 would show in the count.
    assert _rows(second) > _rows(first)
    assert after == before
