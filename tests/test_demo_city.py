"""The demo-city generator: deterministic, and at scale 1 the figures of the article."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q, Sum
from django.test import Client
from django.utils import timezone

from safecampus.demo import data
from safecampus.demo.generator import _plan, demo_city_generate
from safecampus.demo.history import ARTICLE_DAY, HISTORY_START, end_of
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType, UnitKind
from safecampus.orgs.models import OrgUnit, School

from .clock import clock_fixture  # noqa: F401 — the `clock` fixture

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


def _as_of_article(qs, start: str, end: str, *, last_day: bool = False):
    """Records in service on the article's day by their dates (a blank start: always), as the
    four 100% read them (defenses.indicators): an end date is the first day out, or with
    `last_day` the last day in."""
    ended = Q(**{f"{end}__gte" if last_day else f"{end}__gt": ARTICLE_DAY})
    started = Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": ARTICLE_DAY})
    return qs.filter(started & (Q(**{f"{end}__isnull": True}) | ended))


def test_the_articles_hazard_figures_come_from_the_records_as_of_its_day(city):
    """In 2021 up to the article's day the city found 16,835 hazards and had closed 16,712 of
    them by that day: 99.26% as the platform computes a rate. The records go on past the day
    (the rest of 2021 and the later years), so the year's figures today are larger."""
    from safecampus.hazards.choices import HazardStatus
    from safecampus.hazards.models import Hazard
    from safecampus.hazards.selectors import rectification_rate

    day_after = end_of(ARTICLE_DAY)
    found = Hazard.objects.filter(found_at__year=2021, found_at__lt=day_after)
    rectified = found.filter(closed_at__lt=day_after)
    assert (found.count(), rectified.count()) == (16835, 16712)
    assert rectification_rate(rectified.count(), found.count()) == 99.26
    # The timelines agree: every one of them was closed (accepted) by that day.
    from safecampus.hazards.models import HazardEvent

    accepted = HazardEvent.objects.filter(
        hazard__in=found, action="accept", at__lt=day_after
    ).values("hazard")
    assert accepted.distinct().count() == 16712

    # Today's figures of 2021 are the records' too, and larger: the year went on.
    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    stats = client.get("/api/v1/hazards/stats?year=2021").json()
    year = Hazard.objects.filter(found_at__year=2021)
    assert stats["found"] == year.count() > 16835
    assert stats["rectified"] == year.filter(status=HazardStatus.CLOSED).count()
    page = client.get("/hazards/?year=2021").content.decode()
    assert f'data-figure="found">{stats["found"]:,}<' in page
    # A district sees its own share, which adds up across the districts.
    by_district = (
        sum(
            client.get(f"/api/v1/hazards/stats?year=2021&district={d.pk}").json()["found"]
            for d in OrgUnit.objects.filter(kind=UnitKind.DISTRICT)
        )
        + client.get("/api/v1/hazards/stats?year=2021&district=0").json()["found"]
    )
    assert by_district == stats["found"]


