"""The three defenses and the four 100% indicators: records scoped and audited, verdicts that
explain themselves under the rule set in force, roll-ups, imports and idempotent sign-ins."""

import io
import itertools
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.audit.models import AuditEntry
from safecampus.defenses.models import (
    CampusSecurity,
    EntryRecord,
    Equipment,
    GatePost,
    GatePostDuty,
    GatePostSignIn,
    Guard,
)
from safecampus.defenses.selectors import defense_summary
from safecampus.devices.models import AlarmButton, Camera
from safecampus.orgs.models import School
from safecampus.rules.models import RuleSet
from safecampus.rules.services import rule_set_assign

from .clock import clock_fixture  # noqa: F401 — the `clock` fixture
from .factories import SchoolFactory
from .imports import api_import, page_import

TODAY = timezone.localdate()
VIDEO_PLACES = ["outside_gate", "main_entrance", "gate_house", "playground", "corridor"]
_device_ids = itertools.count(1)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _guards(school, n, **fields):
    for i in range(n):
        values = {"name": f"保安{i}", "birth_year": TODAY.year - 40, **fields}
        Guard.objects.create(
            school=school, licence_no=f"LIC{school.pk}-{Guard.objects.count()}", **values
        )


def _technical(school, *, tested_days_ago=10, linked=True, places=VIDEO_PLACES):
    AlarmButton.objects.create(
        school=school,
        name="门卫室一键报警",
        device_id=f"{next(_device_ids):020d}",
        place="gate_house",
        linked_to_police=linked,
        police_unit="测试派出所",
        last_tested_on=TODAY - timedelta(days=tested_days_ago),
    )
    for place in places:
        Camera.objects.create(
            school=school, name=place, device_id=f"{next(_device_ids):020d}", place=place
        )


def _gate_posts(school, dismissal_days="12345"):
    for period, days in (("arrival", "12345"), ("dismissal", dismissal_days)):
        post = GatePost.objects.create(
            school=school, name="校门护学岗", period=period, starts_at="07:20", ends_at="08:00"
        )
        if days:
            GatePostDuty.objects.create(post=post, name="李老师", kind="teacher", weekdays=days)
    return GatePost.objects.filter(school=school).first()


def _all_four(school, guards=2):
    _guards(school, guards)
    CampusSecurity.objects.create(school=school, closed_management=True, entry_registration=True)
    _technical(school)
    _gate_posts(school)


def _verdicts(client, school):
    response = client.get(f"/api/v1/defenses/indicators?school={school.pk}")
    assert response.status_code == 200
    (row,) = response.json()["items"]
    return row


# --- verdicts and their reasons ------------------------------------------------------------------


def test_a_school_with_everything_in_place_meets_all_four(world, as_user):
    _all_four(world.a1)
    row = _verdicts(as_user("district_a"), world.a1)
    assert row["meets_all"] is True
    assert row["guards"]["reason"] == (
        "学生 600 人，按GB/T 29315-2022 保安员配备（2022）（平台默认）应配专职保安员 ≥ 2 名，现有合格 2 名"
    )
    assert row["closure"]["reason"].startswith("实行封闭化管理并落实出入登记")
    assert "一键式紧急报警已联网（测试派出所）" in row["alarm_video"]["reason"]
    assert "5 个须监控部位均有摄像头（共 5 路" in row["alarm_video"]["reason"]
    assert "三级防护" in row["alarm_video"]["reason"]
    assert row["gate_posts"]["reason"].startswith("上学、放学护学岗周一至周五均有人在岗")


def test_disqualified_guards_are_named_in_the_reason(world, as_user):
    _guards(world.a1, 1)
    _guards(world.a1, 1, licence_expiry=TODAY - timedelta(days=3))
    _guards(world.a1, 1, birth_year=TODAY.year - 60)
    _guards(world.a1, 1, employment="part_time")
    _guards(world.a1, 1, active=False)  # no longer on the staff: not mentioned at all
    guards = _verdicts(as_user("principal_a1"), world.a1)["guards"]
    assert guards["meets"] is False
    assert guards["reason"].endswith(
        "应配专职保安员 ≥ 2 名，现有合格 1 名（1 名证件过期，1 名年满 60 岁，1 名兼职）"
    )


