"""Checks: campaigns, risk-weighted spot checks kept secret until they start, on-site results."""

from datetime import date, timedelta

import pytest

from safecampus.hazards.models import Hazard
from safecampus.inspections import services
from safecampus.inspections.models import Inspection, InspectionResult
from safecampus.risks import excel
from safecampus.risks.services import catalog_import

from .conftest import PERSONAS

ROWS = [
    [
        "T-03-001",
        "03",
        "教学楼疏散通道",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾",
        "较大",
        "每日检查",
        "总务处",
        "安全员",
        "每日",
    ],
    [
        "T-05-001",
        "05",
        "学校食堂",
        "食品留样不全",
        "未按规定留样",
        "食物中毒",
        "重大",
        "每餐留样",
        "后勤处",
        "管理员",
        "每日",
    ],
]
TODAY = date(2026, 12, 1)


@pytest.fixture
def spot(world):
    """District A's unannounced spot check of school A1, planned by the district officer."""
    catalog = _catalog(world)
    officer = world.users["district_a"]
    template = services.checklist_from_catalog(
        user=officer, unit=world.district_a, catalog=catalog, name="消防与食品安全检查表"
    )
    campaign = services.campaign_create(
        user=officer,
        unit=world.district_a,
        name="甲区四不两直抽查",
        kind="spot",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=30),
        template=template,
    )
    inspection = services.inspection_plan(
        user=officer, campaign=campaign, school=world.a1, team=[world.users["inspector"]]
    )
    return inspection


def _catalog(world):
    """The city's K-12 catalog of the two points above (checklists are built from it)."""
    return catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=excel.workbook_bytes(ROWS),
    )


def _city_campaign(world, name, kind):
    """A one-day campaign of the city, on a checklist built from its catalog."""
    officer = world.users["city_officer"]
    template = services.checklist_from_catalog(
        user=officer, unit=world.city, catalog=_catalog(world), name="市级检查表"
    )
    return services.campaign_create(
        user=officer,
        unit=world.city,
        name=name,
        kind=kind,
        starts_on=TODAY,
        ends_on=TODAY,
        template=template,
    )


SCHOOL_SIDE = ("principal_a1", "director_a1", "staff_a1", "guard_a1", "counsellor_a1")


def _everything_a_school_user_reads(client, inspection):
    """Every page and endpoint through which an inspection could show."""
    return {
        "api list": client.get("/api/v1/inspections").json().get("count"),
        "api detail": client.get(f"/api/v1/inspections/{inspection.pk}").status_code,
        "api campaign": client.get(f"/api/v1/campaigns/{inspection.campaign_id}").status_code,
        "api campaigns": client.get("/api/v1/campaigns").json().get("count"),
        "page list": "甲区四不两直抽查" in client.get("/inspections/").content.decode(),
        "page detail": client.get(f"/inspections/{inspection.pk}/").status_code,
        "page campaign": client.get(
            f"/inspections/campaigns/{inspection.campaign_id}/"
        ).status_code,
        "dashboard": "甲区四不两直抽查" in client.get("/").content.decode(),
        "hazards": client.get("/api/v1/hazards").json().get("count"),
    }


@pytest.mark.parametrize("persona", SCHOOL_SIDE)
def test_a_planned_spot_check_is_invisible_to_its_school_everywhere(spot, as_user, persona):
    seen = _everything_a_school_user_reads(as_user(persona), spot)
    assert seen == {
        "api list": 0,
        "api detail": 404,
        "api campaign": 404,
        "api campaigns": 0,
        "page list": False,
        "page detail": 404,
        "page campaign": 404,
        "dashboard": False,
        "hazards": 0,
    }


def test_the_secret_is_kept_from_the_district_when_the_city_organizes(world, as_user):
    officer = world.users["city_officer"]
    campaign = _city_campaign(world, "市级抽查", "spot")
    inspection = services.inspection_plan(user=officer, campaign=campaign, school=world.a1)
    assert as_user("district_a").get(f"/api/v1/inspections/{inspection.pk}").status_code == 404
    assert as_user("district_a").get("/api/v1/inspections").json()["count"] == 0
    assert as_user("city_officer").get(f"/api/v1/inspections/{inspection.pk}").status_code == 200


def test_the_organizers_and_the_team_see_it_the_school_once_it_starts(spot, as_user, world):
    for persona in ("district_a", "city_officer", "inspector"):
        assert as_user(persona).get(f"/api/v1/inspections/{spot.pk}").status_code == 200, persona
    started = as_user("inspector").post(f"/api/v1/inspections/{spot.pk}/start")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    for persona in SCHOOL_SIDE:
        assert as_user(persona).get(f"/api/v1/inspections/{spot.pk}").status_code == 200
    assert as_user("teacher_b1").get(f"/api/v1/inspections/{spot.pk}").status_code == 404