def test_the_history_runs_from_the_2019_autumn_term_to_today(city):
    """Every year has its self-checks, spot checks, patrols and device faults on the lists, its
    incidents and drills, its comings and goings; the newest hazards are of the last weeks."""
    from safecampus.defenses.models import Guard
    from safecampus.devices.models import Camera
    from safecampus.emergency.models import Incident
    from safecampus.hazards.models import Hazard
    from safecampus.inspections.models import InspectionResult

    now = timezone.now()
    today = timezone.localdate()
    first = Hazard.objects.order_by("found_at").values_list("found_at", flat=True).first()
    assert timezone.localtime(first).date() >= HISTORY_START
    assert Hazard.objects.filter(found_at__gt=now).count() == 0
    assert Hazard.objects.filter(found_at__gte=now - timedelta(days=14)).count() > 100
    spot_checked = set(
        InspectionResult.objects.filter(hazard__isnull=False).values_list(
            "hazard__found_at__year", flat=True
        )
    )
    # Every whole year (this one is still going on; "this year" below).
    for year in range(HISTORY_START.year, today.year):
        hazards = Hazard.objects.filter(found_at__year=year)
        sources = set(hazards.values_list("source", flat=True))
        assert {"inspection", "patrol", "measure_check", "device"} <= sources, year
        assert year in spot_checked
        incidents = Incident.objects.filter(raised_at__year=year)
        assert incidents.filter(is_drill=False).count() > 20, year
        assert incidents.filter(is_drill=True).count() > 700, year
    for year in range(ARTICLE_DAY.year + 1, today.year):
        assert Guard.objects.filter(hired_on__year=year).exists(), year
        assert Guard.objects.filter(left_on__year=year).exists(), year
        assert Camera.objects.filter(installed_on__year=year).exists(), year
    # "This year" pages have this year's records.
    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    stats = client.get(f"/api/v1/hazards/stats?year={today.year}").json()
    assert stats["found"] == Hazard.objects.filter(found_at__year=today.year).count() > 0
    incidents = client.get(f"/api/v1/emergency/incidents?year={today.year}&limit=1").json()
    assert incidents["count"] == Incident.objects.filter(raised_at__year=today.year).count()
    ledger = client.get("/hazards/").content.decode()
    newest = Hazard.objects.order_by("-found_at", "-pk").first()
    assert f"/hazards/{newest.pk}/" in ledger


def test_open_and_overdue_hazards_are_those_of_today(city):
    """Overdue is open past the deadline today; the open ones are the recent ones (and a few
    majors under listed supervision that drag on), each in the step its timeline reached."""
    from safecampus.hazards.choices import HazardLevel, HazardStatus
    from safecampus.hazards.models import Hazard, HazardEvent

    today = timezone.localdate()
    open_ = Hazard.objects.open()
    overdue = Hazard.objects.overdue()
    assert 20 < overdue.count() < open_.count()
    assert not overdue.filter(deadline__gte=today).exists()
    assert overdue.filter(deadline__gte=today - timedelta(days=60)).exists()
    old = open_.filter(found_at__lt=timezone.now() - timedelta(days=120))
    assert old.exists() and not old.exclude(level=HazardLevel.MAJOR, supervised_by__isnull=False)
    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    stats = client.get("/api/v1/hazards/stats").json()
    assert (stats["open"], stats["overdue"]) == (open_.count(), overdue.count())
    # Each hazard's last step took it to the status it has.
    statuses = set(Hazard.objects.values_list("status", flat=True))
    assert statuses == set(HazardStatus.values)
    for status in statuses:
        sample = Hazard.objects.filter(status=status).order_by("pk")[:50]
        for hazard in sample:
            events = list(HazardEvent.objects.filter(hazard=hazard).order_by("at", "pk"))
            assert events[0].action == "report" and events[-1].to_status == status, hazard.pk
            assert [e.at for e in events] == sorted(e.at for e in events)
            if status == HazardStatus.CLOSED:
                assert events[-1].at == hazard.closed_at


def test_the_articles_stocks_are_read_back_as_of_its_day(city):
    """On the article's day: 4,439 guards in service, 30,358 equipment items, 96,697 cameras,
    and the four 100% at 100% — recomputed from the dated records; today the city differs."""
    from safecampus.defenses.indicators import rates, school_verdicts
    from safecampus.defenses.models import EquipmentChange, Guard
    from safecampus.devices.models import Camera

    basic = Q(school__school_type__in=BASIC_SCHOOL_TYPES)
    guards = _as_of_article(Guard.objects.filter(basic), "hired_on", "left_on")
    assert guards.count() == 4439
    equipment = EquipmentChange.objects.filter(basic, on__lte=ARTICLE_DAY)
    assert equipment.aggregate(n=Sum("change"))["n"] == 30358
    cameras = _as_of_article(Camera.objects.filter(basic), "installed_on", "removed_on")
    assert cameras.count() == 96697
    then = rates(school_verdicts(School.objects.all(), ARTICLE_DAY))
    assert then["schools"] == 1587
    assert set(then["rates"].values()) == {100.0}
    now = rates(school_verdicts(School.objects.all()))
    assert now["rates"] != then["rates"]
    assert Guard.objects.filter(basic, active=True).count() != 4439
    assert Camera.objects.filter(basic, active=True).count() > 96697