def test_switching_a_district_to_the_168_rule_flips_a_school_near_the_boundary(world, as_user):
    School.objects.filter(pk=world.a1.pk).update(students=950, staff=60)
    _guards(world.a1, 2)
    client = as_user("district_a")
    assert _verdicts(client, world.a1)["guards"]["meets"] is True  # GB/T: 950 students → 2
    gz168 = RuleSet.objects.get(kind="guard_staffing", name__startswith="公治")
    rule_set_assign(user=world.users["city_admin"], unit=world.district_a, rule_set=gz168)
    guards = _verdicts(client, world.a1)["guards"]
    assert guards["meets"] is False
    assert guards["reason"] == (
        "师生 1,010 人（学生 950、教职工 60），按公治〔2015〕168号 保安员配备（2015）（甲区选用）"
        "应配专职保安员 ≥ 3 名，现有合格 2 名"
    )
    # The other district keeps the default.
    assert "平台默认" in _verdicts(as_user("district_b"), world.b1)["guards"]["reason"]


def test_closure_needs_closed_management_and_entry_registration(world, as_user):
    client = as_user("district_a")
    assert _verdicts(client, world.a1)["closure"] == {
        "meets": False,
        "reason": "未填报封闭化管理情况",
    }
    CampusSecurity.objects.create(school=world.a1, closed_management=True, anti_ram_barriers=True)
    closure = _verdicts(client, world.a1)["closure"]
    assert closure["meets"] is False
    assert closure["reason"] == "未落实出入登记（另：周界无实体围墙或栅栏、门卫室未 24 小时值守）"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"linked": False}, "一键式紧急报警未联网公安"),
        ({"tested_days_ago": 31}, "超过 30 天"),
        ({"places": ["outside_gate", "gate_house", "corridor"]}, "校门口、操场无视频监控"),
    ],
)
def test_alarm_and_video_say_what_is_missing(world, as_user, setup, reason):
    _technical(world.a1, **setup)
    verdict = _verdicts(as_user("district_a"), world.a1)["alarm_video"]
    assert verdict["meets"] is False
    assert reason in verdict["reason"]


def test_no_alarm_at_all_is_named(world, as_user):
    verdict = _verdicts(as_user("district_a"), world.a1)["alarm_video"]
    assert verdict["reason"].startswith("未安装一键式紧急报警；校门外、校门口、门卫室、操场、")


def test_gate_posts_need_both_periods_covered_every_school_day(world, as_user):
    client = as_user("district_a")
    assert _verdicts(client, world.a1)["gate_posts"]["reason"] == "未设上学护学岗；未设放学护学岗"
    _gate_posts(world.a1, dismissal_days="1245")
    assert _verdicts(client, world.a1)["gate_posts"] == {
        "meets": False,
        "reason": "放学护学岗周三无人在岗",
    }


# --- roll-ups --------------------------------------------------------------------------------


def test_the_summary_rolls_up_the_callers_scope(world, as_user):
    _all_four(world.a1)
    _all_four(world.b1, guards=1)  # 900 students need 2: misses guards only
    Equipment.objects.create(school=world.a1, kind="extinguisher", quantity=12)
    Equipment.objects.create(school=world.b1, kind="helmet", quantity=3)
    city = as_user("city_officer").get("/api/v1/defenses/summary").json()
    assert city["schools"] == 4
    assert (city["guards"], city["equipment"], city["cameras"]) == (3, 15, 10)
    assert city["guard_schools"] == 1 and city["guard_rate"] == 25.0
    assert city["closure_schools"] == 2 and city["closure_rate"] == 50.0
    assert city["all_four_schools"] == 1
    district = as_user("district_a").get("/api/v1/defenses/summary").json()
    assert (district["schools"], district["guards"], district["guard_rate"]) == (2, 2, 50.0)
    filtered = as_user("city_officer").get(
        f"/api/v1/defenses/summary?district={world.district_b.pk}"
    )
    assert filtered.json()["guard_rate"] == 0.0
    direct = as_user("city_officer").get("/api/v1/defenses/summary?district=0").json()
    assert direct["schools"] == 1


