"""The rectification list: every hazard tracked from report to closing, scoped, audited."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.hazards.models import Hazard
from safecampus.hazards.services import hazard_report
from safecampus.rules.models import RuleSet, RuleSetAssignment

from .conftest import PERSONAS
from .factories import api_token
from .html_tables import table_rows


def _report(world, school=None, user="staff_a1", **kwargs):
    hazard, _created = hazard_report(
        user=world.users[user],
        school=school or world.a1,
        description=kwargs.pop("description", "楼梯扶手松动"),
        source=kwargs.pop("source", "report"),
        **kwargs,
    )
    return hazard


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_hazard_goes_through_every_state_including_a_rejected_verification(world, as_user):
    reporter = as_user("staff_a1")
    created = _post(
        reporter,
        "/api/v1/hazards",
        {"school_id": world.a1.pk, "description": "二楼楼梯扶手松动", "place": "教学楼二楼"},
    )
    assert created.status_code == 201
    hazard_id = created.json()["id"]
    assert created.json()["status"] == "reported"
    director = as_user("director_a1")
    base = f"/api/v1/hazards/{hazard_id}"
    owner = world.users["staff_a1"]
    assert _post(director, f"{base}/assign", {"owner_id": owner.pk}).json()["status"] == "assigned"
    assert (
        _post(
            reporter,
            f"{base}/start",
            {"plan": "更换扶手固定件", "measures": "加固并复查", "money": "350.00"},
        ).json()["status"]
        == "rectifying"
    )
    assert (
        _post(reporter, f"{base}/submit", {"result": "已加固"}).json()["status"]
        == "awaiting_verification"
    )
    rejected = _post(director, f"{base}/verify", {"accept": False, "note": "仍有晃动"})
    assert rejected.json()["status"] == "rectifying"
    assert (
        _post(reporter, f"{base}/submit", {"result": "更换全部固定件"}).json()["status"]
        == "awaiting_verification"
    )
    closed = _post(director, f"{base}/verify", {"accept": True}).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    actions = [e["action"] for e in closed["events"]]
    assert actions == ["report", "assign", "start", "submit", "reject", "submit", "accept"]
    assert closed["events"][4]["note"] == "仍有晃动"
    assert (
        AuditEntry.objects.filter(
            object_type="hazards.hazard", object_id=str(hazard_id), action="update"
        ).count()
        == 6
    )


def test_illegal_steps_are_refused_in_words_and_change_nothing(world, as_user):
    hazard = _report(world)
    director = as_user("director_a1")
    response = _post(director, f"/api/v1/hazards/{hazard.pk}/verify", {"accept": True})
    assert response.status_code == 400
    assert "当前状态为“已上报”，不能执行“验收通过，销号”" in response.json()["error"]["message"]
    page = director.post(f"/hazards/{hazard.pk}/", {"step": "verify", "accept": "1"})
    assert page.status_code == 403  # no such step is offered in this state
    hazard.refresh_from_db()
    assert hazard.status == "reported" and hazard.events.count() == 1


def test_who_may_do_what(world, as_user):
    hazard = _report(world)
    base = f"/api/v1/hazards/{hazard.pk}"
    staff = as_user("staff_a1")
    assert (
        _post(staff, f"{base}/assign", {"owner_id": world.users["staff_a1"].pk}).status_code == 403
    )
    assert (
        _post(
            as_user("teacher_b1"), f"{base}/assign", {"owner_id": world.users["staff_a1"].pk}
        ).status_code
        == 404
    )
    assert (
        _post(
            as_user("district_b"), f"{base}/assign", {"owner_id": world.users["staff_a1"].pk}
        ).status_code
        == 404
    )
    # The owner rectifies; another staff member of the school may not.
    assert (
        _post(
            as_user("principal_a1"), f"{base}/assign", {"owner_id": world.users["guard_a1"].pk}
        ).status_code
        == 200
    )
    assert _post(staff, f"{base}/start", {"plan": "p", "measures": "m"}).status_code == 403
    assert (
        _post(as_user("guard_a1"), f"{base}/start", {"plan": "p", "measures": "m"}).status_code
        == 200
    )
    # Nobody outside the school can be made responsible.
    other = _report(world)
    assert (
        _post(
            as_user("director_a1"),
            f"/api/v1/hazards/{other.pk}/assign",
            {"owner_id": world.users["teacher_b1"].pk},
        ).status_code
        == 404
    )


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_ledger_is_scoped(world, as_user, persona):
    a1, b1 = _report(world), _report(world, school=world.b1, user="teacher_b1")
    client = as_user(persona)
    listing, page = client.get("/api/v1/hazards"), client.get("/hazards/")
    visible = {
        "city_admin": {a1.pk, b1.pk},
        "city_officer": {a1.pk, b1.pk},
        "inspector": {a1.pk, b1.pk},
        "district_a": {a1.pk},
        "district_b": {b1.pk},
        "teacher_b1": {b1.pk},
        "principal_c1": set(),
    }.get(persona, {a1.pk})
    if persona in ("auditor", "security_admin"):  # no business action
        assert listing.status_code == 403 and page.status_code == 403
        return
    assert {h["id"] for h in listing.json()["items"]} == visible
    for hazard in (a1, b1):
        assert client.get(f"/api/v1/hazards/{hazard.pk}").status_code == (
            200 if hazard.pk in visible else 404
        )
        assert client.get(f"/hazards/{hazard.pk}/").status_code == (
            200 if hazard.pk in visible else 404
        )
    assert client.get("/api/v1/hazards/stats").json()["found"] == len(visible)


def test_a_retried_report_is_recorded_once(world):
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(world.users['guard_a1'])}"}
    body = {"school_id": world.a1.pk, "description": "围墙破损", "client_key": "phone-2026-0001"}
    first = client.post("/api/v1/hazards", body, content_type="application/json", **auth)
    again = client.post("/api/v1/hazards", body, content_type="application/json", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Hazard.objects.count() == 1
    # Someone else cannot reuse the key.
    other = Client().post(
        "/api/v1/hazards",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token(world.users['staff_a1'])}",
    )
    assert other.status_code == 400 and Hazard.objects.count() == 1


def test_bad_reports_get_a_clear_message_and_change_nothing(world, as_user):
    client = as_user("staff_a1")
    assert (
        _post(client, "/api/v1/hazards", {"school_id": world.b1.pk, "description": "x"}).status_code
        == 404
    )
    assert (
        _post(client, "/api/v1/hazards", {"school_id": world.a1.pk, "description": ""}).status_code
        == 422
    )
    future = (timezone.now() + timedelta(days=2)).isoformat()
    late = _post(
        client,
        "/api/v1/hazards",
        {"school_id": world.a1.pk, "description": "x", "found_at": future},
    )
    assert late.status_code == 400 and "发现时间" in late.json()["error"]["message"]
    page = client.post(
        "/hazards/new/",
        {
            "school": world.b1.pk,
            "level": "general",
            "source": "report",
            "description": "x",
            "found_at": "2026-01-01T08:00",
        },
    )
    assert "选择一个有效的选项" in page.content.decode()
    assert not Hazard.objects.exists()


def test_the_deadline_follows_the_schools_rule_set(world, as_user):
    assert _report(world).deadline == timezone.localdate() + timedelta(days=30)
    default = RuleSet.objects.get(kind="hazard_deadline", is_default=True)
    local = RuleSet.objects.create(
        kind="hazard_deadline",
        name="甲区期限",
        version="1",
        effective_from="2026-01-01",
        authority="甲区",
        data={**default.data, "general_days": 7},
        unit=world.city,
    )
    RuleSetAssignment.objects.create(unit=world.district_a, kind="hazard_deadline", rule_set=local)
    assert _report(world).deadline == timezone.localdate() + timedelta(days=7)
    assert _report(
        world, school=world.b1, user="teacher_b1"
    ).deadline == timezone.localdate() + timedelta(days=30)
    assert _report(world, level="major").deadline == timezone.localdate() + timedelta(days=90)


def test_overdue_is_derived_from_the_deadline(world, as_user):
    late = _report(world)
    Hazard.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    _report(world)
    client = as_user("district_a")
    stats = client.get("/api/v1/hazards/stats").json()
    assert (stats["found"], stats["overdue"], stats["rectified"], stats["rate"]) == (2, 1, 0, 0.0)
    assert [h["id"] for h in client.get("/api/v1/hazards?overdue=true").json()["items"]] == [
        late.pk
    ]
    assert "逾期" in client.get(f"/hazards/{late.pk}/").content.decode()


def test_major_hazards_go_under_listed_supervision(world, as_user):
    major, general = _report(world, level="major"), _report(world)
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    district = as_user("district_a")
    ok = _post(
        district,
        f"/api/v1/hazards/{major.pk}/supervise",
        {"unit_id": world.district_a.pk, "deadline": deadline},
    )
    assert ok.status_code == 200 and ok.json()["supervised_by_id"] == world.district_a.pk
    refused = _post(
        district,
        f"/api/v1/hazards/{general.pk}/supervise",
        {"unit_id": world.district_a.pk, "deadline": deadline},
    )
    assert refused.status_code == 400 and "重大隐患" in refused.json()["error"]["message"]
    # The school's principal holds no hazard.supervise: 403 at a unit he sees (his school),
    # 404 at one outside his org.view scope (the district above it).
    principal = as_user("principal_a1")
    for unit, status in ((world.a1.unit, 403), (world.district_a, 404)):
        refused = _post(
            principal,
            f"/api/v1/hazards/{major.pk}/supervise",
            {"unit_id": unit.pk, "deadline": deadline},
        )
        assert refused.status_code == status, unit
    assert district.get("/api/v1/hazards/stats").json()["supervised"] == 1


def test_stats_filter_by_year_district_and_level(world, as_user):
    _report(world, found_at=timezone.now() - timedelta(days=800))
    _report(world, level="major")
    _report(world, school=world.b1, user="teacher_b1")
    client = as_user("city_officer")
    year = timezone.localdate().year
    assert client.get(f"/api/v1/hazards/stats?year={year}").json()["found"] == 2
    assert client.get(f"/api/v1/hazards/stats?district={world.district_b.pk}").json()["found"] == 1
    assert client.get("/api/v1/hazards/stats?level=major").json()["found"] == 1
    assert client.get("/api/v1/hazards/stats?level=huge").status_code == 422
    # The table's rows, not the page (the district filter names both districts anyway).
    table = client.get("/hazards/stats/?group=district").content.decode()
    assert [row[:2] for row in table_rows(table, "stats-table")] == [["甲区", "2"], ["乙区", "1"]]
    filtered = client.get(f"/hazards/stats/?group=district&district={world.district_b.pk}")
    assert [row[:2] for row in table_rows(filtered.content.decode(), "stats-table")] == [
        ["乙区", "1"]
    ]


def test_the_ledger_exports_what_the_page_shows(world, as_user):
    _report(world)
    _report(world, school=world.b1, user="teacher_b1")
    import io

    for url in ("/hazards/export.xlsx", "/api/v1/hazards/export"):
        data = as_user("district_a").get(url).content
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert rows[0][0] == "学校" and [r[0] for r in rows[1:]] == ["甲区第一小学"]


def test_the_pages_walk_the_workflow(world, as_user):
    director = as_user("director_a1")
    response = director.post(
        "/hazards/new/",
        {
            "school": world.a1.pk,
            "level": "general",
            "source": "patrol",
            "place": "操场",
            "description": "篮球架底座锈蚀",
            "found_at": "2026-11-28T09:30",
            "client_key": "k-12345678",
        },
    )
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hazards/{hazard.pk}/"
    page = director.get(f"/hazards/{hazard.pk}/").content.decode()
    assert 'data-testid="step-assign"' in page
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    director.post(
        f"/hazards/{hazard.pk}/",
        {"step": "assign", "owner": world.users["director_a1"].pk, "deadline": deadline},
    )
    director.post(
        f"/hazards/{hazard.pk}/", {"step": "start", "plan": "除锈刷漆", "measures": "更换底座螺栓"}
    )
    director.post(f"/hazards/{hazard.pk}/", {"step": "submit", "result": "已完成"})
    director.post(f"/hazards/{hazard.pk}/", {"step": "verify", "accept": "1", "note": ""})
    hazard.refresh_from_db()
    assert hazard.status == "closed" and str(hazard.deadline) == deadline


def test_hazards_follow_their_school_and_district_when_units_move(world, as_user):
    """The scope path copied onto each hazard moves with the subtree: after a school and then
    a whole district move, each officer sees exactly the hazards now under them."""
    hazard = _report(world)
    assert hazard.unit_path == "/T1/TA/TA01/"

    def visible(persona):
        return {h["id"] for h in as_user(persona).get("/api/v1/hazards").json()["items"]}

    assert hazard.pk in visible("district_a") and hazard.pk not in visible("district_b")
    world.a1.unit.parent = world.district_b
    world.a1.unit.save()
    hazard.refresh_from_db()
    assert hazard.unit_path == "/T1/TB/TA01/" and hazard.district == world.district_b
    assert hazard.pk in visible("district_b") and hazard.pk not in visible("district_a")
    world.district_b.code = "TB2"
    world.district_b.save()
    hazard.refresh_from_db()
    assert hazard.unit_path == "/T1/TB2/TA01/"
    assert hazard.pk in visible("district_b") and hazard.pk in visible("city_officer")


def test_cached_statistics_change_with_every_write_whatever_makes_it(world, as_user):
    """The statistics are cached under a counter that database triggers bump: a service, a
    bulk update and raw SQL all show at once."""
    from django.db import connection

    client = as_user("district_a")

    def found():
        return client.get("/api/v1/hazards/stats").json()

    hazard = _report(world)
    assert found()["found"] == 1 and found()["major"] == 0
    _report(world, description="配电室门未上锁")
    assert found()["found"] == 2
    Hazard.objects.filter(pk=hazard.pk).update(level="major")
    assert found()["major"] == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE hazards_hazard SET status = 'closed' WHERE id = %s", [hazard.pk])
    assert found()["rectified"] == 1
    world.a1.unit.parent = world.district_b
    world.a1.unit.save()
    assert found()["found"] == 0


def test_the_list_says_of_each_hazard_what_its_detail_says(world, as_user):
    """The list reads plain rows (hazards.selectors.hazard_rows), the detail a model instance:
    every field of every row is the same either way, and the count is the statistics'."""
    from safecampus.risks.models import Aspect

    director = as_user("director_a1")
    plain = _report(world, place="操场", aspect=Aspect.objects.order_by("code").first())
    late = _report(world)
    Hazard.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    major = _report(world, level="major", source="patrol")
    _post(director, f"/api/v1/hazards/{major.pk}/assign", {"owner_id": world.users["staff_a1"].pk})
    _post(
        as_user("staff_a1"),
        f"/api/v1/hazards/{major.pk}/start",
        {"plan": "更换", "measures": "加固", "money": "1200.50"},
    )
    _post(
        as_user("district_a"),
        f"/api/v1/hazards/{major.pk}/supervise",
        {"unit_id": world.district_a.pk, "deadline": timezone.localdate().isoformat()},
    )
    _report(world, school=world.b1, user="teacher_b1")
    client = as_user("district_a")
    listing = client.get("/api/v1/hazards").json()
    assert listing["count"] == client.get("/api/v1/hazards/stats").json()["found"] == 3
    assert [h["id"] for h in listing["items"]] == [major.pk, late.pk, plain.pk]
    for item in listing["items"]:
        detail = client.get(f"/api/v1/hazards/{item['id']}").json()
        assert item == {k: v for k, v in detail.items() if k not in ("events", "photos")}
    rows = {h["id"]: h for h in listing["items"]}
    assert rows[late.pk]["overdue"] and not rows[plain.pk]["overdue"]
    assert rows[plain.pk]["aspect"] and rows[plain.pk]["school_name"] == "甲区第一小学"
    assert rows[major.pk]["money"] == "1200.50" and rows[major.pk]["status_label"] == "整改中"
    page = client.get("/api/v1/hazards?limit=1&offset=1").json()
    assert page == {"items": [rows[late.pk]], "count": 3}
    overdue = client.get("/api/v1/hazards?overdue=true").json()
    assert overdue == {"items": [rows[late.pk]], "count": 1}


def test_the_ledger_page_shows_each_row_and_escapes_what_users_typed(world, as_user):
    typed = _report(world, description='<b>扶手</b> & "松动"', place="<i>楼梯</i>")
    late = _report(world, level="major")
    Hazard.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    page = as_user("district_a").get("/hazards/").content.decode()
    assert "&lt;b&gt;扶手&lt;/b&gt; &amp; &quot;松动&quot;" in page and "<b>扶手" not in page
    assert f'href="/hazards/{typed.pk}/"' in page and f'href="/hazards/{late.pk}/"' in page
    rows = page.split('data-testid="hazard-table"')[1].split("</tbody>")[0].split("<tr>")[2:]
    assert len(rows) == 2
    assert "甲区第一小学" in rows[0] and "甲区" in rows[0] and "重大隐患" in rows[0]
    assert "bg-red-lt" in rows[0] and "逾期" in rows[0] and "已上报" in rows[0]
    assert "逾期" not in rows[1] and "一般隐患" in rows[1]