def test_the_demo_spot_check_is_planned_and_secret(city):
    """Today's spot check is planned, with reasons from each school's hazards and last check,
    and secret: the inspector sees it, the schools drawn do not (they see their past checks)."""
    from safecampus.inspections.models import Inspection

    planned = Inspection.objects.filter(status="planned").select_related("school__unit")
    assert planned.count() == 6
    for inspection in planned:
        before = Inspection.objects.filter(school=inspection.school, status="submitted")
        since = "距上次检查" if before.exists() else "从未接受检查"
        assert "未销号隐患" in inspection.selection_reason
        assert since in inspection.selection_reason
    campaign = planned[0].campaign_id
    inspector, principal = Client(), Client()
    inspector.post("/accounts/login/", {"username": "inspector", "password": "Demo-Pass-2026"})
    principal.post(
        "/accounts/login/",
        {"username": f"p{planned[0].school.unit.code}", "password": "Demo-Pass-2026"},
    )
    assert inspector.get(f"/api/v1/inspections?campaign={campaign}").json()["count"] == 6
    assert principal.get(f"/api/v1/inspections?campaign={campaign}").json()["count"] == 0
    seen = principal.get("/api/v1/inspections?limit=100").json()
    mine = Inspection.objects.filter(school=planned[0].school, status="submitted")
    assert seen["count"] == mine.count()


def test_the_demo_remediation_figures_come_from_records(city):
    """802 schools, 2,238 buildings and 8.13 million m² remediated by the end of 2020, computed
    by the platform from accepted projects; plus works under way and buildings still needing
    them."""
    from safecampus.buildings.models import Building, RemediationProject

    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    for query in ("?year=2020", "?as_of=2020-12-31"):
        rollup = client.get(f"/api/v1/buildings/remediation{query}").json()
        assert (rollup["schools"], rollup["buildings"], rollup["floor_area_m2"]) == (
            802,
            2238,
            8_130_000,
        )
    # Remediation went on after 2020: each year since has its accepted projects.
    today = client.get("/api/v1/buildings/remediation").json()
    assert today["buildings"] > 2238 and today["schools"] > 802
    for year in range(2021, timezone.localdate().year):
        assert RemediationProject.objects.filter(acceptance_on__year=year).exists(), year
    assert client.get("/api/v1/buildings/remediation?year=2019").json()["buildings"] < 2238
    assert today["needing_remediation"] > 0 and today["buildings_total"] > 2238
    assert today["projects"]["in_progress"] > 0 and today["projects"]["awaiting_acceptance"] > 0
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


def test_the_demo_citys_defenses_today_and_under_168(city):
    """Today's summary is the records' (the article's day: the test above); the
    公治〔2015〕168号 rule set lowers a district's verdicts."""
    from safecampus.accounts.models import User
    from safecampus.defenses.models import Equipment, Guard
    from safecampus.rules.models import RuleSet
    from safecampus.rules.services import rule_set_assign

    client = Client()
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    summary = client.get("/api/v1/defenses/summary").json()
    basic = Q(school__school_type__in=BASIC_SCHOOL_TYPES)
    assert summary["schools"] == 1587
    assert summary["guards"] == Guard.objects.filter(basic, active=True).count()
    equipment = Equipment.objects.filter(basic).aggregate(n=Sum("quantity"))["n"]
    assert summary["equipment"] == equipment
    for key in ("guard_rate", "gate_post_rate"):
        assert 95 < summary[key] < 100, key
    assert summary["closure_rate"] == 100
    zhifu = OrgUnit.objects.get(code="370602")
    url = f"/api/v1/defenses/summary?district={zhifu.pk}"
    before = client.get(url).json()["guard_schools"]
    gz168 = RuleSet.objects.get(kind="guard_staffing", name__startswith="公治")
    rule_set_assign(user=admin, unit=zhifu, rule_set=gz168)
    assert client.get(url).json()["guard_schools"] < before