def test_rates_are_cut_not_rounded(world, as_user):
    for school in (world.a1, world.a2):
        CampusSecurity.objects.create(
            school=school, closed_management=True, entry_registration=True
        )
    # 2 of 4 → 50; once C1 is no longer a school that is assessed, 2 of 3 → 66.66 (cut).
    summary = as_user("city_officer").get("/api/v1/defenses/summary").json()
    assert summary["closure_rate"] == 50.0
    School.objects.filter(pk=world.c1.pk).update(school_type="training")  # not assessed
    summary = as_user("city_officer").get("/api/v1/defenses/summary").json()
    assert (summary["schools"], summary["closure_rate"]) == (3, 66.66)


def test_the_indicator_list_filters_the_schools_that_miss(world, as_user):
    _all_four(world.a1)
    client = as_user("city_officer")
    missing = client.get("/api/v1/defenses/indicators?indicator=guards&meets=false").json()
    assert {r["school_name"] for r in missing["items"]} == {
        "甲区幼儿园",
        "乙区初级中学",
        "测试市第一中学",
    }
    assert client.get("/api/v1/defenses/indicators?meets=true").json()["count"] == 1
    assert client.get("/api/v1/defenses/indicators?indicator=nope").status_code == 422


def test_the_roll_up_does_not_query_per_school(world, as_user):
    client = as_user("city_officer")
    urls = [
        "/api/v1/defenses/summary",
        "/api/v1/defenses/indicators?limit=100",
        "/defenses/",
        "/defenses/schools/?meets=false",
    ]

    def count(url):
        cache.clear()  # the uncached path: the queries that compute the verdicts
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for url in urls:
        count(url)
    before = {url: count(url) for url in urls}
    for n in range(15):
        school = SchoolFactory(
            unit__parent=world.district_a, unit__name=f"新学校{n}", unit__code=f"TN{n:02d}"
        )
        _all_four(school)
        Equipment.objects.create(school=school, kind="shield", quantity=2)
    assert {url: count(url) for url in urls} == before


# --- scope: pages and API, inside and outside ---------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("city_admin", 200),
        ("city_officer", 200),
        ("inspector", 200),
        ("district_a", 200),
        ("principal_a1", 200),
        ("guard_a1", 200),
        ("counsellor_a1", 200),
        ("district_b", 404),
        ("teacher_b1", 404),
        ("principal_c1", 404),
        ("auditor", 404),
    ],
)
def test_a_schools_defenses_page_is_scoped(world, as_user, persona, status):
    _gate_posts(world.a1)
    client = as_user(persona)
    assert client.get(f"/defenses/schools/{world.a1.pk}/").status_code == status
    assert client.get(f"/api/v1/defenses/guards?school={world.a1.pk}").status_code == (
        403 if persona == "auditor" else status
    )


def test_the_auditor_sees_no_defenses(world, as_user):
    client = as_user("auditor")
    for url in (
        "/defenses/",
        "/defenses/schools/",
        "/api/v1/defenses/summary",
        "/api/v1/defenses/indicators",
    ):
        assert client.get(url).status_code == 403, url


def test_lists_only_show_records_in_scope(world, as_user):
    _guards(world.a1, 2)
    _guards(world.b1, 1)
    assert as_user("district_b").get("/api/v1/defenses/guards").json()["count"] == 1
    assert as_user("city_officer").get("/api/v1/defenses/guards").json()["count"] == 3
    other = Guard.objects.get(school=world.b1)
    assert as_user("district_a").get(f"/api/v1/defenses/guards/{other.pk}").status_code == 404


