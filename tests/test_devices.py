"""Technical defenses and monitoring interconnection: the registry of cameras and alarm buttons
(scoped, audited), the camera workbook, device tokens and the HTTP status batch, online and
offline by the rule set's threshold, faults that become hazards once, and the ingestor's
handling of whatever devices send."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.devices.ingest import Ingestor
from safecampus.devices.models import AlarmButton, Camera, DeviceState, DeviceToken
from safecampus.devices.selectors import camera_counts, online_rates
from safecampus.devices.services import device_create, device_faults_escalate
from safecampus.devices.telemetry import faults_write, heartbeats_write
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import School
from safecampus.rules.models import RuleSet, RuleSetAssignment

from .factories import SchoolFactory
from .imports import api_import, page_import


def _id(n: int, school: str = "37060200") -> str:
    return f"{school}05132{8}{n:06d}"


def _manager(world, school):
    """Who keeps the school's registry in the fixture: its district officer (or, for the
    directly-affiliated school, its principal)."""
    if school.pk == world.c1.pk:
        return world.users["principal_c1"]
    return world.users["district_b" if school.pk == world.b1.pk else "district_a"]


def _camera(world, school=None, n=1, seen_s_ago: float | None = 10, **kwargs) -> Camera:
    school = school or world.a1
    camera = device_create(
        user=_manager(world, school),
        kind="camera",
        school=school,
        name=kwargs.pop("name", f"校门口枪机{n}"),
        device_id=kwargs.pop("device_id", _id(n)),
        place=kwargs.pop("place", "main_entrance"),
        **kwargs,
    )
    if seen_s_ago is not None:
        DeviceState.objects.filter(pk=camera.device_id).update(
            last_seen_at=timezone.now() - timedelta(seconds=seen_s_ago)
        )
    return camera


def _post(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def _body(cameras_ids):
    return {"messages": [{"device_id": d, "status": "ok"} for d in cameras_ids]}


# --- The registry, scoped per persona ----------------------------------------------------------


NEW = {"name": "门卫室半球1", "device_id": _id(11), "place": "gate_house", "model": "DS-2CD3346"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("director_a1", 201),
        ("principal_a1", 201),
        ("district_a", 201),
        ("staff_a1", 403),  # sees the school, may not manage its devices
        ("guard_a1", 403),
        ("city_admin", 403),  # the city sees and rolls up; schools and districts keep the registry
        ("teacher_b1", 404),  # another school: not even visible
        ("district_b", 404),
        ("auditor", 404),
    ],
)
def test_who_may_register_a_camera(world, as_user, persona, status):
    response = _post(as_user(persona), "/api/v1/devices/cameras", {**NEW, "school_id": world.a1.pk})
    assert response.status_code == status, response.content
    assert Camera.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert body["status"] == "offline" and body["last_seen_at"] is None
        assert DeviceState.objects.get(pk=NEW["device_id"]).camera_id == body["id"]
        assert AuditEntry.objects.filter(object_type="devices.camera", action="create").count() == 1


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("city_officer", {"A1", "B1"}),
        ("inspector", {"A1", "B1"}),
        ("district_a", {"A1"}),
        ("district_b", {"B1"}),
        ("staff_a1", {"A1"}),
        ("teacher_b1", {"B1"}),
        ("principal_c1", set()),
    ],
)
def test_lists_show_only_the_devices_in_scope(world, as_user, persona, sees):
    _camera(world, name="A1")
    _camera(world, school=world.b1, n=2, name="B1", device_id=_id(2, "37060300"))
    names = {c["name"] for c in as_user(persona).get("/api/v1/devices/cameras").json()["items"]}
    assert names == sees
    assert as_user("auditor").get("/api/v1/devices/cameras").status_code == 403


def test_detail_edit_and_deactivate_are_scoped_and_audited(world, as_user):
    camera = _camera(world)
    url = f"/api/v1/devices/cameras/{camera.pk}"
    assert as_user("teacher_b1").get(url).status_code == 404
    assert as_user("staff_a1").get(url).json()["status"] == "online"
    assert (
        as_user("staff_a1").patch(url, {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    assert (
        as_user("district_b").patch(url, {"name": "x"}, content_type="application/json").status_code
        == 404
    )
    changed = as_user("director_a1").patch(
        url, {"name": "校门口枪机（新）", "place": "outside_gate"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["place_label"] == "校门外"
    update = AuditEntry.objects.get(object_type="devices.camera", action="update")
    assert update.after["name"] == "校门口枪机（新）"
    off = _post(as_user("director_a1"), f"{url}/deactivate", {})
    assert off.json()["active"] is False
    assert camera_counts(School.objects.all())["cameras"] == 0
    assert as_user("staff_a1").get("/api/v1/devices/cameras").json()["count"] == 0
    assert as_user("staff_a1").get("/api/v1/devices/cameras?active=false").json()["count"] == 1


def test_bad_input_is_refused_in_words_and_changes_nothing(world, as_user):
    _camera(world)
    director = as_user("director_a1")
    cases = [
        ({**NEW, "device_id": "12345"}, 422),
        ({**NEW, "place": "roof"}, 422),
        ({**NEW, "device_id": _id(1)}, 400),  # taken
        ({**NEW, "stream_url": "ftp://x"}, 400),
        ({**NEW, "installed_on": str(timezone.localdate() + timedelta(days=3))}, 400),
    ]
    for body, status in cases:
        response = _post(director, "/api/v1/devices/cameras", {**body, "school_id": world.a1.pk})
        assert response.status_code == status, body
    assert (
        "已被登记"
        in _post(
            director,
            "/api/v1/devices/cameras",
            {**NEW, "device_id": _id(1), "school_id": world.a1.pk},
        ).json()["error"]["message"]
    )
    # One namespace for cameras and alarm buttons.
    alarm = _post(
        director,
        "/api/v1/devices/alarms",
        {"school_id": world.a1.pk, "name": "一键报警", "device_id": _id(1)},
    )
    assert alarm.status_code == 400
    assert Camera.objects.count() == 1 and not AlarmButton.objects.exists()
    # The page says it too.
    page = director.post(
        f"/devices/schools/{world.a1.pk}/cameras/new/",
        {"name": "操场球机", "device_id": "1234", "place": "playground"},
    )
    assert page.status_code == 200 and "20 位数字" in page.content.decode()
    assert Camera.objects.count() == 1


def test_a_school_registers_and_edits_devices_from_its_page(world, as_user):
    director = as_user("director_a1")
    page = director.get(f"/devices/schools/{world.a1.pk}/")
    assert page.status_code == 200 and "登记摄像头" in page.content.decode()
    created = director.post(
        f"/devices/schools/{world.a1.pk}/cameras/new/",
        {"name": "操场球机1", "device_id": _id(5), "place": "playground", "model": "DH-SD49425"},
    )
    assert created.status_code == 302
    camera = Camera.objects.get(device_id=_id(5))
    alarm = director.post(
        f"/devices/schools/{world.a1.pk}/alarms/new/",
        {
            "name": "门卫室一键报警",
            "device_id": _id(6),
            "place": "gate_house",
            "linked_to_police": "on",
            "police_unit": "甲区公安分局",
            "last_tested_on": str(timezone.localdate()),
        },
    )
    assert alarm.status_code == 302 and AlarmButton.objects.get().linked_to_police
    edit = director.post(
        f"/devices/cameras/{camera.pk}/edit/",
        {"name": "操场球机1", "device_id": _id(7), "place": "playground"},
    )
    assert edit.status_code == 302
    # A new device ID is new hardware: the state follows, from scratch.
    assert DeviceState.objects.filter(pk=_id(7), camera=camera).exists()
    assert not DeviceState.objects.filter(pk=_id(5)).exists()
    director.post(f"/devices/cameras/{camera.pk}/active/", {"active": "0"})
    camera.refresh_from_db()
    assert camera.active is False
    assert as_user("staff_a1").get(f"/devices/cameras/{camera.pk}/edit/").status_code == 403
    assert as_user("teacher_b1").get(f"/devices/schools/{world.a1.pk}/").status_code == 404
    staff_page = as_user("staff_a1").get(f"/devices/schools/{world.a1.pk}/").content.decode()
    assert "登记摄像头" not in staff_page and "设备上报令牌" not in staff_page


# --- The camera workbook -------------------------------------------------------------------------


def _workbook(rows, header=("名称", "设备编码", "部位", "型号", "视频流地址", "安装日期")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(client, school, data: bytes, page=False):
    if page:
        return page_import(client, "cameras", data, school=school)
    return api_import(client, "cameras", data, school=school)


def _counts(response) -> dict:
    return {k: response.json()[k] for k in ("created", "updated", "unchanged")}


def test_the_import_is_all_or_nothing_with_every_error_by_row_and_column(world, as_user):
    _camera(world, school=world.b1, n=9, device_id=_id(9, "37060300"))
    bad = _workbook(
        [
            ("校门口枪机1", _id(1), "校门口", "DS-2CD3T47", "rtsp://10.0.0.1/1", "2023-09-01"),
            ("走廊半球1", "3706", "教学楼走廊及出入口", "", "", ""),
            ("屋顶枪机", _id(3), "屋顶", "", "", ""),
            ("校门口枪机2", _id(1), "校门口", "", "", ""),
            ("乙校的", _id(9, "37060300"), "操场", "", "", ""),
            ("", _id(4), "操场", "", "ftp://x", "明天"),
        ]
    )
    response = _upload(as_user("director_a1"), world.a1, bad)
    assert response.status_code == 400
    errors = {(e["row"], e["column"]) for e in response.json()["error"]["details"]}
    assert errors == {
        (3, "设备编码"),
        (4, "部位"),
        (5, "设备编码"),
        (6, "设备编码"),
        (7, "名称"),
        (7, "视频流地址"),
        (7, "安装日期"),
    }
    messages = " ".join(e["message"] for e in response.json()["error"]["details"])
    assert "第 2 行" in messages and "未知部位“屋顶”" in messages and "其他学校" in messages
    assert Camera.objects.filter(school=world.a1).count() == 0
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 1
    # The page shows the same table of errors.
    page = _upload(as_user("director_a1"), world.a1, bad, page=True)
    assert page.status_code == 200 and "未导入任何数据" in page.content.decode()


def test_an_import_creates_and_updates_and_an_export_round_trips(world, as_user):
    _camera(world, n=1)
    good = _workbook(
        [
            (
                "校门口枪机1（更名）",
                _id(1),
                "校门口",
                "DS-2CD3T47",
                "rtsp://10.0.0.1/1",
                "2023-09-01",
            ),
            ("走廊半球1", _id(2), "教学楼走廊及出入口", "", "", ""),
            ("操场球机1", _id(3), "playground", "", "", ""),
        ]
    )
    director = as_user("director_a1")
    assert _counts(_upload(director, world.a1, good)) == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
    }
    assert DeviceState.objects.filter(school=world.a1).count() == 3
    assert _counts(_upload(director, world.a1, good)) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert _upload(as_user("staff_a1"), world.a1, good).status_code == 403
    assert _upload(as_user("district_b"), world.a1, good).status_code == 404
    export = director.get(f"/devices/schools/{world.a1.pk}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("名称", "设备编码", "部位") and len(rows) == 4
    assert {r[1] for r in rows[1:]} == {_id(1), _id(2), _id(3)}
    # An exported file goes back in unchanged; into another school its rows are refused.
    assert _upload(director, world.a1, export.content).json()["unchanged"] == 3
    other = _upload(as_user("district_a"), world.a2, export.content)
    assert other.status_code == 400 and "其他学校" in other.json()["error"]["details"][0]["message"]
    assert AuditEntry.objects.filter(action="export").exists()


# --- Online and offline by the rule set --------------------------------------------------------


def test_online_follows_the_missed_heartbeat_threshold_of_the_schools_rule_set(world, as_user):
    a = _camera(world, n=1, seen_s_ago=100)
    b = _camera(world, school=world.b1, n=2, device_id=_id(2, "37060300"), seen_s_ago=100)
    _camera(world, n=3, seen_s_ago=200)  # 3 × 60 s missed: offline everywhere
    _camera(world, n=4, seen_s_ago=None)  # never heard from
    schools = School.objects.all()
    assert camera_counts(schools) == {"cameras": 4, "cameras_online": 2}
    default = RuleSet.objects.get(kind="device_status", is_default=True)
    strict = RuleSet.objects.create(
        kind="device_status",
        name="甲区：丢失 1 次心跳即离线",
        version="1",
        effective_from="2026-01-01",
        authority="甲区",
        data={**default.data, "offline_after_missed": 1},
        unit=world.city,
    )
    RuleSetAssignment.objects.create(unit=world.district_a, kind="device_status", rule_set=strict)
    assert camera_counts(schools) == {"cameras": 4, "cameras_online": 1}
    staff = as_user("staff_a1")
    assert staff.get(f"/api/v1/devices/cameras/{a.pk}").json()["status"] == "offline"
    assert as_user("teacher_b1").get(f"/api/v1/devices/cameras/{b.pk}").json()["status"] == "online"
    offline = staff.get("/api/v1/devices/cameras?status=offline").json()
    assert offline["count"] == 3
    city = as_user("city_officer").get("/api/v1/devices/online-rates").json()
    assert city["totals"]["cameras"] == 4 and city["totals"]["cameras_online"] == 1
    rows = {r["code"]: r for r in city["rows"]}
    assert rows["TA"]["camera_rate"] == 0.0 and rows["TB"]["camera_rate"] == 100.0


def test_online_rates_roll_up_by_district_and_school_and_are_cut_not_rounded(world, as_user):
    for n in range(1, 4):
        _camera(world, n=n, seen_s_ago=5 if n < 3 else 900)
    data = online_rates(user=world.users["district_a"], unit=world.district_a)
    assert data["totals"]["camera_rate"] == 66.66  # 2 of 3, cut
    assert [r["code"] for r in data["rows"]] == ["TA01"]  # schools with devices only
    page = as_user("district_a").get(f"/devices/?unit={world.district_a.pk}")
    assert page.status_code == 200 and "66.66%" in page.content.decode()
    assert as_user("district_b").get(f"/devices/?unit={world.district_a.pk}").status_code == 404
    assert (
        as_user("district_b")
        .get(f"/api/v1/devices/online-rates?unit={world.district_a.pk}")
        .status_code
        == 404
    )
    # The live part of the page is the same view answering htmx with the table only.
    partial = as_user("district_a").get(
        f"/devices/?unit={world.district_a.pk}", HTTP_HX_REQUEST="true"
    )
    assert (
        "<html" not in partial.content.decode() and 'data-unit="TA01"' in partial.content.decode()
    )


def test_a_status_change_shows_at_once(world, as_user):
    camera = _camera(world, seen_s_ago=900)
    url = f"/api/v1/devices/cameras/{camera.pk}"
    assert as_user("staff_a1").get(url).json()["status"] == "offline"
    heartbeats_write({camera.device_id: timezone.now()})
    assert as_user("staff_a1").get(url).json()["status"] == "online"
    faults_write({camera.device_id: ("VIDEO_LOSS", timezone.now())})
    body = as_user("staff_a1").get(url).json()
    assert body["status"] == "fault" and body["fault_code"] == "VIDEO_LOSS"
    # Last-seen never goes backwards (a late message of the past changes nothing).
    heartbeats_write({camera.device_id: timezone.now() - timedelta(hours=1)})
    assert as_user("staff_a1").get(url).json()["status"] == "fault"


# --- Device tokens and the HTTP batch ----------------------------------------------------------


def _token(as_user, world, school=None, persona="director_a1", device_id=""):
    school = school or world.a1
    response = _post(
        as_user(persona),
        f"/api/v1/devices/schools/{school.pk}/tokens",
        {"name": "视频网关", "device_id": device_id},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_tokens_are_issued_and_revoked_by_device_managers_and_stored_as_hashes(world, as_user):
    issued = _token(as_user, world)
    raw = issued["token"]
    token = DeviceToken.objects.get()
    assert (
        raw.startswith("scd_")
        and raw not in token.key_hash
        and token.key_hash == DeviceToken.hash(raw)
    )
    assert AuditEntry.objects.filter(object_type="devices.devicetoken", action="create").exists()
    assert raw not in str(AuditEntry.objects.filter(object_type="devices.devicetoken").values())
    for persona, status in (("staff_a1", 403), ("district_b", 404), ("city_admin", 403)):
        url = f"/api/v1/devices/schools/{world.a1.pk}/tokens"
        assert _post(as_user(persona), url, {"name": "x"}).status_code == status
        assert as_user(persona).get(url).status_code == status
    listed = as_user("district_a").get(f"/api/v1/devices/schools/{world.a1.pk}/tokens").json()
    assert [t["hint"] for t in listed] == [raw[-4:]] and "token" not in listed[0]
    assert (
        _post(as_user("staff_a1"), f"/api/v1/devices/tokens/{token.pk}/revoke", {}).status_code
        == 403
    )
    assert (
        _post(as_user("district_b"), f"/api/v1/devices/tokens/{token.pk}/revoke", {}).status_code
        == 404
    )
    revoked = _post(as_user("district_a"), f"/api/v1/devices/tokens/{token.pk}/revoke", {})
    assert revoked.json()["revoked_at"]
    assert (
        _post(
            as_user("director_a1"),
            f"/api/v1/devices/schools/{world.a1.pk}/tokens",
            {"name": "x", "device_id": _id(99)},
        ).status_code
        == 400
    )


def test_the_http_batch_keeps_the_good_messages_and_reports_the_bad_ones_by_index(
    world, as_user, client
):
    mine = _camera(world, n=1, seen_s_ago=900)
    other = _camera(world, n=2, seen_s_ago=900)
    b1 = _camera(world, school=world.b1, n=3, device_id=_id(3, "37060300"), seen_s_ago=900)
    raw = _token(as_user, world)["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = _post(
        client,
        "/api/v1/devices/status",
        {
            "messages": [
                {"device_id": mine.device_id, "status": "ok", "ts": 1767225600},
                {"device_id": other.device_id, "status": "fault", "fault": "VIDEO_LOSS"},
                {"device_id": b1.device_id, "status": "ok"},  # another school's
                {"device_id": "123", "status": "ok"},
                {"device_id": mine.device_id, "status": "broken"},
                {"device_id": mine.device_id, "status": "fault"},  # no code
                "not an object",
                {"device_id": _id(77), "status": "ok"},  # not registered
                {"device_id": mine.device_id, "status": "ok", "ts": "yesterday"},
            ]
        },
        **auth,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [2, 3, 4, 5, 6, 7, 8]
    assert "无权" in body["rejected"][0]["message"] and "20 位" in body["rejected"][1]["message"]
    states = {s.device_id: s for s in DeviceState.objects.all()}
    assert states[mine.device_id].last_seen_at > timezone.now() - timedelta(seconds=5)
    assert states[other.device_id].fault_code == "VIDEO_LOSS"
    assert states[b1.device_id].last_seen_at < timezone.now() - timedelta(minutes=10)
    # Recovery clears the fault.
    _post(
        client,
        "/api/v1/devices/status",
        {"messages": [{"device_id": other.device_id, "status": "ok"}]},
        **auth,
    )
    assert DeviceState.objects.get(pk=other.device_id).fault_since is None
    # A token for one device reports for that device only.
    one = _token(as_user, world, device_id=mine.device_id)["token"]
    limited = _post(
        client,
        "/api/v1/devices/status",
        _body([mine.device_id, other.device_id]),
        HTTP_AUTHORIZATION=f"Bearer {one}",
    )
    assert limited.json()["accepted"] == 1 and limited.json()["rejected"][0]["index"] == 1
    # No token, a person's token, a revoked token: 401. A bad body: 422. Never a 500.
    assert _post(client, "/api/v1/devices/status", _body([mine.device_id])).status_code == 401
    from .factories import api_token

    person = api_token(world.users["director_a1"])
    assert (
        _post(
            client,
            "/api/v1/devices/status",
            _body([mine.device_id]),
            HTTP_AUTHORIZATION=f"Bearer {person}",
        ).status_code
        == 401
    )
    for bad in ({}, {"messages": "x"}, {"messages": [{}] * 1001}):
        assert _post(client, "/api/v1/devices/status", bad, **auth).status_code == 422
    DeviceToken.objects.filter(pk=DeviceToken.objects.get(device_id="").pk).update(
        revoked_at=timezone.now()
    )
    assert (
        _post(client, "/api/v1/devices/status", _body([mine.device_id]), **auth).status_code == 401
    )
    # A deactivated device's messages are refused.
    Camera.objects.filter(pk=mine.pk).update(active=False)
    assert (
        _post(
            client,
            "/api/v1/devices/status",
            _body([mine.device_id]),
            HTTP_AUTHORIZATION=f"Bearer {one}",
        ).json()["accepted"]
        == 0
    )


def test_tokens_are_issued_from_the_school_page_and_shown_once(world, as_user):
    director = as_user("director_a1")
    page = director.post(
        f"/devices/schools/{world.a1.pk}/tokens/", {"name": "网关", "device_id": ""}
    )
    assert page.status_code == 200 and "只显示这一次" in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    token = DeviceToken.objects.get()
    listing = director.get(f"/devices/schools/{world.a1.pk}/").content.decode()
    assert token.hint in listing and "scd_" not in listing
    director.post(f"/devices/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        as_user("staff_a1")
        .post(f"/devices/schools/{world.a1.pk}/tokens/", {"name": "x"})
        .status_code
        == 403
    )


# --- Faults left unfixed become hazards once -------------------------------------------------


def test_a_fault_older_than_the_rule_limit_opens_one_hazard(world):
    camera = _camera(world)
    young = _camera(world, n=2)
    now = timezone.now()
    faults_write({camera.device_id: ("VIDEO_LOSS", now - timedelta(hours=25))})
    faults_write({young.device_id: ("TAMPER", now - timedelta(hours=23))})
    assert device_faults_escalate() == 1
    hazard = Hazard.objects.get()
    assert hazard.school_id == world.a1.pk and hazard.aspect.code == "04"
    assert camera.device_id in hazard.description and "VIDEO_LOSS" in hazard.description
    assert hazard.place == "校门口" and hazard.status == "reported" and hazard.found_by is None
    assert hazard.source == "device"
    assert DeviceState.objects.get(pk=camera.device_id).fault_hazard == hazard
    assert device_faults_escalate() == 0  # again: nothing new
    assert Hazard.objects.count() == 1
    # The code of an ongoing fault may change; its start (and its hazard) stay.
    faults_write({camera.device_id: ("STORAGE_FULL", now)})
    assert device_faults_escalate() == 0
    # A recovery clears the fault; a new fault is a new hazard once past the limit.
    faults_write({camera.device_id: None})
    state = DeviceState.objects.get(pk=camera.device_id)
    assert state.fault_code == "" and state.fault_hazard is None
    faults_write({camera.device_id: ("VIDEO_LOSS", now - timedelta(hours=30))})
    assert device_faults_escalate() == 1 and Hazard.objects.count() == 2
    # Two hours on, the younger fault is past the limit too.
    assert device_faults_escalate(now=now + timedelta(hours=2)) == 1  # the younger one, 25 h
    assert Hazard.objects.count() == 3


def test_the_fault_limit_follows_the_rule_set(world):
    camera = _camera(world)
    default = RuleSet.objects.get(kind="equipment_check", is_default=True)
    lenient = RuleSet.objects.create(
        kind="equipment_check",
        name="甲区：故障 72 小时内修复",
        version="1",
        effective_from="2026-01-01",
        authority="甲区",
        data={**default.data, "fault_fix_hours": 72},
        unit=world.city,
    )
    RuleSetAssignment.objects.create(
        unit=world.district_a, kind="equipment_check", rule_set=lenient
    )
    faults_write({camera.device_id: ("VIDEO_LOSS", timezone.now() - timedelta(hours=30))})
    assert device_faults_escalate() == 0
    assert device_faults_escalate(now=timezone.now() + timedelta(hours=43)) == 1


# --- The ingestor: whatever a device sends, it goes on ------------------------------------------


def _ingestor(world):
    ingestor = Ingestor(url="mqtt://127.0.0.1:1")
    ingestor.refresh()
    return ingestor


def test_the_ingestor_counts_and_drops_malformed_messages_and_writes_the_rest(world):
    ok = _camera(world, n=1, seen_s_ago=900)
    faulty = _camera(world, n=2, seen_s_ago=900)
    ingestor = _ingestor(world)
    topic = f"safecampus/TA01/{ok.device_id}/status"
    messages = [
        (topic, b'{"ts": 1767225600, "status": "ok"}'),
        (
            f"safecampus/TA01/{faulty.device_id}/status",
            b'{"status": "fault", "fault": "VIDEO_LOSS"}',
        ),
        (topic, b"not json"),
        (topic, b'{"status": "maybe"}'),
        (topic, b"[1, 2]"),
        (topic, b'{"status": "ok", "ts": "soon"}'),
        (topic, b"\xff\xfe"),
        (topic, b"x" * 2000),
        ("safecampus/TA01/status", b'{"status": "ok"}'),
        ("other/TA01/x/status", b'{"status": "ok"}'),
        (f"safecampus/TA01/{ok.device_id}/firmware", b'{"status": "ok"}'),
        (f"safecampus/TB01/{ok.device_id}/status", b'{"status": "ok"}'),  # wrong school
        (f"safecampus/TA01/{_id(55)}/status", b'{"status": "ok"}'),  # not registered
    ]
    for t, payload in messages:
        ingestor.dispatch(t, payload)
    assert ingestor.counters["received"] == 13
    assert ingestor.counters["valid"] == 2
    assert ingestor.counters["malformed"] == 10
    assert ingestor.counters["unknown"] == 1
    ingestor.flush()
    assert ingestor.counters["written"] == 2
    assert DeviceState.objects.get(pk=faulty.device_id).fault_code == "VIDEO_LOSS"
    assert DeviceState.objects.get(pk=ok.device_id).last_seen_at > timezone.now() - timedelta(
        seconds=5
    )
    # Coalesced: a hundred heartbeats of one device in a batch are one row written.
    for _ in range(100):
        ingestor.dispatch(topic, b'{"status": "ok"}')
    ingestor.dispatch(f"safecampus/TA01/{faulty.device_id}/status", b'{"status": "ok"}')
    ingestor.flush()
    assert ingestor.counters["written"] == 4
    assert DeviceState.objects.get(pk=faulty.device_id).fault_since is None
    stats = ingestor.stats()
    assert stats["malformed"] == 10 and stats["lag_ms"]["n"] >= 0


def test_an_ingestor_with_a_topic_prefix_of_its_own_takes_only_its_topics(world):
    camera = _camera(world, n=1, seen_s_ago=900)
    ingestor = Ingestor(url="mqtt://127.0.0.1:1", topic_prefix="staging")
    ingestor.refresh()
    ingestor.dispatch(f"safecampus/TA01/{camera.device_id}/status", b'{"status": "ok"}')
    assert ingestor.counters["malformed"] == 1 and ingestor.counters["valid"] == 0
    ingestor.dispatch(f"staging/TA01/{camera.device_id}/status", b'{"status": "ok"}')
    assert ingestor.counters["valid"] == 1
    ingestor.flush()
    assert DeviceState.objects.get(pk=camera.device_id).last_seen_at > timezone.now() - timedelta(
        seconds=5
    )
    for bad in ("", "a/b", "+", "safe#campus"):
        with pytest.raises(ValueError):
            Ingestor(url="mqtt://127.0.0.1:1", topic_prefix=bad)


def test_a_deactivated_device_is_unknown_to_the_ingestor_after_a_refresh(world):
    camera = _camera(world, seen_s_ago=900)
    ingestor = _ingestor(world)
    Camera.objects.filter(pk=camera.pk).update(active=False)
    ingestor.refresh()
    ingestor.dispatch(f"safecampus/TA01/{camera.device_id}/status", b'{"status": "ok"}')
    assert ingestor.counters["unknown"] == 1


def test_a_failed_database_write_keeps_the_batch(world, monkeypatch):
    camera = _camera(world, seen_s_ago=900)
    ingestor = _ingestor(world)
    ingestor.dispatch(f"safecampus/TA01/{camera.device_id}/status", b'{"status": "ok"}')
    from django.db import OperationalError

    from safecampus.devices import ingest

    def refuse(seen):
        raise OperationalError("database is down")

    monkeypatch.setattr(ingest, "heartbeats_write", refuse)
    # The ingestor drops its connection after a database error (a fresh one next time); here
    # that connection holds the test's transaction, so the drop is only counted.
    closed = []
    monkeypatch.setattr(ingest.connection, "close", lambda: closed.append(1))
    ingestor.flush()
    assert closed == [1]
    assert ingestor.counters["db_errors"] == 1 and ingestor.counters["written"] == 0
    monkeypatch.undo()
    ingestor.flush()
    assert ingestor.counters["written"] == 1


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("city_officer", "/devices/"),
        ("city_officer", "/api/v1/devices/online-rates"),
        ("district_a", "/api/v1/devices/cameras?limit=100"),
        ("director_a1", "/devices/schools/{a1}/"),
        ("district_a", "/devices/?unit={da}"),
    ],
)
def test_device_pages_do_not_grow_with_the_rows(world, as_user, persona, url):
    url = url.format(a1=world.a1.pk, da=world.district_a.pk)
    client = as_user(persona)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _camera(world, n=1)
    count()
    before = count()
    for n in range(2, 12):
        _camera(world, n=n)
        school = SchoolFactory(
            unit__parent=world.district_a, unit__name=f"新校{n}", unit__code=f"TN{n:02d}"
        )
        _camera(world, school=school, n=100 + n)
    count()  # new units change the cached grants' data version: one request reloads them
    assert count() == before


def test_a_patch_with_nulls_is_refused_or_blanks_never_a_server_error(world, as_user):
    camera = _camera(world)
    url = f"/api/v1/devices/cameras/{camera.pk}"
    director = as_user("director_a1")
    for body in ({"name": None}, {"device_id": None}, {"place": None}):
        assert director.patch(url, body, content_type="application/json").status_code == 400
    blank = director.patch(
        url, {"model": None, "stream_url": None}, content_type="application/json"
    )
    assert blank.status_code == 200 and blank.json()["stream_url"] == ""
    alarm = _post(
        director,
        "/api/v1/devices/alarms",
        {"school_id": world.a1.pk, "name": "一键报警", "device_id": _id(40)},
    ).json()
    response = director.patch(
        f"/api/v1/devices/alarms/{alarm['id']}",
        {"linked_to_police": None},
        content_type="application/json",
    )
    assert response.status_code == 400
