"""Online hazard patrols (隐患网上巡查): QR-coded check points per school, visits logged by
scanning them (once, however often the phone retries), the hazards found on a round, and the
daily completeness of the key areas against the school's `patrol` rule set."""

import io
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from PIL import Image

from safecampus.audit.models import AuditEntry
from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.patrols import services
from safecampus.patrols.models import CheckPoint, PatrolVisit
from safecampus.patrols.qr import qr_svg
from safecampus.patrols.selectors import patrol_rollup, school_day
from safecampus.rules.models import RuleSet

from .conftest import PERSONAS
from .factories import RoleAssignmentFactory, SchoolFactory, UserFactory, api_token
from .html_tables import first_column, table_rows

SCANNERS = {"principal_a1", "director_a1", "staff_a1", "guard_a1"}
# Roles that see A1's check points but do not patrol: 403 on a scan.
VIEWERS_OF_A1 = {"city_admin", "city_officer", "inspector", "district_a", "counsellor_a1"}


def _head(world, school) -> str:
    """A principal for a school that has none among the personas (B1, A2, C1 …): the name."""
    name = f"head_{school.unit.code}"
    if name not in world.users:
        world.users[name] = UserFactory(username=name)
        RoleAssignmentFactory(user=world.users[name], unit=school.unit, role="principal")
    return name


def _point(world, school=None, name="配电室", key=True, user="director_a1", place="", days_ago=30):
    """A check point set up `days_ago` days ago (so that it counts for the past days)."""
    point = services.checkpoint_create(
        user=world.users[user],
        school=school or world.a1,
        name=name,
        place=place,
        is_key_area=key,
    )
    if days_ago:
        point.created_at -= timedelta(days=days_ago)
        CheckPoint.objects.filter(pk=point.pk).update(created_at=point.created_at)
    return point


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _scan(client, token, key, **extra):
    return _post(client, "/api/v1/patrols/scan", {"token": token, "client_key": key, **extra})


def _visits(point, day, n, user):
    """n visits of `point` on a past `day` (the service only takes scans of the last 24 h)."""
    for i in range(n):
        at = timezone.make_aware(datetime.combine(day, time(7 + i, 30)))
        PatrolVisit.objects.create(check_point=point, user=user, visited_at=at, day=day)


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "found.jpg"
    return buffer


def yesterday():
    return timezone.localdate() - timedelta(days=1)


# --- scanning ------------------------------------------------------------------------------


def test_a_guard_scans_a_check_point_once_however_often_the_phone_retries(world, as_user):
    point = _point(world)
    guard = as_user("guard_a1")
    first = _scan(guard, point.token, "scan-key-0001", note="门窗完好")
    assert first.status_code == 201
    body = first.json()
    assert body["check_point_id"] == point.pk and body["note"] == "门窗完好"
    assert body["day"] == timezone.localdate().isoformat() and body["hazard_id"] is None
    retry = _scan(guard, point.token, "scan-key-0001", note="门窗完好")
    assert retry.status_code == 200 and retry.json()["id"] == body["id"]
    assert PatrolVisit.objects.filter(check_point=point).count() == 1
    # The page's form retried with the same key finds the same visit too.
    page = guard.post(f"/patrols/scan/{point.token}/", {"client_key": "scan-key-0001"})
    assert page.status_code == 302
    assert PatrolVisit.objects.filter(check_point=point).count() == 1
    # Another user cannot reuse someone's key.
    clash = _scan(as_user("staff_a1"), point.token, "scan-key-0001")
    assert clash.status_code == 400 and "提交编号已被使用" in clash.json()["error"]["message"]
    entry = AuditEntry.objects.get(
        object_type="patrols.patrolvisit", object_id=str(body["id"]), action="create"
    )
    assert entry.username == "guard_a1" and entry.unit_path == world.a1.unit.path