def test_the_school_page_offers_what_the_user_may_do(world, as_user):
    _gate_posts(world.a1)
    url = f"/defenses/schools/{world.a1.pk}/"
    director = as_user("director_a1").get(url).content.decode()
    assert "新增保安员" in director and 'data-testid="sign-in"' in director
    guard = as_user("guard_a1").get(url).content.decode()
    assert "新增保安员" not in guard and 'data-testid="sign-in"' in guard and "进校登记" in guard
    officer = as_user("district_a").get(url).content.decode()
    assert "新增保安员" not in officer and 'data-testid="sign-in"' not in officer


# --- writes: guards -----------------------------------------------------------------------------


def test_a_director_adds_a_guard_and_it_is_audited(world, as_user):
    body = {
        "school_id": world.a1.pk,
        "name": "王强",
        "licence_no": "鲁公保证字2020123456",
        "birth_year": 1980,
        "company": "烟台保安",
    }
    response = _post(as_user("director_a1"), "/api/v1/defenses/guards", body)
    assert response.status_code == 201
    guard = Guard.objects.get(pk=response.json()["id"])
    entry = AuditEntry.objects.get(
        action="create", object_type="defenses.guard", object_id=str(guard.pk)
    )
    assert entry.username == "director_a1" and entry.unit_path == world.a1.unit.path
    patched = as_user("principal_a1").patch(
        f"/api/v1/defenses/guards/{guard.pk}", {"active": False}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert AuditEntry.objects.filter(action="update", object_type="defenses.guard").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("district_a", 403), ("guard_a1", 403), ("principal_c1", 404), ("teacher_b1", 404)],
)
def test_only_the_school_manages_its_guards(world, as_user, persona, status):
    body = {"school_id": world.a1.pk, "name": "王强", "licence_no": "X1", "birth_year": 1980}
    assert _post(as_user(persona), "/api/v1/defenses/guards", body).status_code == status
    assert not Guard.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"licence_no": ""}, "保安员证号：专职保安员须填写保安员证号"),
        ({"birth_year": 1930}, "出生年份：出生年份须在 1940 到"),
        ({"birth_year": TODAY.year - 5}, "出生年份：出生年份须在 1940 到"),
    ],
)
def test_a_bad_guard_is_refused_in_words_and_changes_nothing(world, as_user, body, message):
    payload = {
        "school_id": world.a1.pk,
        "name": "王强",
        "licence_no": "X1",
        "birth_year": 1980,
        **body,
    }
    response = _post(as_user("director_a1"), "/api/v1/defenses/guards", payload)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not Guard.objects.exists()


def test_the_guard_form_shows_errors_on_the_page(world, as_user):
    client = as_user("director_a1")
    url = f"/defenses/schools/{world.a1.pk}/guards/new/"
    response = client.post(
        url, {"name": "王强", "employment": "full_time", "birth_year": "1980", "active": "on"}
    )
    assert response.status_code == 200
    assert "专职保安员须填写保安员证号" in response.content.decode()
    assert not Guard.objects.exists()
    response = client.post(
        url,
        {
            "name": "王强",
            "employment": "full_time",
            "licence_no": "L1",
            "birth_year": "1980",
            "active": "on",
        },
    )
    assert response.status_code == 302 and Guard.objects.get().name == "王强"
    assert as_user("district_a").get(url).status_code == 403


# --- Excel import and export ---------------------------------------------------------------------

HEADER = ["姓名", "保安员证号", "证件有效期至", "出生年份", "用工方式", "保安公司", "在岗"]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    wb.active.append(HEADER)
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(client, school, data, api=False):
    if api:
        return api_import(client, "guards", data, school=school)
    return page_import(client, "guards", data, school=school)


