"""The demo-city generator: deterministic, and at scale 1 the figures of the article."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q, Sum
from django.test import Client

from safecampus.demo import data
from safecampus.demo.generator import _plan, demo_city_generate
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType, UnitKind
from safecampus.orgs.models import OrgUnit, School

# The city is generated once (about 15 s): all its tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("demo_city")


@pytest.fixture(scope="module")
def _city_for_the_module(django_db_setup, django_db_blocker):
    """The scale-1 city, generated once for the module inside a transaction rolled back after
    it: each test runs in a savepoint within (pytest-django's `db`), so a test's own writes are
    undone while the city stays. Generating it per test cost ~15 s a test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_city_generate(scale=1, seed=2021, password="Demo-Pass-2026")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def city(_city_for_the_module, db):
    return _city_for_the_module


def test_scale_1_builds_the_yantai_sized_city(city):
    assert (city.cities, city.districts, city.schools, city.universities) == (1, 14, 1587, 14)
    assert city.training_institutions == data.TRAINING_INSTITUTIONS
    assert OrgUnit.objects.filter(kind=UnitKind.DISTRICT).count() == 14
    assert School.objects.filter(school_type__in=BASIC_SCHOOL_TYPES).count() == 1587
    assert School.objects.filter(
        school_type__in=BASIC_SCHOOL_TYPES, district__isnull=True
    ).count() == sum(data.DIRECT_COUNTS.values())
    assert set(OrgUnit.objects.filter(kind=UnitKind.DISTRICT).values_list("name", flat=True)) == {
        d[1] for d in data.DISTRICTS
    }
    for school_type, count in data.BASIC_COUNTS.items():
        assert School.objects.filter(school_type=school_type).count() == count


def test_every_school_lies_inside_its_district_and_names_are_unique_per_parent(city):
    from safecampus.demo import geo

    schools = School.objects.select_related("unit", "district").filter(district__map_feature__gt="")
    checked = 0
    for school in schools.iterator():
        rings = geo._polygons()[school.district.map_feature]
        point = (float(school.unit.longitude), float(school.unit.latitude))
        assert any(geo._inside(*point, ring) for ring in rings), school.unit.name
        checked += 1
    assert checked > 1500
    names = OrgUnit.objects.values_list("parent_id", "name")
    assert len(set(names)) == len(names)


def test_the_same_seed_gives_the_same_city_and_another_seed_another():
    first, second, other = _plan(1, 7), _plan(1, 7), _plan(1, 8)
    key = lambda plan: [(u.code, u.name, u.longitude, u.latitude) for u in plan.units]  # noqa: E731
    assert key(first) == key(second)
    assert first.schools == second.schools
    assert key(first) != key(other)


def test_larger_scales_build_a_province_of_cities():
    plan = _plan(3, 2021)
    cities = [u for u in plan.units if u.kind == UnitKind.CITY]
    assert [c.name for c in cities] == ["烟台市", "济南市", "青岛市"]
    assert len({u.code for u in plan.units}) == len(plan.units)
    basic = [
        s
        for s in plan.schools
        if s[1]["school_type"] not in (SchoolType.UNIVERSITY, SchoolType.TRAINING)
    ]
    assert len(basic) == 3 * 1587


def test_the_city_dashboard_shows_the_figures_from_records(city):
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"}
        ).status_code
        == 302
    )
    html = client.get("/").content.decode()
    assert 'data-figure="districts">14<' in html
    assert 'data-figure="schools">1,587<' in html
    summary = client.get("/api/v1/dashboard/summary").json()
    assert (summary["districts"], summary["schools"], summary["universities"]) == (14, 1587, 14)
    # Every figure equals a direct query of the records.
    basic = School.objects.filter(school_type__in=BASIC_SCHOOL_TYPES)
    direct = basic.aggregate(students=Sum("students"), staff=Sum("staff"))
    assert summary["students"] == direct["students"] and summary["staff"] == direct["staff"]
    assert summary["boarding"] == basic.filter(boarding=True).count()
    assert summary["directly_affiliated"] == basic.filter(district__isnull=True).count()
    assert (
        summary["training_institutions"]
        == School.objects.filter(school_type=SchoolType.TRAINING).count()
    )
    for row in summary["district_rows"]:
        mine = basic.filter(district_id=row["id"])
        assert row["schools"] == mine.count()
        assert row["students"] == mine.aggregate(n=Sum("students"))["n"]
    assert {t["type"]: t["count"] for t in summary["by_type"]}["kindergarten"] == 830