# Markers of text that was never meant to be read: a placeholder, a demo label, a template field
# left unfilled.
PLACEHOLDERS = ("演示", "示例", "placeholder", "lorem", "TODO", "xxx", "{", "}", "None")
# The texts the builders write, by model.
GENERATED_TEXTS = {
    "risks.CatalogRiskPoint": ["place", "name", "hazard", "accident"],
    "risks.CatalogMeasure": ["text", "department", "post"],
    "threelists.SchoolRiskPoint": ["place", "name", "hazard", "accident"],
    "threelists.ResponsibilityItem": ["text", "department", "post"],
    "hazards.Hazard": ["description", "place", "plan", "measures", "result"],
    "hazards.HazardEvent": ["note"],
    "inspections.Campaign": ["name"],
    "inspections.ChecklistItem": ["text"],
    "inspections.Inspection": ["selection_reason"],
    "inspections.InspectionResult": ["note"],
    "emergency.Incident": ["description", "place", "report"],
    "emergency.IncidentEvent": ["note"],
    "emergency.Alarm": ["place", "reset_note"],
    "emergency.EmergencyPlan": ["title", "summary"],
    "devices.Camera": ["name", "model"],
    "devices.AlarmButton": ["name", "police_unit"],
    "buildings.Building": ["name"],
    "buildings.RemediationProject": ["name", "plan", "acceptance_note"],
    "buildings.ProjectEvent": ["note"],
    "defenses.Guard": ["name", "company", "licence_no"],
    "defenses.GatePost": ["name"],
    "defenses.GatePostDuty": ["name"],
    "defenses.EntryRecord": ["visitor_name", "reason", "host"],
    "patrols.CheckPoint": ["name", "place"],
    "patrols.PatrolVisit": ["note"],
    "orgs.OrgUnit": ["name"],
    "orgs.School": ["address"],
    "accounts.User": ["full_name"],
}