def test_the_scan_page_records_a_visit_and_shows_todays_count(world, as_user):
    point = _point(world, name="校门口")
    guard = as_user("guard_a1")
    page = guard.get(f"/patrols/scan/{point.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "校门口" in html and "记录巡查" in html and "今日已巡查 0/5 次" in html
    done = guard.post(
        f"/patrols/scan/{point.token}/",
        {"client_key": "page-key-0001", "note": "正常", "latitude": "37.5", "longitude": "121.4"},
        follow=True,
    )
    html = done.content.decode()
    assert 'data-testid="recorded"' in html and "已记录巡查" in html
    assert "今日已巡查 1/5 次" in html and 'name="client_key"' not in html
    visit = PatrolVisit.objects.get(check_point=point)
    assert visit.user == world.users["guard_a1"] and visit.note == "正常"
    assert done.redirect_chain == [(f"/patrols/scan/{point.token}/?recorded={visit.pk}", 302)]
    # Someone else's visit is not confirmed to them.
    other = as_user("staff_a1").get(f"/patrols/scan/{point.token}/?recorded={visit.pk}")
    assert 'data-testid="recorded"' not in other.content.decode()
    assert float(visit.latitude) == 37.5 and float(visit.longitude) == 121.4


def test_an_anonymous_scan_goes_to_the_login_first(world, client):
    point = _point(world)
    response = client.get(f"/patrols/scan/{point.token}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _scan(client, point.token, "anon-key-0001").status_code == 401


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_scanning_is_for_the_schools_own_people(world, as_user, persona):
    point = _point(world)
    client = as_user(persona)
    page = client.get(f"/patrols/scan/{point.token}/")
    api = client.get(f"/api/v1/patrols/scan/{point.token}")
    post = _scan(client, point.token, f"key-{persona}-0001")
    if persona in SCANNERS:
        expected, created = 200, 201
    elif persona in VIEWERS_OF_A1:
        expected = created = 403  # sees the check point, does not patrol
    else:
        expected = created = 404  # another school's code reveals nothing
    assert (page.status_code, api.status_code, post.status_code) == (expected, expected, created)
    assert PatrolVisit.objects.count() == (1 if persona in SCANNERS else 0)


def test_a_bad_or_foreign_token_is_not_found(world, as_user):
    guard = as_user("guard_a1")
    assert guard.get("/patrols/scan/not-a-real-token-at-all/").status_code == 404
    assert guard.get("/patrols/scan/bad%20token/").status_code == 404
    assert _scan(guard, "short", "bad-token-0001").status_code == 422
    unknown = _scan(guard, "A" * 24, "bad-token-0002")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    # A token of school B1 is 404 for A1's guard.
    other = _point(world, school=world.b1, user=_head(world, world.b1), name="乙校门口")
    assert guard.get(f"/patrols/scan/{other.token}/").status_code == 404
    assert _scan(guard, other.token, "bad-token-0003").status_code == 404
    assert PatrolVisit.objects.count() == 0


def test_bad_scan_input_is_refused_in_words_and_changes_nothing(world, as_user):
    point = _point(world)
    guard = as_user("guard_a1")
    cases = [
        ({"latitude": 37.5}, 400, "纬度和经度须同时提供"),
        ({"latitude": 95, "longitude": 121}, 422, None),
        ({"visited_at": (timezone.now() + timedelta(hours=2)).isoformat()}, 400, "不能晚于现在"),
        ({"visited_at": (timezone.now() - timedelta(hours=30)).isoformat()}, 400, "24 小时"),
        ({"hazard": {"description": ""}}, 422, None),
        ({"hazard": {"description": "漏电", "level": "huge"}}, 422, None),
        ({"note": "x" * 501}, 422, None),
    ]
    for n, (extra, status, words) in enumerate(cases):
        response = _scan(guard, point.token, f"bad-input-{n:04d}", **extra)
        assert response.status_code == status, (extra, response.content)
        if words:
            assert words in response.json()["error"]["message"]
    assert _post(guard, "/api/v1/patrols/scan", {"token": point.token}).status_code == 422
    # The page: "发现隐患" ticked without a description.
    page = guard.post(
        f"/patrols/scan/{point.token}/", {"client_key": "bad-page-0001", "hazard": "on"}
    )
    assert page.status_code == 200 and "请描述发现的隐患" in page.content.decode()
    # A file that is not an image: nothing is kept, not even the hazard.
    junk = io.BytesIO(b"not an image")
    junk.name = "x.jpg"
    page = guard.post(
        f"/patrols/scan/{point.token}/",
        {
            "client_key": "bad-page-0002",
            "hazard": "on",
            "hazard_description": "电线裸露",
            "photos": junk,
        },
    )
    assert page.status_code == 200 and "图片" in page.content.decode()
    assert PatrolVisit.objects.count() == 0 and Hazard.objects.count() == 0
    # A deactivated check point takes no more scans.
    services.checkpoint_update(user=world.users["director_a1"], check_point=point, active=False)
    stopped = _scan(guard, point.token, "bad-input-9999")
    assert stopped.status_code == 400 and "已停用" in stopped.json()["error"]["message"]
    assert "该巡查点已停用" in guard.get(f"/patrols/scan/{point.token}/").content.decode()
    assert PatrolVisit.objects.count() == 0


def test_a_hazard_found_on_a_round_goes_on_the_rectification_list(world, as_user):
    point = _point(world, name="食堂后厨", place="一楼北侧")
    guard = as_user("guard_a1")
    page = guard.post(
        f"/patrols/scan/{point.token}/",
        {
            "client_key": "hazard-page-0001",
            "hazard": "on",
            "hazard_description": "灭火器压力不足",
            "hazard_level": "general",
            "photos": [_jpeg(), _jpeg()],
        },
        follow=True,
    )
    visit = PatrolVisit.objects.get(check_point=point)
    assert f"隐患已上报（编号 {visit.hazard_id}）" in page.content.decode()
    hazard = visit.hazard
    assert hazard.source == "patrol" and hazard.school == world.a1
    assert hazard.place == "食堂后厨（一楼北侧）" and hazard.found_by == world.users["guard_a1"]
    assert hazard.deadline is not None and hazard.events.get().action == "report"
    assert HazardPhoto.objects.filter(hazard=hazard, stage="found").count() == 2
    # The API reports a major one; a retry does not report it twice.
    body = {"hazard": {"description": "配电箱门锁损坏", "level": "major"}}
    first = _scan(guard, point.token, "hazard-api-0001", **body)
    again = _scan(guard, point.token, "hazard-api-0001", **body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["hazard_id"] == again.json()["hazard_id"]
    major = Hazard.objects.get(pk=first.json()["hazard_id"])
    assert major.level == "major" and major.source == "patrol"
    assert Hazard.objects.filter(source="patrol").count() == 2
    ledger = as_user("director_a1").get("/api/v1/hazards?source=patrol").json()
    assert {h["id"] for h in ledger["items"]} == {hazard.pk, major.pk}
    for obj in (hazard, major):
        assert AuditEntry.objects.filter(
            object_type="hazards.hazard", object_id=str(obj.pk), action="create"
        ).exists()
    # The school's day shows the hazard next to the visit.
    day = as_user("principal_a1").get(f"/patrols/schools/{world.a1.pk}/").content.decode()
    assert f"/hazards/{hazard.pk}/" in day


# --- check points ----------------------------------------------------------------------------


def test_the_school_manages_its_check_points_on_the_page(world, as_user):
    director = as_user("director_a1")
    page = director.post(
        f"/patrols/schools/{world.a1.pk}/points/",
        {"name": "配电室", "place": "教学楼地下一层", "is_key_area": "on"},
    )
    assert page.status_code == 302
    point = CheckPoint.objects.get(school=world.a1, name="配电室")
    assert point.is_key_area and point.active and len(point.token) >= 24
    duplicate = director.post(f"/patrols/schools/{world.a1.pk}/points/", {"name": "配电室"})
    assert "本校已有名为“配电室”的巡查点" in duplicate.content.decode()
    empty = director.post(f"/patrols/schools/{world.a1.pk}/points/", {"name": ""})
    assert empty.status_code == 200 and CheckPoint.objects.count() == 1
    edit = director.post(
        f"/patrols/points/{point.pk}/", {"name": "配电房", "place": "地下一层", "active": "on"}
    )
    assert edit.status_code == 302
    point.refresh_from_db()
    assert point.name == "配电房" and not point.is_key_area
    assert director.post(f"/patrols/points/{point.pk}/active/", {"active": "0"}).status_code == 302
    point.refresh_from_db()
    assert not point.active
    actions = list(
        AuditEntry.objects.filter(object_type="patrols.checkpoint", object_id=str(point.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update"]
    listing = director.get(f"/patrols/schools/{world.a1.pk}/points/").content.decode()
    assert "配电房" in listing and "已停用" in listing


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_who_manages_check_points(world, as_user, persona):
    point = _point(world)
    client = as_user(persona)
    create = _post(
        client, "/api/v1/patrols/check-points", {"school_id": world.a1.pk, "name": "围墙东北角"}
    )
    patch = client.patch(
        f"/api/v1/patrols/check-points/{point.pk}",
        {"active": False},
        content_type="application/json",
    )
    sheet = client.get(f"/patrols/schools/{world.a1.pk}/sheet/")
    edit = client.get(f"/patrols/points/{point.pk}/")
    if persona in {"principal_a1", "director_a1"}:
        expected = (201, 200, 200, 200)
    elif persona in VIEWERS_OF_A1 | {"staff_a1", "guard_a1"}:
        expected = (403, 403, 403, 403)
    else:
        expected = (404, 404, 404, 404)
    got = (create.status_code, patch.status_code, sheet.status_code, edit.status_code)
    assert got == expected


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_check_points_and_visits_are_scoped(world, as_user, persona):
    a1 = _point(world, name="甲校门口")
    b1 = _point(world, school=world.b1, user=_head(world, world.b1), name="乙校门口")
    _visits(a1, yesterday(), 1, world.users["guard_a1"])
    _visits(b1, yesterday(), 1, world.users["teacher_b1"])
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
    points = client.get("/api/v1/patrols/check-points")
    visits = client.get("/api/v1/patrols/visits")
    index = client.get("/patrols/")
    if persona in ("auditor", "security_admin"):  # no business action
        assert (points.status_code, visits.status_code, index.status_code) == (403, 403, 403)
        assert client.get(f"/api/v1/patrols/check-points/{a1.pk}").status_code == 404
        return
    assert {p["id"] for p in points.json()["items"]} == visible
    assert {v["check_point_id"] for v in visits.json()["items"]} == visible
    single = {
        "principal_a1": world.a1,
        "director_a1": world.a1,
        "staff_a1": world.a1,
        "guard_a1": world.a1,
        "counsellor_a1": world.a1,
        "teacher_b1": world.b1,
        "district_b": world.b1,  # district B has one school
        "principal_c1": world.c1,
    }
    if persona in single:  # one school in patrol.view scope: straight to its page
        assert index.status_code == 302
        assert index["Location"] == f"/patrols/schools/{single[persona].pk}/"
    else:  # the roll-up lists exactly the districts of the check points in scope
        assert index.status_code == 200
        districts = {a1.pk: "甲区", b1.pk: "乙区"}
        rows = table_rows(index.content.decode(), "rollup-table")
        # One key-area point per school, none visited yesterday: 1 school, 0 complete, 1 missing.
        assert rows == [[districts[pk], "1", "0", "1", "0.0%"] for pk in sorted(visible)]
    for point in (a1, b1):
        detail = client.get(f"/api/v1/patrols/check-points/{point.pk}")
        day = client.get(f"/api/v1/patrols/schools/{point.school_id}/day")
        page = client.get(f"/patrols/schools/{point.school_id}/")
        want = 200 if point.pk in visible else 404
        assert (detail.status_code, day.status_code, page.status_code) == (want, want, want)
    # The code (scan URL) is given only to those who manage the check points.
    items = {p["id"]: p for p in points.json()["items"]}
    if a1.pk in items:
        has_url = items[a1.pk]["scan_url"] is not None
        assert has_url == (persona in {"principal_a1", "director_a1"})


def test_the_qr_code_carries_the_scan_url(world, as_user):
    point = _point(world, name="门卫室")
    _point(world, name="旧仓库", key=False)
    services.checkpoint_update(
        user=world.users["director_a1"],
        check_point=CheckPoint.objects.get(name="旧仓库"),
        active=False,
    )
    director = as_user("director_a1")
    url = f"http://testserver/patrols/scan/{point.token}/"
    svg = director.get(f"/patrols/points/{point.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.decode().endswith(qr_svg(url, scale=8))
    api_svg = director.get(f"/api/v1/patrols/check-points/{point.pk}/qr.svg")
    assert api_svg.status_code == 200 and api_svg.content == svg.content
    sheet = director.get(f"/patrols/schools/{world.a1.pk}/sheet/").content.decode()
    assert qr_svg(url) in sheet and "门卫室" in sheet and world.a1.unit.name in sheet
    assert "旧仓库" not in sheet  # only active check points are printed
    # Printed on A4: its style sheet (a file, for the Content Security Policy) says so.
    assert "/static/patrols/sheet.css" in sheet
    assert "@page { size: A4" in Path(finders.find("patrols/sheet.css")).read_text()
    with override_settings(SAFECAMPUS_BASE_URL="https://pingan.example.cn"):
        body = director.get(f"/api/v1/patrols/check-points/{point.pk}").json()
        assert body["scan_url"] == f"https://pingan.example.cn/patrols/scan/{point.token}/"


def test_a_renewed_code_retires_the_old_one(world, as_user):
    point = _point(world)
    old = point.token
    director = as_user("director_a1")
    assert director.post(f"/patrols/points/{point.pk}/renew/").status_code == 302
    point.refresh_from_db()
    assert point.token != old
    guard = as_user("guard_a1")
    assert guard.get(f"/patrols/scan/{old}/").status_code == 404
    assert guard.get(f"/patrols/scan/{point.token}/").status_code == 200
    assert AuditEntry.objects.filter(
        object_type="patrols.checkpoint", object_id=str(point.pk), message__contains="更换二维码"
    ).exists()
    assert old not in str(list(AuditEntry.objects.values_list("before", "after", "message")))


def test_a_bearer_token_client_scans_like_the_page(world, client):
    point = _point(world)
    token = api_token(world.users["guard_a1"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    info = client.get(f"/api/v1/patrols/scan/{point.token}", **auth).json()
    assert info["name"] == "配电室" and info["today_visits"] == 0 and info["required"] == 5
    assert info["scan_url"] is None
    created = client.post(
        "/api/v1/patrols/scan",
        {"token": point.token, "client_key": "bearer-key-01"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    info = client.get(f"/api/v1/patrols/scan/{point.token}", **auth).json()
    assert info["today_visits"] == 1


# --- daily completeness -------------------------------------------------------------------


@pytest.fixture
def a1_points(world):
    """A1's round: two key areas and one ordinary check point."""
    return {
        "gate": _point(world, name="校门口"),
        "power": _point(world, name="配电室"),
        "store": _point(world, name="体育器材室", key=False),
    }


def test_a_school_is_complete_when_every_key_area_reached_its_quota(world, as_user, a1_points):
    day, guard = yesterday(), world.users["guard_a1"]
    _visits(a1_points["gate"], day, 5, guard)
    _visits(a1_points["power"], day, 4, guard)
    report = school_day(user=guard, school=world.a1, day=day)
    assert report.required == 5 and report.complete is False
    assert [(p.check_point.name, p.count, p.done) for p in report.key_areas] == [
        ("校门口", 5, True),
        ("配电室", 4, False),
    ]
    assert "GB/T 29315-2022" in report.explanation and "平台默认" in report.explanation
    assert report.explanation.endswith("重点部位每日 ≥ 5 次")
    _visits(a1_points["power"], day, 1, guard)
    assert school_day(user=guard, school=world.a1, day=day).complete is True
    # The ordinary check point never decides the day.
    assert school_day(user=guard, school=world.a1, day=day).points[2].required is None
    # Nor does a key area deactivated since, or one set up after the day.
    services.checkpoint_update(
        user=world.users["director_a1"], check_point=a1_points["power"], active=False
    )
    _point(world, name="新设重点部位", days_ago=0)
    report = school_day(user=guard, school=world.a1, day=day)
    assert [p.check_point.name for p in report.key_areas] == ["校门口"]
    api = as_user("district_a").get(
        f"/api/v1/patrols/schools/{world.a1.pk}/day?date={day.isoformat()}"
    )
    body = api.json()
    assert body["complete"] is True and body["key_areas"] == 1 and body["required"] == 5
    names = [p["name"] for p in body["points"]]
    assert names == ["校门口", "配电室", "体育器材室"]  # the deactivated one was visited
    assert body["points"][0]["records"][0]["user_name"] == guard.full_name
    page = as_user("principal_a1").get(f"/patrols/schools/{world.a1.pk}/?date={day.isoformat()}")
    html = page.content.decode()
    assert "当日达标" in html and "5/5" in html and "重点部位每日 ≥ 5 次" in html


def test_changing_the_schools_patrol_rule_set_changes_its_verdict(world, as_user, a1_points):
    day, guard = yesterday(), world.users["guard_a1"]
    _visits(a1_points["gate"], day, 3, guard)
    _visits(a1_points["power"], day, 3, guard)
    b1 = _point(world, school=world.b1, user=_head(world, world.b1), name="乙校门口")
    _visits(b1, day, 3, world.users["teacher_b1"])
    officer = world.users["city_officer"]
    assert school_day(user=guard, school=world.a1, day=day).complete is False
    assert patrol_rollup(user=officer, day=day).complete == 0
    admin = as_user("city_admin")
    source = RuleSet.objects.get(kind="patrol", is_default=True)
    copy = _post(
        admin,
        f"/api/v1/rule-sets/{source.pk}/copy",
        {
            "unit_id": world.city.pk,
            "name": "测试市巡查要求",
            "version": "2026",
            "effective_from": "2026-01-01",
            "authority": "测试市教育局",
            "data": {"key_area_visits_per_day": 3},
        },
    )
    assert copy.status_code == 201, copy.content
    assigned = _post(
        admin,
        "/api/v1/rule-set-assignments",
        {"unit_id": world.district_a.pk, "rule_set_id": copy.json()["id"]},
    )
    assert assigned.status_code == 201
    report = school_day(user=guard, school=world.a1, day=day)
    assert report.complete is True and report.required == 3
    assert "测试市巡查要求" in report.explanation and "甲区选用" in report.explanation
    # B1 (district B) keeps the default: 3 visits are not enough there.
    assert school_day(user=officer, school=world.b1, day=day).complete is False
    rollup = patrol_rollup(user=officer, day=day)
    assert (rollup.schools, rollup.complete, rollup.rate) == (2, 1, 50.0)
    assert {v.school_id: v.required for v in rollup.verdicts} == {world.a1.pk: 3, world.b1.pk: 5}
    page = as_user("principal_a1").get(f"/patrols/schools/{world.a1.pk}/?date={day.isoformat()}")
    assert "重点部位每日 ≥ 3 次" in page.content.decode()


def test_the_rollup_counts_schools_per_district_and_drills_down_to_the_misses(
    world, as_user, a1_points
):
    day, guard = yesterday(), world.users["guard_a1"]
    _visits(a1_points["gate"], day, 5, guard)
    _visits(a1_points["power"], day, 5, guard)
    a2 = _point(world, school=world.a2, name="幼儿园门口", user=_head(world, world.a2))
    _visits(a2, day, 2, world.users[_head(world, world.a2)])
    _point(world, school=world.c1, name="宿舍楼", user="principal_c1")
    _point(world, school=world.c1, name="普通点", user="principal_c1", key=False)
    officer = as_user("city_officer")
    body = officer.get(f"/api/v1/patrols/completeness?date={day.isoformat()}").json()
    assert (body["schools"], body["complete"], body["rate"]) == (3, 1, 33.33)
    rows = {
        r["name"]: (r["schools"], r["complete"], r["missing"], r["rate"]) for r in body["districts"]
    }
    assert rows == {"甲区": (2, 1, 1, 50.0), "市直属": (1, 0, 1, 0.0)}
    assert [r["name"] for r in body["districts"]] == ["甲区", "市直属"]
    assert {m["name"] for m in body["missing_schools"]} == {"甲区幼儿园", "测试市第一中学"}
    only_a = officer.get(
        f"/api/v1/patrols/completeness?date={day.isoformat()}&district={world.district_a.pk}"
    ).json()
    assert [m["name"] for m in only_a["missing_schools"]] == ["甲区幼儿园"]
    direct = officer.get(f"/api/v1/patrols/completeness?date={day.isoformat()}&district=0").json()
    assert [m["name"] for m in direct["missing_schools"]] == ["测试市第一中学"]
    page = officer.get(f"/patrols/?date={day.isoformat()}&district={world.district_a.pk}")
    html = page.content.decode()
    assert '<div class="sc-figure" data-testid="rollup-rate">33.33%</div>' in html
    assert first_column(html, "rollup-table") == ["甲区", "市直属"]
    assert first_column(html, "missing-schools") == ["甲区幼儿园"]
    assert f"/patrols/schools/{world.a2.pk}/" in html
    # A district officer sees only the district, and its misses at once (the tables, not the
    # page: the filter form may name what the tables must not list).
    mine = as_user("district_a").get(f"/patrols/?date={day.isoformat()}").content.decode()
    assert first_column(mine, "rollup-table") == ["甲区"]
    assert first_column(mine, "missing-schools") == ["甲区幼儿园"]
    # The school's own people land on their school's page.
    landing = as_user("guard_a1").get("/patrols/")
    assert landing.status_code == 302 and landing["Location"] == f"/patrols/schools/{world.a1.pk}/"
    # Bad or future dates: the page warns and shows today, the API refuses.
    assert (
        "日期“tomorrow”无效" in officer.get("/patrols/?date=tomorrow", follow=True).content.decode()
    )
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert officer.get(f"/api/v1/patrols/completeness?date={future}").status_code == 400
    assert officer.get("/api/v1/patrols/completeness?date=31-12-2026").status_code == 422


def test_a_late_scan_counts_for_the_day_it_was_made(world, as_user):
    point = _point(world)
    late = timezone.localtime() - timedelta(hours=20)
    response = _scan(as_user("guard_a1"), point.token, "late-key-0001", visited_at=late.isoformat())
    assert response.status_code == 201 and response.json()["day"] == late.date().isoformat()


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_rounds_miss_two_days_a_school_and_find_one_hazard(world):
    import random

    from safecampus.patrols.demo import POINTS, patrols_of

    now = timezone.now()
    schools = [world.a1, world.c1]
    visits = patrols_of(schools=schools, rng=random.Random(7), now=now)
    assert CheckPoint.objects.count() == 2 * len(POINTS) == 16
    assert CheckPoint.objects.filter(is_key_area=True).count() == 10
    # A whole day is 5 rounds at the 5 key areas and 3 at the 3 others; a missed day lacks at
    # most 2 rounds; today adds the rounds walked so far.
    assert PatrolVisit.objects.count() == visits >= 2 * (7 * (5 * 5 + 3 * 3) - 2 * 2)
    walkers = set(PatrolVisit.objects.values_list("check_point__school", "user__username"))
    assert walkers == {(world.a1.pk, "guard_a1"), (world.c1.pk, "principal_c1")}
    today = timezone.localdate(now)
    officer = world.users["city_officer"]
    complete = [
        patrol_rollup(user=officer, day=today - timedelta(days=n)).complete for n in range(1, 8)
    ]
    assert sum(complete) == 2 * 5  # each school misses two of the seven days
    hazard = Hazard.objects.get()
    assert hazard.source == "patrol" and hazard.school == world.a1
    visit = PatrolVisit.objects.get(hazard=hazard)
    assert visit.check_point.name == "食堂后厨" and visit.day == today - timedelta(days=1)
    tokens = sorted(CheckPoint.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 16 and all(len(t) == 24 for t in tokens)


# --- lists do not grow in queries with their rows -----------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("city_officer", "/patrols/?district=0&date={today}"),
        ("city_officer", "/api/v1/patrols/completeness"),
        ("city_officer", "/api/v1/patrols/visits?limit=100"),
        ("city_officer", "/api/v1/patrols/check-points?limit=100"),
        ("principal_a1", "/patrols/schools/{a1}/"),
        ("principal_a1", "/patrols/schools/{a1}/points/"),
        ("principal_a1", "/patrols/schools/{a1}/sheet/"),
        ("principal_a1", "/api/v1/patrols/schools/{a1}/day"),
        ("guard_a1", "/patrols/scan/{token}/"),
    ],
)
def test_patrol_pages_do_not_grow_in_queries_with_the_rows(world, as_user, persona, url):
    first = _point(world, name="巡查点0")
    url = url.format(a1=world.a1.pk, token=first.token, today=timezone.localdate().isoformat())
    now = timezone.now()

    def add(n, start):
        for i in range(start, start + n):
            school = SchoolFactory(
                unit__parent=world.city, unit__name=f"直属{i}", unit__code=f"TP{i:02d}"
            )
            RoleAssignmentFactory(user=UserFactory(), unit=school.unit, role="principal")
            for school_, name in ((world.a1, f"巡查点{i + 1}"), (school, "校门口")):
                point = CheckPoint.objects.create(school=school_, name=name, is_key_area=True)
                for _ in range(2):
                    PatrolVisit.objects.create(
                        check_point=point,
                        user=world.users["guard_a1"],
                        visited_at=now,
                        day=timezone.localdate(now),
                    )

    add(2, 0)
    client = as_user(persona)
    _count(client, url)
    before = _count(client, url)
    add(8, 2)
    _count(client, url)  # new units and roles change the cached grants' data version
    assert _count(client, url) == before