def test_an_inspection_is_submitted_once_and_failed_items_become_hazards(spot, as_user, world):
    inspector = as_user("inspector")
    items = inspector.get(f"/api/v1/inspections/{spot.pk}").json()["items"]
    not_started = inspector.post(
        f"/api/v1/inspections/{spot.pk}/submit", {"results": []}, content_type="application/json"
    )
    assert not_started.status_code == 400 and "开始检查" in not_started.json()["error"]["message"]
    inspector.post(f"/api/v1/inspections/{spot.pk}/start")
    partial = inspector.post(
        f"/api/v1/inspections/{spot.pk}/submit",
        {"results": [{"item_id": items[0]["id"], "outcome": "pass"}]},
        content_type="application/json",
    )
    assert partial.status_code == 400 and "未填写结果" in partial.json()["error"]["message"]
    no_note = [
        {"item_id": items[0]["id"], "outcome": "pass"},
        {"item_id": items[1]["id"], "outcome": "fail"},
    ]
    assert (
        inspector.post(
            f"/api/v1/inspections/{spot.pk}/submit",
            {"results": no_note},
            content_type="application/json",
        ).status_code
        == 400
    )
    body = {
        "client_key": "insp-2026-0001",
        "results": [
            {
                "item_id": items[0]["id"],
                "outcome": "pass",
                "latitude": "37.53",
                "longitude": "121.39",
            },
            {"item_id": items[1]["id"], "outcome": "fail", "note": "周二午餐未留样"},
        ],
    }
    first = inspector.post(
        f"/api/v1/inspections/{spot.pk}/submit", body, content_type="application/json"
    )
    again = inspector.post(
        f"/api/v1/inspections/{spot.pk}/submit", body, content_type="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert InspectionResult.objects.filter(inspection=spot).count() == 2
    hazard = Hazard.objects.get()
    assert (
        hazard.source == "inspection"
        and hazard.school == world.a1
        and "周二午餐未留样" in hazard.description
    )
    assert first.json()["failed"] == 1
    # Only the team or the organizers record results.
    assert as_user("principal_a1").post(f"/api/v1/inspections/{spot.pk}/start").status_code == 403


def test_risk_weighted_selection_is_reproducible_and_explained(world, as_user):
    catalog = _catalog(world)
    officer = world.users["city_officer"]
    template = services.checklist_from_catalog(
        user=officer, unit=world.city, catalog=catalog, name="表"
    )
    from safecampus.hazards.services import hazard_report

    for _ in range(5):
        hazard_report(
            user=world.users["teacher_b1"], school=world.b1, description="x", source="report"
        )

    def draw(name, seed):
        campaign = services.campaign_create(
            user=officer,
            unit=world.city,
            name=name,
            kind="spot",
            starts_on=TODAY,
            ends_on=TODAY,
            template=template,
        )
        return [
            (i.school_id, i.selection_reason)
            for i in services.spot_check_select(user=officer, campaign=campaign, count=2, seed=seed)
        ]

    first, second = draw("一", 42), draw("二", 42)
    assert first == second
    assert all("权重" in reason for _school, reason in first)
    reasons = dict(first)
    if world.b1.pk in reasons:
        assert "未销号隐患 5 处" in reasons[world.b1.pk]
    # Across many seeds, the school with open hazards is drawn more often than the others.
    counts = {}
    for seed in range(40):
        campaign = services.campaign_create(
            user=officer,
            unit=world.city,
            name=f"s{seed}",
            kind="spot",
            starts_on=TODAY,
            ends_on=TODAY,
            template=template,
        )
        for inspection in services.spot_check_select(
            user=officer, campaign=campaign, count=1, seed=seed
        ):
            counts[inspection.school_id] = counts.get(inspection.school_id, 0) + 1
    assert counts.get(world.b1.pk, 0) == max(counts.values())


def test_cross_district_checks_take_inspectors_from_another_district(world, as_user):
    officer = world.users["city_officer"]
    campaign = _city_campaign(world, "交叉检查", "cross")
    from safecampus.core.errors import BusinessRuleError

    with pytest.raises(BusinessRuleError, match="本区市人员"):
        services.inspection_plan(
            user=officer, campaign=campaign, school=world.a1, team=[world.users["district_a"]]
        )
    assert services.inspection_plan(
        user=officer, campaign=campaign, school=world.a1, team=[world.users["inspector"]]
    )


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_only_planners_create_campaigns(world, as_user, persona):
    catalog = _catalog(world)
    template = services.checklist_from_catalog(
        user=world.users["city_officer"], unit=world.city, catalog=catalog, name="表"
    )
    body = {
        "unit_id": world.city.pk,
        "name": "行动",
        "kind": "special",
        "starts_on": str(TODAY),
        "ends_on": str(TODAY),
        "template_id": template.pk,
    }
    status = (
        as_user(persona)
        .post("/api/v1/campaigns", body, content_type="application/json")
        .status_code
    )
    # The city's inspector sees the city but may not plan there (403); those below the city
    # do not even see it as a unit to plan at (404).
    expected = {"city_admin": 201, "city_officer": 201, "inspector": 403}.get(persona, 404)
    assert status == expected
    assert Inspection.objects.count() == 0


def test_a_cross_check_team_from_another_district_inspects_and_reports(world, as_user):
    officer = world.users["city_officer"]
    campaign = _city_campaign(world, "交叉检查", "cross")
    inspection = services.inspection_plan(
        user=officer, campaign=campaign, school=world.a1, team=[world.users["district_b"]]
    )
    visitor = as_user("district_b")
    assert visitor.get(f"/api/v1/inspections/{inspection.pk}").status_code == 200
    assert visitor.get("/api/v1/inspections").json()["count"] == 1
    items = visitor.get(f"/api/v1/inspections/{inspection.pk}").json()["items"]
    visitor.post(f"/api/v1/inspections/{inspection.pk}/start")
    results = [
        {"item_id": items[0]["id"], "outcome": "fail", "note": "疏散指示灯不亮"},
        {"item_id": items[1]["id"], "outcome": "na"},
    ]
    assert (
        visitor.post(
            f"/api/v1/inspections/{inspection.pk}/submit",
            {"results": results},
            content_type="application/json",
        ).status_code
        == 201
    )
    hazard = Hazard.objects.get()
    assert hazard.school == world.a1 and hazard.found_by == world.users["district_b"]
    # The visitor sees the inspection, not the rest of the school's records.
    assert visitor.get(f"/api/v1/hazards/{hazard.pk}").status_code == 404
    # A position that is not a number is dropped, never an error: the submitted inspection
    # refuses a second submission with a message on its page.
    page = visitor.post(f"/inspections/{inspection.pk}/", {"latitude": "not-a-number"})
    assert page.status_code == 200


def test_the_campaign_page_plans_a_school_with_its_inspection_team(spot, world, as_user):
    """The planner ticks the team on the campaign page; only people who may inspect there are
    offered, and a member from outside is refused by the form."""
    officer = as_user("district_a")
    url = f"/inspections/campaigns/{spot.campaign_id}/"
    page = officer.get(url).content.decode()
    assert "（inspector）" in page and "（district_a）" in page
    assert "（teacher_b1）" not in page and "（district_b）" not in page
    outsider = officer.post(
        url, {"form": "plan", "school": "TA02", "team": [world.users["teacher_b1"].pk]}
    )
    assert outsider.status_code == 200 and not Inspection.objects.filter(school=world.a2).exists()
    planned = officer.post(
        url, {"form": "plan", "school": "TA02", "team": [world.users["inspector"].pk]}
    )
    assert planned.status_code == 302
    inspection = Inspection.objects.get(school=world.a2)
    assert list(inspection.team.all()) == [world.users["inspector"]]
    # The risk-weighted draw takes its team the same way (here the city's, of the city's schools).
    campaign = services.campaign_create(
        user=world.users["city_officer"],
        unit=world.city,
        name="市级抽查",
        kind="spot",
        starts_on=TODAY,
        ends_on=TODAY,
        template=spot.campaign.template,
    )
    drawn = as_user("city_officer").post(
        f"/inspections/campaigns/{campaign.pk}/",
        {
            "form": "select",
            "count": "2",
            "seed": "7",
            "team": [world.users["city_admin"].pk, world.users["inspector"].pk],
        },
    )
    assert drawn.status_code == 302
    teams = [sorted(u.username for u in i.team.all()) for i in campaign.inspections.all()]
    assert teams == [["city_admin", "inspector"]] * 2


def test_the_team_finding_permission_checks_the_team_not_a_flag(world):
    """A check's finding is reported under a named permission that still checks the records:
    the cross-district team member of a check under way may report at that school; anyone
    else outside the school's scope may not, whatever code path calls the service."""
    from django.core.exceptions import PermissionDenied

    from safecampus.hazards.services import hazard_report

    campaign = _city_campaign(world, "交叉检查", "cross")
    inspection = services.inspection_plan(
        user=world.users["city_officer"],
        campaign=campaign,
        school=world.a1,
        team=[world.users["district_b"]],
    )

    def report(user):
        return hazard_report(
            user=user,
            school=world.a1,
            description="消防通道堵塞",
            source="inspection",
            permission=services.TEAM_FINDING,
        )

    # Planned, not started: the team is not at the school yet.
    with pytest.raises(PermissionDenied):
        report(world.users["district_b"])
    services.inspection_start(user=world.users["district_b"], inspection=inspection)
    hazard, created = report(world.users["district_b"])
    assert created and hazard.found_by == world.users["district_b"]
    # The other district's staff are on no team: refused, nothing added.
    with pytest.raises(PermissionDenied):
        report(world.users["teacher_b1"])
    assert Hazard.objects.count() == 1