def test_the_guard_register_imports_and_exports(world, as_user):
    client = as_user("director_a1")
    rows = [
        ["张三", "L100", "2030-06-30", 1975, "专职", "烟台保安", "是"],
        ["李四", "", None, 1990, "兼职", "", ""],
    ]
    response = _upload(client, world.a1, _xlsx(rows))
    assert "新增 2 人" in response.content.decode()
    assert Guard.objects.get(licence_no="L100").licence_expiry.isoformat() == "2030-06-30"
    # The same file again changes nothing; a changed row updates by licence number.
    rows[0][3] = 1976
    body = _upload(client, world.a1, _xlsx(rows), api=True).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 1)
    assert AuditEntry.objects.filter(action="import", outcome="success").count() == 2
    export = client.get(f"/defenses/schools/{world.a1.pk}/guards.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 3
    assert AuditEntry.objects.filter(action="export", unit_path=world.a1.unit.path).exists()


def test_a_bad_register_imports_nothing_and_names_every_cell(world, as_user):
    rows = [
        ["张三", "L100", "2030-06-30", 1975, "专职", "", "是"],
        ["王五", "", None, "七五年", "专职", "", ""],
        ["赵六", "", None, 1980, "专职", "", ""],
        ["钱七", "L100", "明年", 1985, "临时工", "", "也许"],
    ]
    client = as_user("director_a1")
    html = _upload(client, world.a1, _xlsx(rows)).content.decode()
    for row, column, value, reason in [
        (3, "出生年份", "七五年", "须为四位年份"),
        (4, "保安员证号", "", "专职保安员须填写保安员证号"),
        (5, "证件有效期至", "明年", "须为日期"),
        (5, "用工方式", "临时工", "须为“专职”或“兼职”"),
        (5, "在岗", "也许", "须为“是”或“否”"),
    ]:
        assert f"<td>{row}</td><td>{column}</td><td>{value}</td><td>{reason}" in html, (row, column)
    assert not Guard.objects.exists()
    api = _upload(client, world.a1, _xlsx(rows), api=True)
    assert api.status_code == 400 and api.json()["error"]["code"] == "import_rejected"
    assert AuditEntry.objects.filter(action="import", outcome="failure").count() == 2
    assert _upload(as_user("district_a"), world.a1, _xlsx(rows[:1]), api=True).status_code == 403


def test_a_duplicate_licence_in_the_file_is_refused(world, as_user):
    rows = [["张三", "L1", None, 1975, "专职", "", ""], ["李四", "L1", None, 1976, "专职", "", ""]]
    response = _upload(as_user("director_a1"), world.a1, _xlsx(rows), api=True)
    assert response.json()["error"]["details"] == [
        {"row": 3, "column": "保安员证号", "value": "L1", "message": "与第 2 行重复"}
    ]


# --- gate posts and sign-ins ----------------------------------------------------------------------


def test_signing_in_twice_records_once(world, as_user):
    post = _gate_posts(world.a1)
    guard = as_user("guard_a1")
    first = _post(
        guard, "/api/v1/defenses/sign-ins", {"post_id": post.pk, "client_key": "key-12345678"}
    )
    assert first.status_code == 201 and first.json()["on_date"] == TODAY.isoformat()
    again = _post(
        guard, "/api/v1/defenses/sign-ins", {"post_id": post.pk, "client_key": "key-12345678"}
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    no_key = _post(guard, "/api/v1/defenses/sign-ins", {"post_id": post.pk})
    assert no_key.status_code == 200
    assert GatePostSignIn.objects.count() == 1
    other = _post(
        as_user("staff_a1"),
        "/api/v1/defenses/sign-ins",
        {"post_id": post.pk, "client_key": "key-12345678"},
    )
    assert other.status_code == 400 and "已被使用" in other.json()["error"]["message"]
    assert (
        AuditEntry.objects.filter(object_type="defenses.gatepostsignin", action="create").count()
        == 1
    )
    listed = guard.get(f"/api/v1/defenses/sign-ins?school={world.a1.pk}").json()
    assert listed["count"] == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("district_a", 403), ("counsellor_a1", 403), ("teacher_b1", 404)]
)
def test_only_school_people_sign_in(world, as_user, persona, status):
    post = _gate_posts(world.a1)
    assert (
        _post(as_user(persona), "/api/v1/defenses/sign-ins", {"post_id": post.pk}).status_code
        == status
    )