def test_a_district_officer_sees_exactly_their_district(city):
    zhifu = OrgUnit.objects.get(code="370602")
    expected = School.objects.filter(unit__path__startswith=zhifu.path).count()
    client = Client()
    client.post("/accounts/login/", {"username": "d370602", "password": "Demo-Pass-2026"})
    code = io.StringIO()
    call_command("otp-code", "d370602", stdout=code)  # the demo's second factor
    client.post("/accounts/login/code/", {"code": code.getvalue().strip()})
    body = client.get("/api/v1/schools?limit=500").json()
    assert body["count"] == expected
    assert {s["district_name"] for s in body["items"]} == {"芝罘区"}


def test_generation_refuses_a_database_that_already_has_a_tree(city):
    with pytest.raises(CommandError, match="已有组织机构"):
        call_command("generate", "--scale", "1")


def test_demo_logins_prints_csv_with_every_user(city):
    out = io.StringIO()
    call_command("demo-logins", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["role", "username", "org_code", "org_name", "totp_secret"]
    assert len(rows) == city.users
    assert {"admin", "city_officer", "auditor", "security_admin", "d370602"} <= {
        r["username"] for r in rows
    }
    # A TOTP secret for exactly the accounts that need a second factor; it gives the codes
    # `safecampus otp-code` prints.
    second_factor = {"city_admin", "auditor", "security_admin", "district_officer"}
    assert all(bool(r["totp_secret"]) == (r["role"] in second_factor) for r in rows)
    assert sum(r["role"] == "security_admin" for r in rows) == 1
    from base64 import b32decode

    from django_otp.oath import TOTP

    secret = next(r["totp_secret"] for r in rows if r["username"] == "admin")
    printed = io.StringIO()
    call_command("otp-code", "admin", stdout=printed)
    clock = TOTP(b32decode(secret))
    now = clock.time
    clock.time = now - 30  # the step may have turned since the command ran
    assert printed.getvalue().strip() in {
        f"{clock.token():06d}",
        f"{TOTP(b32decode(secret)).token():06d}",
    }
    with pytest.raises(CommandError, match="没有演示数据生成的动态口令设备"):
        call_command("otp-code", "city_officer")
    assert sum(r["role"] == "principal" for r in rows) == 1587 + 14 + data.TRAINING_INSTITUTIONS


def test_generation_leaves_one_summary_audit_entry(city):
    from safecampus.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="generate").count() == 1
    assert not AuditEntry.objects.filter(action="create", object_type="orgs.school").exists()


def test_the_demo_catalogs_have_the_official_counts(city):
    client = Client()
    client.post("/accounts/login/", {"username": "p3706020001", "password": "Demo-Pass-2026"})
    body = client.get("/api/v1/risk-catalogs?current=true").json()
    counts = {c["school_type"]: (c["points"], c["measures"]) for c in body["items"]}
    assert counts["k12"] == (372, 798)
    assert counts["kindergarten"] == (351, 703)
    assert set(counts) == {"k12", "kindergarten", "training", "university"}
    # The shipped starter entries are official; only the padding is marked as generated.
    generated = {c["school_type"]: c["generated_points"] for c in body["items"]}
    assert generated["training"] == 0 and 0 < generated["k12"] < 372


def test_the_2021_campaign_figures_are_computed_from_hazard_records(city):
    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    stats = client.get("/api/v1/hazards/stats?year=2021").json()
    assert (stats["found"], stats["rectified"], stats["rate"]) == (16835, 16712, 99.26)
    page = client.get("/hazards/?year=2021").content.decode()
    assert 'data-figure="found">16,835<' in page and 'data-figure="rate">99.26%<' in page
    # The figures are the records': found in 2021, and of those the closed ones.
    from safecampus.hazards.choices import HazardStatus
    from safecampus.hazards.models import Hazard

    found = Hazard.objects.filter(found_at__year=2021)
    assert found.count() == 16835
    assert found.filter(status=HazardStatus.CLOSED).count() == 16712
    # A district sees its own share, which adds up across the districts.
    by_district = (
        sum(
            client.get(f"/api/v1/hazards/stats?year=2021&district={d.pk}").json()["found"]
            for d in OrgUnit.objects.filter(kind=UnitKind.DISTRICT)
        )
        + client.get("/api/v1/hazards/stats?year=2021&district=0").json()["found"]
    )
    assert by_district == 16835


