"""School buildings and fire/seismic remediation: the register, its Excel import, the project
workflow up to acceptance, the roll-ups — scoped, audited, and refusing bad input in words."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.buildings import excel
from safecampus.buildings.models import Building, ProjectEvent, RemediationProject
from safecampus.buildings.services import (
    project_accept,
    project_create,
    project_start,
    project_submit,
)

from .conftest import PERSONAS
from .imports import api_import, page_import

TODAY = timezone.localdate


def _building(school, name="1号教学楼", area="3000.00", **fields) -> Building:
    values = {
        "use": "teaching",
        "structure": "masonry",
        "storeys": 4,
        "floor_area_m2": Decimal(area),
        "year_built": 1988,
        "seismic_status": "needs_retrofit",
        "fire_status": "hazard",
    }
    return Building.objects.create(school=school, name=name, **{**values, **fields})


def _project(world, buildings, kind="both", user="principal_a1", school=None, **fields):
    project, _created = project_create(
        user=world.users[user],
        school=school or buildings[0].school,
        name=fields.pop("name", "教学楼加固工程"),
        kind=kind,
        buildings=buildings,
        plan="抗震加固并改造消防设施",
        budget_yuan=Decimal("1200000.00"),
        planned_start=date(2020, 3, 1),
        planned_end=date(2020, 9, 1),
        **fields,
    )
    return project


def _accepted(world, buildings, on: date, kind="both", school_user="principal_a1", officer=None):
    """A project taken through every step, accepted on `on`."""
    project = _project(world, buildings, kind=kind, user=school_user)
    start = on - timedelta(days=100)
    project_start(user=world.users[school_user], project=project, on=start)
    project_submit(user=world.users[school_user], project=project, on=on - timedelta(days=10))
    return project_accept(
        user=world.users[officer or "city_officer"], project=project, passed=True, on=on
    )


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


BUILDING = {
    "name": "2号宿舍楼",
    "use": "dormitory",
    "structure": "frame",
    "storeys": 5,
    "floor_area_m2": "4210.50",
    "year_built": 1996,
    "seismic_status": "needs_retrofit",
    "fire_status": "compliant",
}


# --- the register ---------------------------------------------------------------------------


def test_a_school_keeps_its_building_register_through_the_api_and_every_change_is_audited(
    world, as_user
):
    director = as_user("director_a1")
    created = _post(director, "/api/v1/buildings", {"school_id": world.a1.pk, **BUILDING})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["use_label"], body["seismic_status_label"], body["needs_remediation"]) == (
        "宿舍楼",
        "需加固",
        True,
    )
    assert Decimal(body["floor_area_m2"]) == Decimal("4210.50")
    url = f"/api/v1/buildings/{body['id']}"
    changed = _patch(director, url, {"storeys": 6, "note": "2019年加层"})
    assert changed.status_code == 200 and changed.json()["storeys"] == 6
    assert _patch(director, url, {"storeys": None}).status_code == 400
    assert director.delete(url).status_code == 204
    assert not Building.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="buildings.building", object_id=str(body["id"]))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    entry = AuditEntry.objects.get(object_type="buildings.building", action="update")
    assert entry.after == {"storeys": 6, "note": "2019年加层"} and entry.unit_id == world.a1.pk


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_buildings_and_projects_are_scoped(world, as_user, persona):
    a1 = _building(world.a1)
    b1 = _building(world.b1, name="教学楼")
    project = _project(world, [a1])
    client = as_user(persona)
    visible = {
        "city_admin": {a1.pk, b1.pk},
        "city_officer": {a1.pk, b1.pk},
        "inspector": {a1.pk, b1.pk},
        "district_a": {a1.pk},
        "district_b": {b1.pk},
        "teacher_b1": {b1.pk},
        "principal_c1": set(),
    }.get(persona, {a1.pk})
    pages = [
        client.get(u)
        for u in (
            "/api/v1/buildings",
            "/buildings/",
            "/buildings/projects/",
            "/api/v1/remediation-projects",
            "/api/v1/buildings/remediation",
        )
    ]
    if persona in ("auditor", "security_admin"):  # no business action
        assert [p.status_code for p in pages] == [403] * 5
        assert client.get(f"/buildings/schools/{world.a1.pk}/").status_code == 404
        assert client.get(f"/api/v1/buildings/{a1.pk}").status_code == 404
        return
    assert all(p.status_code == 200 for p in pages)
    assert {b["id"] for b in pages[0].json()["items"]} == visible
    assert pages[4].json()["buildings_total"] == len(visible)
    projects = {p["id"] for p in pages[3].json()["items"]}
    assert projects == ({project.pk} if a1.pk in visible else set())
    for building, school in ((a1, world.a1), (b1, world.b1)):
        expected = 200 if building.pk in visible else 404
        assert client.get(f"/api/v1/buildings/{building.pk}").status_code == expected
        assert client.get(f"/buildings/schools/{school.pk}/").status_code == expected
    expected = 200 if a1.pk in visible else 404
    assert client.get(f"/api/v1/remediation-projects/{project.pk}").status_code == expected
    assert client.get(f"/buildings/projects/{project.pk}/").status_code == expected


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("principal_a1", 201),
        ("director_a1", 201),
        ("district_a", 201),
        ("staff_a1", 403),
        ("guard_a1", 403),
        ("city_officer", 403),
        ("city_admin", 403),
        ("district_b", 404),
        ("teacher_b1", 404),
        ("principal_c1", 404),
        ("auditor", 404),
    ],
)
def test_who_may_keep_the_register(world, as_user, persona, status):
    client = as_user(persona)
    response = _post(client, "/api/v1/buildings", {"school_id": world.a1.pk, **BUILDING})
    assert response.status_code == status
    assert Building.objects.count() == (1 if status == 201 else 0)
    page = client.get(f"/buildings/schools/{world.a1.pk}/new/")
    assert page.status_code == (200 if status == 201 else status)
    if status != 201:
        building = _building(world.a1, name=f"楼-{persona}")
        assert _patch(client, f"/api/v1/buildings/{building.pk}", {"storeys": 9}).status_code == (
            status
        )
        assert client.delete(f"/api/v1/buildings/{building.pk}").status_code == status
        building.refresh_from_db()
        assert building.storeys == 4


def test_bad_building_input_gets_a_clear_message_and_changes_nothing(world, as_user):
    client = as_user("director_a1")
    for field, value in (
        ("storeys", 0),
        ("floor_area_m2", "-5"),
        ("use", "castle"),
        ("year_built", 1700),
    ):
        bad = _post(
            client, "/api/v1/buildings", {"school_id": world.a1.pk, **BUILDING, field: value}
        )
        assert bad.status_code == 422, field
    future = _post(
        client,
        "/api/v1/buildings",
        {"school_id": world.a1.pk, **BUILDING, "year_built": TODAY().year + 1},
    )
    assert future.status_code == 400 and "建成年份" in future.json()["error"]["message"]
    _building(world.a1, name=BUILDING["name"])
    twice = _post(client, "/api/v1/buildings", {"school_id": world.a1.pk, **BUILDING})
    assert twice.status_code == 400
    assert "该校已有名为“2号宿舍楼”的楼栋" in twice.json()["error"]["message"]
    page = client.post(
        f"/buildings/schools/{world.a1.pk}/new/",
        {**BUILDING, "name": "新楼", "storeys": "0", "year_built": str(TODAY().year + 3)},
    )
    html = page.content.decode()
    assert page.status_code == 200 and "层数须在 1 到 200 之间" in html
    assert "建成年份须在 1800 到今年之间" in html
    assert Building.objects.count() == 1


def test_the_pages_add_and_edit_a_building(world, as_user):
    director = as_user("director_a1")
    response = director.post(f"/buildings/schools/{world.a1.pk}/new/", BUILDING)
    assert response.status_code == 302
    assert response["Location"] == f"/buildings/schools/{world.a1.pk}/"
    building = Building.objects.get()
    edit = director.post(
        f"/buildings/{building.pk}/edit/", {**BUILDING, "fire_status": "hazard", "storeys": "6"}
    )
    assert edit.status_code == 302
    building.refresh_from_db()
    assert (building.fire_status, building.storeys) == ("hazard", 6)
    page = director.get(f"/buildings/schools/{world.a1.pk}/").content.decode()
    assert "2号宿舍楼" in page and "存在隐患" in page and "4,210.50" in page
    # The school's own page links to its buildings.
    assert (
        f"/buildings/schools/{world.a1.pk}/"
        in director.get(f"/schools/{world.a1.pk}/").content.decode()
    )


# --- Excel ----------------------------------------------------------------------------------


def _row(school_code, name, **overrides):
    row = {
        "school_code": school_code,
        "school_name": "",
        "name": name,
        "use": "教学楼",
        "structure": "框架",
        "storeys": 4,
        "floor_area_m2": 3200.5,
        "year_built": 1999,
        "seismic_status": "达标",
        "fire_status": "达标",
        "note": "",
        **overrides,
    }
    return [row[c.key] for c in excel.COLUMNS]


def _upload(client, rows, name="b.xlsx"):
    data = rows if isinstance(rows, bytes) else excel.workbook_bytes(rows)
    return page_import(client, "buildings", data, name=name)


def test_a_district_imports_its_schools_buildings_and_a_reimport_updates_them(world, as_user):
    _building(world.a1, name="1号教学楼")
    client = as_user("district_a")
    rows = [
        _row("TA01", "1号教学楼", storeys=5),
        _row("TA01", "食堂", use="食堂", floor_area_m2=900),
        _row("TA02", "综合楼", use="办公楼", seismic_status="需加固"),
    ]
    response = _upload(client, rows)
    assert response.status_code == 200
    assert "导入完成：新增 2 栋，更新 1 栋，未变化 0 栋。" in response.content.decode()
    assert Building.objects.count() == 3
    assert Building.objects.get(name="1号教学楼").storeys == 5
    assert Building.objects.get(name="综合楼").school == world.a2
    again = api_import(client, "buildings", excel.workbook_bytes(rows))
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        3,
    )
    assert AuditEntry.objects.filter(action="import", outcome="success").count() == 2


def test_a_bad_workbook_imports_nothing_and_names_every_row_and_column(world, as_user):
    client = as_user("district_a")
    rows = [
        _row("TA01", "1号教学楼"),
        _row("TB01", "乙区教学楼"),  # another district's school
        _row("TA01", "实验楼", use="城堡", storeys="四", floor_area_m2="很大"),
        _row("TA01", "1号教学楼"),  # the same name twice
        _row("TA02", "宿舍", year_built=TODAY().year + 2, floor_area_m2=0),
    ]
    response = _upload(client, rows)
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    api = api_import(client, "buildings", excel.workbook_bytes(rows))
    assert api.status_code == 400
    body = api.json()["error"]
    assert body["code"] == "import_rejected"
    problems = {(d["row"], d["column"]) for d in body["details"]}
    assert problems == {
        (3, "学校代码"),
        (4, "用途"),
        (4, "层数"),
        (4, "建筑面积（m²）"),
        (5, "楼栋名称"),
        (6, "建筑面积（m²）"),
        (6, "建成年份"),
    }
    messages = {(d["row"], d["column"]): d["message"] for d in body["details"]}
    values = {(d["row"], d["column"]): d["value"] for d in body["details"]}
    assert "不是您有权维护校舍的学校" in messages[(3, "学校代码")]
    assert (values[(3, "学校代码")], values[(4, "用途")], values[(4, "层数")]) == (
        "TB01",
        "城堡",
        "四",
    )
    assert "应为：教学楼、宿舍楼" in messages[(4, "用途")]
    assert "与第 2 行同名" in messages[(5, "楼栋名称")]
    assert not Building.objects.exists()
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 2
    junk = _upload(client, b"not a workbook")
    assert "文件不是有效的 Excel（.xlsx）文件" in junk.content.decode()
    wrong_type = _upload(client, b"x", name="b.csv")
    assert "请上传 .xlsx 格式的 Excel 文件。" in wrong_type.content.decode()
    missing = api_import(client, "buildings", b"junk")
    assert missing.status_code == 400 and not Building.objects.exists()


def test_the_export_is_scoped_audited_and_imports_back_unchanged(world, as_user):
    _building(world.a1)
    _building(world.b1, name="乙区楼")
    client = as_user("district_a")
    for url in ("/buildings/export.xlsx", "/api/v1/buildings/export"):
        data = client.get(url).content
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert rows[0][0] == "学校代码" and [r[2] for r in rows[1:]] == ["1号教学楼"]
    result = api_import(client, "buildings", data).json()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 1)
    assert AuditEntry.objects.filter(action="export").count() == 2
    assert client.get("/imports/buildings/template.xlsx").status_code == 200
    assert as_user("staff_a1").get("/imports/buildings/").status_code == 403


# --- remediation projects -------------------------------------------------------------------


def test_a_project_goes_from_plan_to_acceptance_with_a_dated_timeline(world, as_user):
    old = _building(world.a1)
    other = _building(world.a1, name="食堂", fire_status="compliant")
    principal = as_user("principal_a1")
    body = {
        "school_id": world.a1.pk,
        "name": "教学楼抗震加固",
        "kind": "both",
        "building_ids": [old.pk, other.pk],
        "plan": "外包钢加固，更换消防管网",
        "budget_yuan": "1850000.00",
        "planned_start": "2026-03-01",
        "planned_end": "2026-08-31",
        "client_key": "project-0001",
    }
    created = _post(principal, "/api/v1/remediation-projects", body)
    assert created.status_code == 201, created.json()
    again = _post(principal, "/api/v1/remediation-projects", body)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert RemediationProject.objects.count() == 1
    base = f"/api/v1/remediation-projects/{created.json()['id']}"
    started = _post(principal, f"{base}/start", {"on": "2026-03-05"})
    assert started.json()["status"] == "in_progress"
    old.refresh_from_db()
    other.refresh_from_db()
    assert (old.seismic_status, old.fire_status) == ("retrofitting", "rectifying")
    assert (other.seismic_status, other.fire_status) == ("retrofitting", "compliant")
    update = {"percent": 40, "on": "2026-05-10", "note": "主体加固完成", "client_key": "prog-0001"}
    first = _post(principal, f"{base}/progress", update)
    retry = _post(principal, f"{base}/progress", update)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert ProjectEvent.objects.filter(action="progress").count() == 1
    back = _post(principal, f"{base}/progress", {"percent": 30})
    assert (
        back.status_code == 400 and "进度不能低于上次填报的 40%" in back.json()["error"]["message"]
    )
    early = _post(principal, f"{base}/progress", {"percent": 50, "on": "2026-03-01"})
    assert early.status_code == 400 and "实际开工日期" in early.json()["error"]["message"]
    assert _post(principal, f"{base}/submit", {"on": "2026-09-01"}).json()["progress"] == 100
    # The school does not accept its own works; another district cannot see them.
    assert _post(principal, f"{base}/accept", {"passed": True}).status_code == 403
    assert _post(as_user("district_b"), f"{base}/accept", {"passed": True}).status_code == 404
    district = as_user("district_a")
    no_reason = _post(district, f"{base}/accept", {"passed": False})
    assert (
        no_reason.status_code == 400
        and "验收不通过须说明原因" in no_reason.json()["error"]["message"]
    )
    rejected = _post(
        district, f"{base}/accept", {"passed": False, "note": "消防管网未试压", "on": "2026-09-10"}
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["acceptance_unit"] == "甲区"
    assert (
        _post(principal, f"{base}/resume", {"note": "补做试压"}).json()["status"] == "in_progress"
    )
    _post(principal, f"{base}/submit", {"on": "2026-09-20"})
    accepted = _post(
        as_user("city_officer"), f"{base}/accept", {"passed": True, "on": "2026-09-25"}
    ).json()
    assert (accepted["status"], accepted["acceptance_unit"], accepted["acceptance_passed"]) == (
        "accepted",
        "测试市",
        True,
    )
    assert [(e["action"], e["on"]) for e in accepted["events"]] == [
        ("create", TODAY().isoformat()),
        ("start", "2026-03-05"),
        ("progress", "2026-05-10"),
        ("submit", "2026-09-01"),
        ("reject", "2026-09-10"),
        ("resume", TODAY().isoformat()),
        ("submit", "2026-09-20"),
        ("accept", "2026-09-25"),
    ]
    assert accepted["events"][2]["by"] == str(world.users["principal_a1"])
    old.refresh_from_db()
    other.refresh_from_db()
    assert (old.seismic_status, old.fire_status) == ("retrofitted", "remediated")
    assert (other.seismic_status, other.fire_status) == ("retrofitted", "remediated")
    project_entries = AuditEntry.objects.filter(object_type="buildings.remediationproject")
    assert project_entries.filter(action="create").count() == 1
    assert project_entries.filter(action="update").count() == 7  # each step and the progress
    # Started: 加固中 and 整改中; accepted: 已加固 and 已整改.
    assert (
        AuditEntry.objects.filter(
            object_type="buildings.building", action="update", object_id=str(old.pk)
        ).count()
        == 4
    )
    assert (
        AuditEntry.objects.filter(object_type="buildings.projectbuilding", action="create").count()
        == 2
    )
    # Accepted: nothing can be changed any more.
    assert _patch(principal, base, {"budget_yuan": "1.00"}).status_code == 400


def test_illegal_steps_are_refused_in_words_and_change_nothing(world, as_user):
    project = _project(world, [_building(world.a1)])
    base = f"/api/v1/remediation-projects/{project.pk}"
    district = as_user("district_a")
    refused = _post(district, f"{base}/accept", {"passed": True})
    assert refused.status_code == 400
    assert (
        "当前状态为“规划中”，不能执行“验收通过”（需处于“待验收”）"
        in refused.json()["error"]["message"]
    )
    assert _post(as_user("principal_a1"), f"{base}/submit", {}).status_code == 400
    progress = _post(as_user("principal_a1"), f"{base}/progress", {"percent": 10})
    assert "只有施工中的项目才能更新进度" in progress.json()["error"]["message"]
    page = district.post(f"/buildings/projects/{project.pk}/", {"step": "accept", "passed": "1"})
    assert page.status_code == 403  # no such step is offered in this state
    project.refresh_from_db()
    assert project.status == "planned" and project.events.count() == 1
    future = _post(
        as_user("principal_a1"), f"{base}/start", {"on": (TODAY() + timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 400 and "日期不能晚于今天" in future.json()["error"]["message"]


def test_a_project_covers_only_its_own_schools_buildings(world, as_user):
    mine = _building(world.a1)
    sibling = _building(world.a2, name="幼儿园楼")
    elsewhere = _building(world.b1, name="乙区楼")
    client = as_user("district_a")
    body = {
        "school_id": world.a1.pk,
        "name": "加固",
        "kind": "seismic",
        "plan": "加固",
        "budget_yuan": "100",
        "planned_start": "2026-01-01",
        "planned_end": "2026-06-01",
    }
    foreign = _post(
        client, "/api/v1/remediation-projects", {**body, "building_ids": [mine.pk, sibling.pk]}
    )
    assert foreign.status_code == 400
    assert "楼栋不属于该校，不能列入本项目：幼儿园楼" in foreign.json()["error"]["message"]
    out = _post(client, "/api/v1/remediation-projects", {**body, "building_ids": [elsewhere.pk]})
    assert out.status_code == 404
    assert (
        _post(client, "/api/v1/remediation-projects", {**body, "building_ids": []}).status_code
        == 422
    )
    reversed_dates = _post(
        client,
        "/api/v1/remediation-projects",
        {**body, "building_ids": [mine.pk], "planned_end": "2025-12-01"},
    )
    assert "计划完工日期不能早于计划开工日期" in reversed_dates.json()["error"]["message"]
    assert not RemediationProject.objects.exists()
    first = _post(client, "/api/v1/remediation-projects", {**body, "building_ids": [mine.pk]})
    assert first.status_code == 201
    twice = _post(
        client, "/api/v1/remediation-projects", {**body, "kind": "both", "building_ids": [mine.pk]}
    )
    assert (
        twice.status_code == 400
        and "已在未完成的整改项目“加固”中" in twice.json()["error"]["message"]
    )
    fire = _post(
        client, "/api/v1/remediation-projects", {**body, "kind": "fire", "building_ids": [mine.pk]}
    )
    assert fire.status_code == 201  # fire works next to seismic works do not overlap
    moved = _patch(
        client, f"/api/v1/remediation-projects/{first.json()['id']}", {"building_ids": [sibling.pk]}
    )
    assert (
        moved.status_code == 400
        and RemediationProject.objects.get(pk=first.json()["id"]).buildings.get() == mine
    )


def test_the_pages_take_a_project_from_plan_to_acceptance(world, as_user):
    building = _building(world.a1)
    principal = as_user("principal_a1")
    form = principal.get(f"/buildings/schools/{world.a1.pk}/projects/new/").content.decode()
    assert "1号教学楼" in form and 'name="client_key"' in form
    created = principal.post(
        f"/buildings/schools/{world.a1.pk}/projects/new/",
        {
            "name": "1号教学楼抗震加固",
            "kind": "seismic",
            "buildings": [building.pk],
            "plan": "增设构造柱和圈梁",
            "budget_yuan": "680000",
            "planned_start": "2026-04-01",
            "planned_end": "2026-08-01",
            "client_key": "page-key-0001",
        },
    )
    project = RemediationProject.objects.get()
    assert (
        created.status_code == 302 and created["Location"] == f"/buildings/projects/{project.pk}/"
    )
    url = f"/buildings/projects/{project.pk}/"
    assert 'data-testid="step-start"' in principal.get(url).content.decode()
    principal.post(url, {"step": "start", "on": "2026-04-02"})
    principal.post(url, {"step": "progress", "percent": "60", "on": "2026-06-01", "note": "过半"})
    page = principal.get(url).content.decode()
    assert "进度更新 60%" in page and 'data-testid="step-submit"' in page
    principal.post(url, {"step": "submit", "on": "2026-08-01"})
    assert 'data-testid="step-accept"' not in principal.get(url).content.decode()
    district = as_user("district_a")
    bad = district.post(url, {"step": "accept", "passed": "0", "on": "2026-08-05"})
    assert "验收不通过须说明原因" in bad.content.decode()
    district.post(url, {"step": "accept", "passed": "1", "on": "2026-08-05", "note": "合格"})
    project.refresh_from_db()
    building.refresh_from_db()
    assert project.status == "accepted" and project.acceptance_by == world.users["district_a"]
    assert building.seismic_status == "retrofitted" and building.fire_status == "hazard"
    assert "已验收" in district.get(url).content.decode()


# --- roll-ups -------------------------------------------------------------------------------


@pytest.fixture
def campaign(world):
    """甲区: A1 remediated in 2019 (two buildings, both kinds) and in 2022 (fire only);
    A2 not; 乙区: B1 seismic in 2020; C1 (directly affiliated) in 2021."""
    a1 = [_building(world.a1, name=f"A1-{n}", area="1000.00") for n in range(3)]
    a2 = _building(world.a2, name="A2", area="700.00")
    b1 = _building(world.b1, name="B1", area="2500.50")
    c1 = _building(world.c1, name="C1", area="4000.00", seismic_status="compliant")
    _accepted(world, a1[:2], date(2019, 6, 30))
    _accepted(world, a1[2:], date(2022, 1, 5), kind="fire")
    _accepted(world, [b1], date(2020, 12, 31), kind="seismic", school_user="district_b")
    _accepted(world, [c1], date(2021, 3, 1), kind="fire", school_user="principal_c1")
    return {"a1": a1, "a2": a2, "b1": b1, "c1": c1}


def _rollup(client, query=""):
    response = client.get(f"/api/v1/buildings/remediation{query}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.usefixtures("campaign")
def test_the_rollup_counts_schools_buildings_and_area_remediated(world, as_user):
    city = as_user("city_officer")
    everything = _rollup(city)
    assert (everything["schools"], everything["buildings"], everything["floor_area_m2"]) == (
        3,
        5,
        1000 * 3 + 2500.5 + 4000,
    )
    assert (everything["schools_total"], everything["buildings_total"]) == (4, 6)
    # A2; A1-2 (fire works only, seismic still 需加固); B1 (seismic only, fire 存在隐患).
    assert everything["needing_remediation"] == 3
    assert everything["projects"]["accepted"] == 4
    by_2020 = _rollup(city, "?year=2020")
    assert (by_2020["schools"], by_2020["buildings"], by_2020["floor_area_m2"]) == (2, 3, 4500.5)
    assert by_2020["until"] == "2020-12-31"
    assert _rollup(city, "?as_of=2020-12-30")["buildings"] == 2
    assert _rollup(city, "?year=2021&as_of=2019-12-31")["buildings"] == 2  # the earlier wins
    seismic = _rollup(city, "?kind=seismic")
    assert (seismic["schools"], seismic["buildings"]) == (2, 3)  # the "both" project counts
    fire = _rollup(city, "?kind=fire")
    assert (fire["schools"], fire["buildings"], fire["floor_area_m2"]) == (2, 4, 7000)
    rows = {r["name"]: r for r in everything["rows"]}
    assert set(rows) == {"甲区", "乙区", None}
    assert (
        rows["甲区"]["schools"],
        rows["甲区"]["buildings"],
        rows["甲区"]["buildings_total"],
    ) == (
        1,
        3,
        4,
    )
    assert rows[None]["key"] is None and rows[None]["floor_area_m2"] == 4000
    direct = _rollup(city, "?district=0&group=school")
    assert [(r["name"], r["buildings"]) for r in direct["rows"]] == [("测试市第一中学", 1)]
    district_b = _rollup(city, f"?district={world.district_b.pk}")
    assert (district_b["schools"], district_b["buildings"]) == (1, 1)
    # Scope: the district and the school see only their own, whatever they ask for.
    mine = _rollup(as_user("district_a"))
    assert (mine["schools"], mine["buildings"], mine["floor_area_m2"]) == (1, 3, 3000)
    assert _rollup(as_user("district_a"), f"?district={world.district_b.pk}")["buildings"] == 0
    assert _rollup(as_user("teacher_b1"))["buildings"] == 1
    assert as_user("city_officer").get("/api/v1/buildings/remediation?kind=wind").status_code == 422


@pytest.mark.usefixtures("campaign")
def test_the_rollup_page_drills_from_districts_to_schools_to_buildings(world, as_user):
    city = as_user("city_officer")
    page = city.get("/buildings/?year=2020").content.decode()
    assert 'data-figure="schools">2<' in page and 'data-figure="buildings">3<' in page
    assert 'data-figure="floor_area">0.45<' in page  # 4,500.5 m² = 0.45 万 m²
    assert "4,500.50 m²" in page
    assert f"?year=2020&district={world.district_a.pk}" in page
    district = city.get(f"/buildings/?year=2020&district={world.district_a.pk}").content.decode()
    assert f"/buildings/schools/{world.a1.pk}/" in district and "甲区第一小学" in district
    school = city.get(f"/buildings/schools/{world.a1.pk}/").content.decode()
    assert school.count("data-building=") == 3 and "已加固" in school
    officer = as_user("district_a").get("/buildings/").content.decode()
    assert "甲区第一小学" in officer and "乙区" not in officer  # straight to its schools


def test_the_rollup_and_lists_run_a_fixed_number_of_queries(world, as_user):
    client = as_user("city_officer")
    urls = [
        "/buildings/",
        f"/buildings/?district={world.district_a.pk}",
        "/buildings/projects/",
        f"/buildings/schools/{world.a1.pk}/",
        "/api/v1/buildings?limit=100",
        "/api/v1/buildings/remediation?group=school",
        "/api/v1/remediation-projects?limit=100",
    ]

    def add(n):
        for _ in range(n):
            for school, user in (
                (world.a1, "district_a"),
                (world.a2, "district_a"),
                (world.b1, "district_b"),
            ):
                building = _building(school, name=f"楼{Building.objects.count()}")
                _project(world, [building], user=user)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(1)
    before = {}
    for url in urls:
        count(url)
        before[url] = count(url)
    add(5)
    assert {url: count(url) for url in urls} == before


# --- fuzzing: generated requests to this app's endpoints never get a server error -----------

MINE = r"^/api/v1/(buildings|remediation-projects)"


@pytest.fixture
def district_api_schema(db, world):
    """The OpenAPI schema, driving the WSGI app as a district officer (who may manage and
    accept, unlike the city administrator of test_api_schema_fuzz.py), with records to hit."""
    from .factories import api_token
    from .fuzzing import wsgi_schema

    building = _building(world.a1)
    _project(world, [building], user="district_a")
    token = api_token(world.users["district_a"])
    with wsgi_schema() as schema:
        schema.token = token
        yield schema


def _fuzz():
    import schemathesis
    from schemathesis.checks import not_a_server_error

    from .fuzzing import FUZZ

    schema = schemathesis.from_pytest_fixture("district_api_schema")

    @schema.include(path_regex=MINE).parametrize()
    @FUZZ
    def test_this_apps_endpoints_never_answer_a_server_error(case, district_api_schema):
        headers = {"Authorization": f"Bearer {district_api_schema.token}"}
        response = case.call_wsgi(headers=headers)
        case.validate_response(response, checks=(not_a_server_error,))

    return test_this_apps_endpoints_never_answer_a_server_error


test_this_apps_endpoints_never_answer_a_server_error = _fuzz()


def test_two_simultaneous_adds_of_one_name_give_one_building_and_a_message(world, monkeypatch):
    """The name check and the insert are two steps: a second add that passes the check
    meanwhile meets the unique constraint and gets the same Chinese message, not a 500."""
    from safecampus.buildings import services
    from safecampus.core.errors import BusinessRuleError

    _building(world.a1, name="综合楼")
    monkeypatch.setattr(services, "_check_name_free", lambda *a, **k: None)
    fields = {
        "use": "teaching",
        "structure": "frame",
        "storeys": 3,
        "floor_area_m2": Decimal("1200.00"),
        "year_built": 2001,
        "seismic_status": "compliant",
        "fire_status": "compliant",
    }
    with pytest.raises(BusinessRuleError, match="综合楼"):
        services.building_create(
            user=world.users["principal_a1"], school=world.a1, name="综合楼", **fields
        )
    assert Building.objects.filter(school=world.a1, name="综合楼").count() == 1