def test_the_sign_in_button_works_on_the_page(world, as_user):
    post = _gate_posts(world.a1)
    client = as_user("staff_a1")
    response = client.post(
        f"/defenses/gate-posts/{post.pk}/sign-in/", {"client_key": "page-key-1"}, follow=True
    )
    assert "已签到：校门护学岗" in response.content.decode()
    client.post(f"/defenses/gate-posts/{post.pk}/sign-in/", {"client_key": "page-key-1"})
    assert GatePostSignIn.objects.filter(post=post).count() == 1


def test_a_roster_is_kept_on_the_post_page(world, as_user):
    director = as_user("director_a1")
    response = director.post(
        f"/defenses/schools/{world.a1.pk}/gate-posts/new/",
        {
            "form": "post",
            "name": "东门护学岗",
            "period": "dismissal",
            "starts_at": "16:30",
            "ends_at": "16:00",
            "active": "on",
        },
    )
    assert "结束时间须晚于开始时间" in response.content.decode()
    response = director.post(
        f"/defenses/schools/{world.a1.pk}/gate-posts/new/",
        {
            "form": "post",
            "name": "东门护学岗",
            "period": "dismissal",
            "starts_at": "16:30",
            "ends_at": "17:00",
            "active": "on",
        },
    )
    post = GatePost.objects.get(name="东门护学岗")
    assert response.status_code == 302
    director.post(
        f"/defenses/gate-posts/{post.pk}/",
        {"form": "duty", "name": "张警官", "kind": "police", "weekdays": ["1", "3", "5"]},
    )
    duty = post.duties.get()
    assert duty.weekdays == "135"
    added = _post(
        director,
        f"/api/v1/defenses/gate-posts/{post.pk}/duties",
        {"name": "刘老师", "kind": "teacher", "weekdays": "24"},
    )
    assert added.status_code == 201
    assert director.delete(f"/api/v1/defenses/gate-post-duties/{duty.pk}").status_code == 204
    assert (
        AuditEntry.objects.filter(object_type="defenses.gatepostduty", action="delete").count() == 1
    )
    assert (
        as_user("district_a")
        .delete(f"/api/v1/defenses/gate-post-duties/{added.json()['id']}")
        .status_code
        == 403
    )


# --- equipment, closure, visitors ----------------------------------------------------------------


def test_equipment_is_one_row_per_kind_and_flags_overdue_checks(world, as_user):
    client = as_user("director_a1")
    body = {
        "school_id": world.a1.pk,
        "kind": "steel_fork",
        "quantity": 2,
        "last_checked_on": (TODAY - timedelta(days=45)).isoformat(),
    }
    assert (
        client.put("/api/v1/defenses/equipment", body, content_type="application/json").status_code
        == 200
    )
    body["quantity"] = 4
    assert (
        client.put("/api/v1/defenses/equipment", body, content_type="application/json").json()[
            "quantity"
        ]
        == 4
    )
    assert Equipment.objects.get().quantity == 4
    page = client.get(f"/defenses/schools/{world.a1.pk}/").content.decode()
    assert "检查逾期" in page
    future = {**body, "last_checked_on": (TODAY + timedelta(days=2)).isoformat()}
    response = client.put("/api/v1/defenses/equipment", future, content_type="application/json")
    assert (
        response.status_code == 400
        and "检查日期不能晚于今天" in response.json()["error"]["message"]
    )
    assert (
        client.put(
            "/api/v1/defenses/equipment", {**body, "kind": "sword"}, content_type="application/json"
        ).status_code
        == 422
    )


