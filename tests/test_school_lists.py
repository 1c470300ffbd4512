"""A school's three lists: instantiated from the catalog, tailored, assigned to people, checked."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from safecampus.hazards.models import Hazard
from safecampus.risks import excel
from safecampus.risks.services import catalog_import
from safecampus.rules.models import RuleSet, RuleSetAssignment
from safecampus.threelists.models import MeasureCheck, ResponsibilityItem, SchoolRiskPoint
from safecampus.threelists.selectors import my_checks
from safecampus.threelists.services import risk_list_instantiate

ROWS = [
    [
        "T-03-001",
        "03",
        "教学楼疏散通道",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾、踩踏",
        "较大",
        "每日放学后检查疏散通道畅通",
        "总务处",
        "安全管理员",
        "每日",
    ],
    [
        "T-03-001",
        "03",
        "教学楼疏散通道",
        "疏散通道堵塞",
        "杂物堆放阻挡疏散",
        "火灾、踩踏",
        "较大",
        "每月检查应急照明",
        "总务处",
        "电工",
        "每月",
    ],
    [
        "T-05-001",
        "05",
        "学校食堂",
        "食品留样不全",
        "未按规定留样",
        "食物中毒",
        "重大",
        "每餐留样并登记",
        "后勤处",
        "食堂管理员",
        "每日",
    ],
]


@pytest.fixture
def lists(world):
    catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=excel.workbook_bytes(ROWS),
    )
    risk_list_instantiate(user=world.users["director_a1"], school=world.a1)
    return world


def _item(text):
    return ResponsibilityItem.objects.get(text=text)


def test_instantiation_copies_points_and_measures_once(lists, world):
    assert SchoolRiskPoint.objects.filter(school=world.a1).count() == 2
    assert ResponsibilityItem.objects.filter(risk_point__school=world.a1).count() == 3
    assert risk_list_instantiate(user=world.users["director_a1"], school=world.a1) == 0


def test_only_the_schools_list_keepers_instantiate(lists, world, as_user):
    for persona, status in (
        ("staff_a1", 403),
        ("district_a", 403),
        ("teacher_b1", 404),
        ("principal_b1" if False else "principal_c1", 404),
    ):
        assert (
            as_user(persona).post(f"/risks/schools/{world.a1.pk}/lists/instantiate/").status_code
            == status
        )
    # Another school of the same district is not the principal's.
    assert (
        as_user("principal_a1").post(f"/risks/schools/{world.a2.pk}/lists/instantiate/").status_code
        == 404
    )


def test_a_school_without_a_catalog_for_its_kind_is_told_so(world):
    from safecampus.core.errors import BusinessRuleError

    from .factories import RoleAssignmentFactory, UserFactory

    head = UserFactory(username="kg_head")
    RoleAssignmentFactory(user=head, unit=world.a2.unit, role="principal")
    with pytest.raises(BusinessRuleError, match="尚未发布适用于本校的风险清单库"):
        risk_list_instantiate(user=head, school=world.a2)


def test_assessment_uses_the_risk_matrix_in_force(lists, world, as_user):
    point = SchoolRiskPoint.objects.get(school=world.a1, code="T-03-001")
    client = as_user("director_a1")
    client.post(f"/risks/points/{point.pk}/assess/", {"likelihood": 5, "severity": 5})
    point.refresh_from_db()
    assert (point.likelihood, point.severity, point.level) == (5, 5, "major")
    default = RuleSet.objects.get(kind="risk_matrix", is_default=True)
    lenient = RuleSet.objects.create(
        kind="risk_matrix",
        name="宽松矩阵",
        version="1",
        effective_from="2026-01-01",
        authority="测试市",
        data={**default.data, "matrix": [["low"] * 5 for _ in range(5)]},
        unit=world.city,
    )
    RuleSetAssignment.objects.create(unit=world.district_a, kind="risk_matrix", rule_set=lenient)
    client.post(f"/risks/points/{point.pk}/assess/", {"likelihood": 5, "severity": 5})
    point.refresh_from_db()
    assert point.level == "low"
    assert (
        as_user("staff_a1")
        .post(f"/risks/points/{point.pk}/assess/", {"likelihood": 1, "severity": 1})
        .status_code
        == 403
    )


def test_a_school_adds_and_removes_its_own_points(lists, world, as_user):
    client = as_user("director_a1")
    body = {
        "aspect": 2,
        "code": "A1-01",
        "place": "校门口",
        "name": "校门前道路无减速带",
        "hazard": "车辆速度快",
        "accident": "交通事故",
        "level": "significant",
    }
    client.post(f"/risks/schools/{world.a1.pk}/lists/", body)
    added = SchoolRiskPoint.objects.get(school=world.a1, code="A1-01")
    duplicate = client.post(f"/risks/schools/{world.a1.pk}/lists/", body)
    assert "已有编码" in duplicate.content.decode()
    client.post(f"/risks/points/{added.pk}/remove/")
    added.refresh_from_db()
    assert not added.active
    assert (
        "校门前道路无减速带"
        not in client.get(f"/risks/schools/{world.a1.pk}/lists/").content.decode()
    )


def test_measures_are_assigned_to_people_of_the_school(lists, world, as_user):
    item = _item("每餐留样并登记")
    client = as_user("director_a1")
    ok = client.post(
        f"/risks/items/{item.pk}/assign/",
        {
            "department": "后勤处",
            "post": "食堂管理员",
            "person": world.users["staff_a1"].pk,
            "frequency": "daily",
        },
    )
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.person == world.users["staff_a1"]
    outsider = client.post(
        f"/risks/items/{item.pk}/assign/",
        {
            "department": "x",
            "post": "x",
            "person": world.users["teacher_b1"].pk,
            "frequency": "daily",
        },
    )
    assert outsider.status_code == 200 and "选择一个有效的选项" in outsider.content.decode()
    assert as_user("staff_a1").get(f"/risks/items/{item.pk}/assign/").status_code == 403


def test_a_failed_check_opens_a_hazard_and_a_retry_is_recorded_once(lists, world, as_user):
    item = _item("每日放学后检查疏散通道畅通")
    item.person = world.users["staff_a1"]
    item.save()
    staff = as_user("staff_a1")
    assert [i.pk for i in my_checks(user=world.users["staff_a1"]) if i.due] == [item.pk]
    staff.post(
        "/risks/my-checks/",
        {"item": item.pk, "passed": "1", "note": "", "client_key": "c-00000001"},
    )
    assert not any(i.due for i in my_checks(user=world.users["staff_a1"]))
    staff.post(
        "/risks/my-checks/",
        {"item": item.pk, "passed": "0", "note": "三楼通道堆放桌椅", "client_key": "c-00000002"},
    )
    staff.post(
        "/risks/my-checks/",
        {"item": item.pk, "passed": "0", "note": "三楼通道堆放桌椅", "client_key": "c-00000002"},
    )
    assert MeasureCheck.objects.filter(item=item).count() == 2
    hazard = Hazard.objects.get()
    assert (
        hazard.source == "measure_check"
        and "三楼通道堆放桌椅" in hazard.description
        and hazard.school == world.a1
    )
    assert MeasureCheck.objects.get(client_key="c-00000002").hazard == hazard
    missing_note = staff.post(
        "/risks/my-checks/",
        {"item": item.pk, "passed": "0", "note": "", "client_key": "c-00000003"},
        follow=True,
    )
    assert "请说明发现的问题" in missing_note.content.decode()
    # Somebody else's item is not in one's checks.
    other = as_user("guard_a1").post(
        "/risks/my-checks/", {"item": item.pk, "passed": "1", "note": ""}, follow=True
    )
    assert "不在您的检查任务中" in other.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("principal_a1", 200),
        ("staff_a1", 200),
        ("district_a", 200),
        ("city_officer", 200),
        ("teacher_b1", 404),
        ("district_b", 404),
        ("auditor", 404),
    ],
)
def test_the_three_lists_page_is_scoped(lists, world, as_user, persona, status):
    client = as_user(persona)
    for tab in ("risk", "responsibility", "rectification"):
        assert client.get(f"/risks/schools/{world.a1.pk}/lists/?tab={tab}").status_code == status
    assert client.get(f"/risks/schools/{world.a1.pk}/lists/export.xlsx").status_code == status


def test_the_three_lists_export_as_three_sheets(lists, world, as_user):
    data = as_user("principal_a1").get(f"/risks/schools/{world.a1.pk}/lists/export.xlsx").content
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["风险清单", "责任清单", "整改清单"]
    assert book["风险清单"].max_row == 3 and book["责任清单"].max_row == 4


def test_a_staff_member_without_assignments_sees_an_empty_checklist(world):
    client = Client()
    client.force_login(world.users["guard_a1"])
    assert "您名下没有需要定期检查的措施" in client.get("/risks/my-checks/").content.decode()


def test_the_api_covers_the_three_lists(world, as_user):
    catalog_import(
        user=world.users["city_admin"],
        unit=world.city,
        group="k12",
        name="清单",
        version="1",
        data=excel.workbook_bytes(ROWS),
    )
    director, staff = as_user("director_a1"), as_user("staff_a1")
    assert director.post(f"/api/v1/schools/{world.a1.pk}/risk-points/instantiate").json() == {
        "added": 2
    }
    points = director.get(f"/api/v1/schools/{world.a1.pk}/risk-points").json()
    assert points["count"] == 2
    point_id = next(p["id"] for p in points["items"] if p["code"] == "T-05-001")
    assessed = director.post(
        f"/api/v1/risk-points/{point_id}/assess",
        {"likelihood": 1, "severity": 2},
        content_type="application/json",
    )
    assert assessed.status_code == 200 and assessed.json()["level"] == "low"
    assert (
        director.post(
            f"/api/v1/risk-points/{point_id}/assess",
            {"likelihood": 9, "severity": 2},
            content_type="application/json",
        ).status_code
        == 400
    )
    items = director.get(f"/api/v1/schools/{world.a1.pk}/responsibilities").json()["items"]
    item_id = items[0]["id"]
    assigned = director.patch(
        f"/api/v1/responsibilities/{item_id}",
        {
            "department": "总务处",
            "post": "安全员",
            "person_id": world.users["staff_a1"].pk,
            "frequency": "weekly",
        },
        content_type="application/json",
    )
    assert (
        assigned.status_code == 200 and assigned.json()["person_id"] == world.users["staff_a1"].pk
    )
    assert (
        director.patch(
            f"/api/v1/responsibilities/{item_id}",
            {
                "department": "x",
                "post": "x",
                "person_id": world.users["teacher_b1"].pk,
                "frequency": "weekly",
            },
            content_type="application/json",
        ).status_code
        == 404
    )
    assert [c["id"] for c in staff.get("/api/v1/me/checks").json()] == [item_id]
    body = {"passed": False, "note": "门锁损坏", "client_key": "api-check-0001"}
    first = staff.post(
        f"/api/v1/responsibilities/{item_id}/checks", body, content_type="application/json"
    )
    again = staff.post(
        f"/api/v1/responsibilities/{item_id}/checks", body, content_type="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()[
        "hazard_id"
    ] == again.json()["hazard_id"]
    assert Hazard.objects.count() == 1
    assert (
        as_user("guard_a1")
        .post(
            f"/api/v1/responsibilities/{item_id}/checks",
            {"passed": True},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert (
        as_user("teacher_b1").get(f"/api/v1/schools/{world.a1.pk}/risk-points").status_code == 404
    )