def test_no_placeholder_text_is_generated(city):
    """Catalog points and measures, hazards, incidents, names: every text the builders write
    reads like a real one (the supplementary catalog entries are composed from real places,
    hazards and measures of their aspect), and the catalog page labels them as such."""
    from django.apps import apps

    found = {}
    for label, fields in GENERATED_TEXTS.items():
        model = apps.get_model(label)
        assert model.objects.exists(), label
        for name in fields:
            marked = Q()
            for marker in PLACEHOLDERS:
                marked |= Q(**{f"{name}__contains": marker})
            bad = list(model.objects.filter(marked).values_list(name, flat=True)[:3])
            if bad:
                found[f"{label}.{name}"] = bad
    assert found == {}
    from safecampus.risks.models import CatalogRiskPoint, RiskCatalog

    supplementary = CatalogRiskPoint.objects.filter(generated=True, catalog__group="k12")
    assert supplementary.count() == 372 - 110
    # One per place and pattern: no two alike within a catalog.
    names = list(supplementary.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    client = Client()
    client.post("/accounts/login/", {"username": "city_officer", "password": "Demo-Pass-2026"})
    catalog = RiskCatalog.objects.get(group="k12", is_current=True)
    page = client.get(f"/risks/catalogs/{catalog.pk}/?generated=true").content.decode()
    assert "补充条目" in page and "演示" not in page and names[0] in page


def test_demo_people_hold_duties_that_fit_their_post(city):
    """The principal holds the head's duties (第一责任人); a teacher holds class teachers'
    measures, never the head's; hazards are rectified by the school's leaders, rounds walked by
    its guard, incidents led by its leaders."""
    from django.db.models import Exists, OuterRef

    from safecampus.access.models import RoleAssignment
    from safecampus.emergency.models import Incident
    from safecampus.hazards.models import Hazard
    from safecampus.patrols.models import PatrolVisit
    from safecampus.threelists.models import ResponsibilityItem

    def holds(roles, user="person", unit="risk_point__school_id"):
        return Exists(
            RoleAssignment.objects.filter(user=OuterRef(user), unit=OuterRef(unit), role__in=roles)
        )

    held = ResponsibilityItem.objects.filter(person__isnull=False)
    head = held.filter(Q(post__in=("校长", "园长")) | Q(text__contains="第一责任人"))
    assert head.exists() and not head.exclude(holds(["principal"])).exists()
    teachers = held.filter(holds(["staff"]))
    assert teachers.exists()
    assert set(teachers.values_list("post", flat=True)) <= {"班主任", "班级教师", "体育教师"}
    assert not teachers.filter(text__contains="第一责任人").exists()
    assert held.filter(holds(["guard"])).exists() and held.filter(holds(["safety_director"]))
    # Each held measure has been checked at its frequency, by its holder.
    from django.db.models import F

    from safecampus.threelists.models import MeasureCheck

    checks = MeasureCheck.objects.all()
    assert checks.values("item").distinct().count() == held.count()
    assert not checks.exclude(by=F("item__person")).exists()
    assert not checks.filter(at__gt=timezone.now()).exists()
    leaders = ["principal", "safety_director"]
    owners = Hazard.objects.filter(owner__isnull=False)
    assert not owners.exclude(holds(leaders, "owner", "school_id")).exists()
    walkers = PatrolVisit.objects.all()
    assert not walkers.exclude(holds(["guard"], "user", "check_point__school_id")).exists()
    led = Incident.objects.filter(assignee__isnull=False)
    assert not led.exclude(holds(leaders, "assignee", "school_id")).exists()


def test_where_nobody_boards_there_are_no_dormitories_and_kindergartens_stay_low(city):
    """No dormitory camera, building or hazard where students do not board; a kindergarten has
    neither laboratory nor teaching building, and nothing above its third floor."""
    from safecampus.buildings.models import Building
    from safecampus.devices.models import Camera
    from safecampus.hazards.models import Hazard
    from safecampus.patrols.models import CheckPoint

    day_pupils = School.objects.filter(boarding=False)
    assert not Camera.objects.filter(school__in=day_pupils, name__contains="宿舍").exists()
    assert not Building.objects.filter(school__in=day_pupils, use="dormitory").exists()
    dormitory = Q()
    for word in ("宿舍", "寄宿", "公寓"):
        dormitory |= Q(catalog_point__name__contains=word) | Q(catalog_point__place__contains=word)
    assert not Hazard.objects.filter(dormitory, school__in=day_pupils).exists()
    assert Hazard.objects.filter(dormitory).exists()  # where students board
    kindergartens = School.objects.filter(school_type=SchoolType.KINDERGARTEN)
    cameras = Camera.objects.filter(school__in=kindergartens)
    assert cameras.filter(place="corridor").exists()
    for word in ("4层", "5层", "教学楼", "实验楼", "宿舍", "食堂"):
        assert not cameras.filter(name__contains=word).exists(), word
    buildings = Building.objects.filter(school__in=kindergartens)
    assert buildings.exists() and not buildings.filter(storeys__gt=3).exists()
    assert not buildings.filter(use__in=["laboratory", "dormitory", "gymnasium", "library"])
    points = CheckPoint.objects.filter(school__in=kindergartens)
    assert points.exists() and not points.filter(name__in=["食堂后厨", "教学楼一楼走廊"])


def test_incidents_and_drills_have_their_timelines(city):
    """Every incident's timeline starts with its raising or its alarm and ends in its status;
    the closed ones with their closing; every school drills every other year; today two incidents
    are open and one alarm is still latched."""
    from safecampus.emergency.models import Alarm, Incident, IncidentEvent

    today = timezone.localdate()
    closed = Incident.objects.filter(status="closed")
    assert closed.count() > 0.99 * Incident.objects.count()
    for incident in Incident.objects.order_by("?")[:200]:
        events = list(IncidentEvent.objects.filter(incident=incident).order_by("id"))
        assert events[0].kind in ("raised", "alarm"), incident.pk
        assert [e.at for e in events] == sorted(e.at for e in events)
        if incident.status == "closed":
            assert events[-1].kind == "closed" and events[-1].at == incident.closed_at
    open_now = Incident.objects.exclude(status__in=["resolved", "closed"])
    assert sorted(open_now.values_list("status", flat=True)) == ["acknowledged", "responding"]
    latched = Alarm.objects.filter(reset_at__isnull=True)
    assert latched.count() == 1 and latched.get().incident in open_now
    assert not Alarm.objects.filter(reset_at__isnull=False, reset_note="").exists()
    # The last November drilled: this year's once it has passed.
    last = today.year if today > date(today.year, 11, 24) else today.year - 1
    for year in range(HISTORY_START.year, last):
        drills = Incident.objects.filter(is_drill=True, raised_at__year__in=(year, year + 1))
        assert drills.values("school").distinct().count() == 1587, year


def _rows(labels: list[str], marks: dict[str, int]) -> dict[str, list[tuple]]:
    """The rows of these models added since `marks` (their largest ids before), without the ids
    (and the links to each other's new rows, whose ids a PostgreSQL sequence does not reuse)."""
    from django.apps import apps

    models = {label: apps.get_model(label) for label in labels}
    rows = {}
    for label, model in models.items():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key and not (f.is_relation and f.related_model in models.values())
        ]
        rows[label] = [
            # An event's data names its alarm by id: a link to a new row too.
            tuple({**v, "alarm": None} if isinstance(v, dict) and "alarm" in v else v for v in row)
            for row in model.objects.filter(pk__gt=marks[label]).order_by("pk").values_list(*fields)
        ]
    return rows