def test_closure_is_reported_by_the_school(world, as_user):
    flags = dict.fromkeys(
        [
            "closed_management",
            "entry_registration",
            "anti_ram_barriers",
            "perimeter_fence",
            "gate_house_24h",
        ],
        True,
    )
    url = f"/api/v1/defenses/schools/{world.a1.pk}/security"
    assert as_user("district_a").get(url).json()["closed_management"] is False
    assert as_user("district_a").put(url, flags, content_type="application/json").status_code == 403
    assert (
        as_user("principal_a1").put(url, flags, content_type="application/json").status_code == 200
    )
    assert CampusSecurity.objects.get(school=world.a1).gate_house_24h is True
    assert _verdicts(as_user("district_a"), world.a1)["closure"]["meets"] is True


def test_a_visitor_is_registered_once_with_only_four_id_characters(world, as_user):
    guard = as_user("guard_a1")
    body = {
        "school_id": world.a1.pk,
        "visitor_name": "赵先生",
        "id_last4": "123x",
        "reason": "维修",
        "host": "总务处",
        "client_key": "visit-0001",
    }
    first = _post(guard, "/api/v1/defenses/entries", body)
    assert first.status_code == 201 and first.json()["id_last4"] == "123X"
    assert _post(guard, "/api/v1/defenses/entries", body).status_code == 200
    assert EntryRecord.objects.count() == 1
    assert (
        _post(
            guard,
            "/api/v1/defenses/entries",
            {**body, "id_last4": "370602199001011234", "client_key": None},
        ).status_code
        == 422
    )
    entry_id = first.json()["id"]
    left = _post(guard, f"/api/v1/defenses/entries/{entry_id}/leave", {})
    assert left.status_code == 200 and left.json()["left_at"]
    again = _post(guard, f"/api/v1/defenses/entries/{entry_id}/leave", {})
    assert again.status_code == 400 and "已登记离校" in again.json()["error"]["message"]
    assert (
        _post(
            as_user("staff_a1"), "/api/v1/defenses/entries", {**body, "client_key": None}
        ).status_code
        == 403
    )


def test_the_dashboard_drills_down_to_the_reason(world, as_user):
    _all_four(world.a1)
    client = as_user("city_officer")
    page = client.get("/defenses/").content.decode()
    assert f"?district={world.district_b.pk}&indicator=guards&meets=false" in page
    missing = client.get(
        f"/defenses/schools/?district={world.district_b.pk}&indicator=guards&meets=false"
    ).content.decode()
    assert "乙区初级中学" in missing and "学生 900 人" in missing and "现有合格 0 名" in missing
    assert "专职保安员配备未达标的学校" in missing


def test_the_summary_matches_the_selector(world):
    _all_four(world.a1)
    summary = defense_summary(user=world.users["city_admin"])
    assert summary["rates"]["guards"] == 25.0 and summary["meets_all"] == 1


def test_the_school_page_does_not_query_per_record(world, as_user):
    client = as_user("director_a1")
    url = f"/defenses/schools/{world.a1.pk}/"

    def count():
        cache.clear()  # the uncached path: the queries that compute the verdicts
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            _guards(world.a1, 1)
            post = _gate_posts(world.a1)
            _post(client, "/api/v1/defenses/sign-ins", {"post_id": post.pk})
            EntryRecord.objects.create(
                school=world.a1, visitor_name="访客", id_last4="1234", reason="送货", host="总务处"
            )
        _technical(world.a1)

    add(1)
    count()
    before = count()
    add(6)
    Equipment.objects.create(school=world.a1, kind="baton", quantity=3)
    Equipment.objects.create(school=world.a1, kind="hydrant", quantity=2)
    assert count() == before


# --- history: the comings and goings are dated, and a past day's verdicts read them -------------