def test_the_demo_spot_check_is_planned_and_secret(city):
    from safecampus.inspections.models import Inspection

    planned = Inspection.objects.select_related("school__unit").order_by("pk")
    assert planned.count() == 6 and all(i.selection_reason for i in planned)
    inspector, principal = Client(), Client()
    inspector.post("/accounts/login/", {"username": "inspector", "password": "Demo-Pass-2026"})
    principal.post(
        "/accounts/login/",
        {"username": f"p{planned[0].school.unit.code}", "password": "Demo-Pass-2026"},
    )
    assert inspector.get("/api/v1/inspections").json()["count"] == 6
    assert principal.get("/api/v1/inspections").json()["count"] == 0


def test_the_demo_remediation_figures_come_from_records(city):
    """802 schools, 2,238 buildings and 8.13 million m² remediated by the end of 2020, computed
    by the platform from accepted projects; plus works under way and buildings still needing
    them."""
    from safecampus.buildings.models import Building, RemediationProject

    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    for query in ("?year=2020", "", "?as_of=2020-12-31"):
        rollup = client.get(f"/api/v1/buildings/remediation{query}").json()
        assert (rollup["schools"], rollup["buildings"], rollup["floor_area_m2"]) == (
            802,
            2238,
            8_130_000,
        )
    assert client.get("/api/v1/buildings/remediation?year=2019").json()["buildings"] < 2238
    assert rollup["needing_remediation"] > 0 and rollup["buildings_total"] > 2238
    assert rollup["projects"]["in_progress"] > 0 and rollup["projects"]["awaiting_acceptance"] > 0
    assert sum(row["buildings"] for row in rollup["rows"]) == 2238
    page = client.get("/buildings/?year=2020").content.decode()
    assert 'data-figure="schools">802<' in page and 'data-figure="buildings">2,238<' in page
    assert 'data-figure="floor_area">813<' in page and "8,130,000 m²" in page
    # The records themselves: accepted projects by the end of 2020 and the buildings they cover.
    accepted = RemediationProject.objects.filter(status="accepted", acceptance_on__year__lte=2020)
    covered = Building.objects.filter(projects__in=accepted).distinct()
    assert covered.count() == 2238 and covered.values("school").distinct().count() == 802
    assert sum(b.floor_area_m2 for b in covered) == 8_130_000


def test_the_demo_city_publishes_50_emergency_plans_and_every_school_adopts_its_own(city):
    from safecampus.audit.models import AuditEntry
    from safecampus.emergency.models import EmergencyPlan
    from safecampus.emergency.services import plan_for

    yantai = OrgUnit.objects.get(kind=UnitKind.CITY)
    assert EmergencyPlan.objects.filter(unit=yantai).count() == 50
    schools = School.objects.filter(school_type__in=BASIC_SCHOOL_TYPES)
    copies = EmergencyPlan.objects.filter(unit__kind=UnitKind.SCHOOL)
    kindergartens = schools.filter(school_type=SchoolType.KINDERGARTEN).count()
    # One plan per type at each school: 12, or 11 at a kindergarten (no drowning plan).
    assert copies.count() == 12 * city.schools - kindergartens
    assert copies.filter(adopted_from__unit=yantai, active=True).count() == copies.count()
    school = schools.select_related("unit").order_by("unit__path").first()
    assert plan_for(school, "intrusion").unit == school.unit
    # Seeded under the generator's one summary entry, not one entry per plan.
    assert not AuditEntry.objects.filter(object_type="emergency.emergencyplan").exists()


def test_the_demo_city_holds_the_articles_defense_figures_and_flips_under_168(city):
    """The article's 4,439 guards and 30,358 pieces of equipment, counted by the platform from
    the guard and equipment records; the 公治〔2015〕168号 rule set lowers a district's verdicts."""
    from safecampus.accounts.models import User
    from safecampus.defenses.models import Equipment, Guard
    from safecampus.rules.models import RuleSet
    from safecampus.rules.services import rule_set_assign

    client = Client()
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    summary = client.get("/api/v1/defenses/summary").json()
    assert (summary["schools"], summary["guards"], summary["equipment"]) == (1587, 4439, 30358)
    basic = Q(school__school_type__in=BASIC_SCHOOL_TYPES)
    assert Guard.objects.filter(basic, active=True).count() == 4439
    assert Equipment.objects.filter(basic).aggregate(n=Sum("quantity"))["n"] == 30358
    for key in ("guard_rate", "closure_rate", "gate_post_rate"):
        assert 95 < summary[key] < 100, key
    zhifu = OrgUnit.objects.get(code="370602")
    url = f"/api/v1/defenses/summary?district={zhifu.pk}"
    before = client.get(url).json()["guard_schools"]
    gz168 = RuleSet.objects.get(kind="guard_staffing", name__startswith="公治")
    rule_set_assign(user=admin, unit=zhifu, rule_set=gz168)
    assert client.get(url).json()["guard_schools"] < before