def test_the_same_seed_and_moment_give_the_same_history(city, clock):
    """The builders of the history draw from their seed and the moment of generation only
    (the clock stands still): run twice for one district, they write the same records."""
    import random

    from django.apps import apps
    from django.db.models import Max

    from safecampus.access.models import RoleAssignment
    from safecampus.accounts.models import User
    from safecampus.demo.generator import DemoCity
    from safecampus.devices.demo import _City
    from safecampus.emergency.demo_incidents import incidents_of
    from safecampus.inspections.demo import checks_history_of

    yantai = OrgUnit.objects.get(code="3706")
    changdao = OrgUnit.objects.get(code="370634")
    holders: dict[str, dict[int, User]] = {}
    for a in RoleAssignment.objects.select_related("user").order_by("user__username"):
        holders.setdefault(a.role, {}).setdefault(a.unit_id, a.user)
    demo = DemoCity(
        seed=2021,
        scale=1,
        root=yantai,
        cities=[yantai],
        principals=holders["principal"],
        staff=holders["staff"],
        inspector=User.objects.get(username="inspector"),
        first_schools={},
        today=timezone.localdate(clock.now),
        now=clock.now,
        holders=holders,
    )
    labels = [
        "emergency.Incident",
        "emergency.IncidentEvent",
        "emergency.Alarm",
        "inspections.ChecklistTemplate",
        "inspections.ChecklistItem",
        "inspections.Campaign",
        "inspections.Inspection",
        "inspections.InspectionResult",
        "hazards.Hazard",
        "hazards.HazardEvent",
    ]

    def run(seed: int) -> tuple:
        with transaction.atomic():
            marks = {
                label: apps.get_model(label).objects.aggregate(n=Max("pk"))["n"] or 0
                for label in labels
            }
            incidents_of(city=changdao, demo=demo, rng=random.Random(seed))
            checks_history_of(city=changdao, demo=demo, rng=random.Random(seed))
            rows = _rows(labels, marks)
            transaction.set_rollback(True)
        schools = School.objects.filter(unit__parent=changdao).select_related("district")
        devices = _City(yantai, random.Random(seed), clock.now)
        for index, school in enumerate(schools.order_by("pk")):
            devices.school(index, school, 40)
        return rows, devices.cameras, devices.alarms, devices.tests

    first, again, other = run(1), run(1), run(2)
    assert all(first[0].values()) and first[1]
    assert [label for label in labels if first[0][label] != again[0][label]] == []
    assert first[1:] == again[1:]
    assert first != other