def test_comings_and_goings_are_dated_and_a_past_days_verdicts_read_them(world, as_user, clock):
    """A guard leaves, a camera is taken out of service, the alarm is tested again, a roster
    entry ends: each keeps its day, so the verdicts of a day before are those the school had
    then (all four met) while today's name what is missing now."""
    from safecampus.defenses.indicators import school_verdicts
    from safecampus.devices.models import AlarmTest

    director = as_user("director_a1")
    _guards(world.a1, 2, hired_on=TODAY - timedelta(days=400))
    CampusSecurity.objects.create(school=world.a1, closed_management=True, entry_registration=True)
    _gate_posts(world.a1)
    for place in VIDEO_PLACES:
        Camera.objects.create(
            school=world.a1, name=place, device_id=f"{next(_device_ids):020d}", place=place
        )
    alarm = _post(
        director,
        "/api/v1/devices/alarms",
        {
            "school_id": world.a1.pk,
            "name": "门卫室一键报警",
            "device_id": f"{next(_device_ids):020d}",
            "linked_to_police": True,
            "police_unit": "测试派出所",
            "last_tested_on": (TODAY - timedelta(days=5)).isoformat(),
        },
    ).json()
    before = TODAY
    assert school_verdicts(School.objects.filter(pk=world.a1.pk), before)[0].meets_all

    clock.advance(days=40)
    director = as_user("director_a1")  # a new session: the old one timed out meanwhile
    later = timezone.localdate()
    guard = Guard.objects.filter(school=world.a1).first()
    left = director.patch(
        f"/api/v1/defenses/guards/{guard.pk}", {"active": False}, content_type="application/json"
    ).json()
    assert (left["active"], left["left_on"]) == (False, later.isoformat())
    playground = Camera.objects.get(school=world.a1, place="playground")
    off = _post(director, f"/api/v1/devices/cameras/{playground.pk}/deactivate", {}).json()
    assert off["removed_on"] == later.isoformat()
    tested = director.patch(
        f"/api/v1/devices/alarms/{alarm['id']}",
        {"last_tested_on": later.isoformat()},
        content_type="application/json",
    )
    assert tested.status_code == 200
    assert list(AlarmTest.objects.values_list("tested_on", flat=True)) == [
        before - timedelta(days=5),
        later,
    ]
    GatePostDuty.objects.filter(post__school=world.a1, post__period="dismissal").update(
        until=later - timedelta(days=1)
    )

    (now,) = school_verdicts(School.objects.filter(pk=world.a1.pk), later)
    assert [i for i, v in now.verdicts.items() if not v.meets] == [
        "guards",
        "alarm_video",
        "gate_posts",
    ]
    assert "操场无视频监控" in now.verdicts["alarm_video"].reason
    assert "放学护学岗无人排班" in now.verdicts["gate_posts"].reason
    (then,) = school_verdicts(School.objects.filter(pk=world.a1.pk), before + timedelta(days=1))
    assert then.meets_all
    assert f"{before - timedelta(days=5)} 测试" in then.verdicts["alarm_video"].reason
    # Before the guards came, the school had none.
    (earlier,) = school_verdicts(School.objects.filter(pk=world.a1.pk), TODAY - timedelta(days=500))
    assert "现有合格 0 名" in earlier.verdicts["guards"].reason


def test_equipment_counts_keep_their_dated_changes(world, as_user, clock):
    """Every change of a count is a dated change; their sum up to a day is that day's count."""
    from safecampus.defenses.models import EquipmentChange

    client = as_user("director_a1")
    body = {"school_id": world.a1.pk, "kind": "steel_fork", "quantity": 2}
    client.put("/api/v1/defenses/equipment", body, content_type="application/json")
    clock.advance(days=30)
    client = as_user("director_a1")  # a new session: the old one timed out meanwhile
    client.put(
        "/api/v1/defenses/equipment", {**body, "quantity": 5}, content_type="application/json"
    )
    clock.advance(days=30)
    client = as_user("director_a1")
    row = Equipment.objects.get()
    assert client.delete(f"/api/v1/defenses/equipment/{row.pk}").status_code == 204
    changes = list(EquipmentChange.objects.values_list("on", "change"))
    assert changes == [
        (TODAY, 2),
        (TODAY + timedelta(days=30), 3),
        (TODAY + timedelta(days=60), -5),
    ]
    assert sum(c for on, c in changes if on <= TODAY + timedelta(days=45)) == 5
