"""Stored texts in the reader's language: notifications, audit messages and the command board's
labels show in Chinese to a Chinese reader and in English to an English one (the language cookie
of the switcher), while user data (a school's name, a hazard's description) stays as written and
the channels without a reader (e-mail, webhooks) keep the platform's Chinese."""

import ast
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from safecampus.audit.context import Actor, acting_as
from safecampus.audit.models import AuditAction, AuditEntry
from safecampus.audit.services import audit_event, audit_suppressed
from safecampus.core.texts import Text, label, rendered
from safecampus.emergency import realtime
from safecampus.emergency import services as emergency
from safecampus.emergency.choices import IncidentType
from safecampus.emergency.models import IncidentEvent
from safecampus.emergency.selectors import board_incidents, event_payload, incident_summary
from safecampus.hazards import services as hazards
from safecampus.notifications.models import Delivery, Notification

from .factories import api_token

SRC = Path(__file__).resolve().parents[1] / "src" / "safecampus"


@pytest.fixture(autouse=True)
def _platform_language_after():
    """A request leaves its language active in the thread: the next test starts in Chinese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _in(language: str, client: Client) -> Client:
    """The client as a reader who chose `language` in the switcher."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _readers(world, persona):
    zh, en = Client(), Client()
    for c in (zh, en):
        c.force_login(world.users[persona])
    return zh, _in("en", en)


# --- Texts ---------------------------------------------------------------------------------------


def test_a_text_renders_in_the_active_language_and_keeps_its_parameters_as_written():
    text = Text(
        "报警：%(subject)s",
        subject=Text(
            "%(drill)s%(school)s%(place)s：%(type)s",
            drill=Text("【演练】"),
            school="甲区第一小学",
            place="",
            type=label(IncidentType.FIRE.label),
        ),
    )
    assert Text.from_json(json.loads(json.dumps(text.to_json()))) == text
    with translation.override("zh-hans"):
        assert text.render() == "报警：【演练】甲区第一小学：火灾"
    with translation.override("en"):
        assert text.render() == "Alarm: [Drill] 甲区第一小学: Fire"
        assert text.stored() == "报警：【演练】甲区第一小学：火灾"  # the platform's language


def test_a_stored_message_falls_back_to_the_stored_text():
    assert rendered(None, "旧的文字") == "旧的文字"
    assert rendered({"msgid": 3}, "旧的文字") == "旧的文字"
    assert rendered({"msgid": "%(n)s 条", "params": {"m": 1}}, "旧的文字") == "旧的文字"


def test_every_message_marked_for_a_stored_text_has_an_english_translation():
    """Each gettext_noop message (the stored notifications' and audit entries' texts) is in the
    English catalogue: a new one without a translation would show Chinese to English readers."""
    msgids = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                msgids.add(node.args[0].value)
    assert len(msgids) > 30
    with translation.override("en"):
        missing = sorted(m for m in msgids if translation.gettext(m) == m)
    assert missing == []
    with translation.override("en"):
        chinese = sorted(m for m in msgids if re.search(r"[\u4e00-\u9fff]", translation.gettext(m)))
    assert chinese == []


# --- Notifications -------------------------------------------------------------------------------


def _fire(world, **fields):
    """A fire (grade Ⅲ) raised at 甲区第一小学 by its principal."""
    incident, _ = emergency.incident_raise(
        user=world.users["principal_a1"],
        school=world.a1,
        incident_type="fire",
        severity=3,
        description="实验楼二层冒烟",
        **fields,
    )
    return incident


@pytest.fixture
def assigned(world, django_capture_on_commit_callbacks):
    """A hazard assigned to staff_a1: one notification (and an e-mail) for them."""
    owner = world.users["staff_a1"]
    owner.email = "staff@example.cn"
    owner.save()
    hazard, _ = hazards.hazard_report(
        user=owner, school=world.a1, description="消防栓无水", source="report"
    )
    with django_capture_on_commit_callbacks(execute=True):
        hazards.hazard_assign(user=world.users["director_a1"], hazard=hazard, owner=owner)
    return Notification.objects.get(user=owner, kind="hazard.assigned")


def test_a_notification_shows_in_the_readers_language_on_the_list_page(world, assigned):
    zh, en = _readers(world, "staff_a1")
    chinese = zh.get("/notifications/").content.decode()
    english = en.get("/notifications/").content.decode()
    assert "整改任务：甲区第一小学：消防栓无水" in chinese and "整改期限" in chinese
    assert "Rectification task: 甲区第一小学: 消防栓无水" in english and "Deadline" in english
    assert "整改任务" not in english and "整改期限" not in english


def test_the_notification_api_answers_in_the_readers_language(world, assigned):
    token = api_token(world.users["staff_a1"])
    zh, en = Client(), _in("en", Client())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    (chinese,) = zh.get("/api/v1/notifications", **auth).json()["items"]
    (english,) = en.get("/api/v1/notifications", **auth).json()["items"]
    assert chinese["title"] == "整改任务：甲区第一小学：消防栓无水"
    assert english["title"] == "Rectification task: 甲区第一小学: 消防栓无水"
    assert english["body"].startswith("Deadline ") and chinese["body"].startswith("整改期限 ")


def test_channels_without_a_reader_keep_the_platforms_chinese(world, assigned):
    # Written while the request was English: the stored text and the e-mail are Chinese still.
    assert assigned.title == "整改任务：甲区第一小学：消防栓无水"
    (email,) = Delivery.objects.filter(notification=assigned, channel="email")
    assert email.title == assigned.title


def test_a_notification_written_while_english_is_active_is_stored_in_chinese(world):
    owner = world.users["staff_a1"]
    hazard, _ = hazards.hazard_report(
        user=owner, school=world.a1, description="楼梯扶手松动", source="report"
    )
    with translation.override("en"):
        hazards.hazard_assign(user=world.users["director_a1"], hazard=hazard, owner=owner)
    stored = Notification.objects.get(user=owner, kind="hazard.assigned")
    assert stored.title == "整改任务：甲区第一小学：楼梯扶手松动"
    with translation.override("en"):
        assert stored.display_title() == "Rectification task: 甲区第一小学: 楼梯扶手松动"


def test_an_alarms_notification_labels_its_incident_type_in_the_readers_language(world):
    _fire(world, place="实验楼", is_drill=True)
    zh, en = _readers(world, "district_a")
    chinese = zh.get("/notifications/").content.decode()
    english = en.get("/notifications/").content.decode()
    assert "报警：【演练】甲区第一小学（实验楼）：火灾" in chinese
    assert "Alarm: [Drill] 甲区第一小学 (实验楼): Fire" in english and "火灾" not in english
    assert "实验楼二层冒烟" in chinese and "实验楼二层冒烟" in english  # user data as written


def test_a_button_alarm_without_a_description_tells_its_grade_in_the_readers_language(world):
    emergency.alarm_press(
        user=world.users["guard_a1"], school=world.a1, client_key="k-0001-abcdef", place="东门"
    )
    zh, en = _readers(world, "district_a")
    chinese = zh.get("/notifications/").content.decode()
    english = en.get("/notifications/").content.decode()
    assert "报警：甲区第一小学（东门）：不法侵害/暴力事件" in chinese and "Ⅳ级 一般" in chinese
    assert "Alarm: 甲区第一小学 (东门): Intrusion / violence" in english
    assert "Level IV (general)" in english and "Ⅳ级" not in english


def test_old_notifications_without_a_message_still_show(world):
    user = world.users["staff_a1"]
    Notification.objects.create(
        user=user, kind="hazard.assigned", title="旧消息：整改", body="旧内容"
    )
    zh, en = _readers(world, "staff_a1")
    for client in (zh, en):
        page = client.get("/notifications/").content.decode()
        assert "旧消息：整改" in page and "旧内容" in page
    token = api_token(user)
    (item,) = (
        _in("en", Client())
        .get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()["items"]
    )
    assert (item["title"], item["body"]) == ("旧消息：整改", "旧内容")


# --- Audit messages ------------------------------------------------------------------------------


def test_an_audit_message_shows_in_the_readers_language_on_the_pages_and_the_api(world, as_user):
    as_user("city_officer").get("/schools/export.xlsx")
    entry = AuditEntry.objects.get(action="export")
    assert entry.message == "导出学校 4 所"  # stored in the platform's language
    zh, en = _readers(world, "auditor")
    assert "导出学校 4 所" in zh.get(f"/audit/{entry.pk}/").content.decode()
    detail = en.get(f"/audit/{entry.pk}/").content.decode()
    assert "Exported 4 schools" in detail and "导出学校" not in detail
    assert "Exported 4 schools" in en.get("/audit/?action=export").content.decode()
    assert "导出学校 4 所" in zh.get("/audit/?action=export").content.decode()
    token = api_token(world.users["auditor"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    (english,) = (
        _in("en", Client()).get("/api/v1/audit/entries?action=export", **auth).json()["items"]
    )
    (chinese,) = Client().get("/api/v1/audit/entries?action=export", **auth).json()["items"]
    assert (english["message"], chinese["message"]) == ("Exported 4 schools", "导出学校 4 所")


def test_the_demo_generation_summary_and_an_objects_kind_follow_the_reader(world):
    with (
        acting_as(Actor(channel="cli", username="demo")),
        audit_suppressed(Text("生成演示城市：规模 %(scale)s，种子 %(seed)s", scale=1, seed=2021)),
    ):
        pass
    generated = AuditEntry.objects.get(action=AuditAction.GENERATE)
    assert generated.message == "生成演示城市：规模 1，种子 2021"
    hazard, _ = hazards.hazard_report(
        user=world.users["staff_a1"], school=world.a1, description="电线裸露", source="report"
    )
    created = AuditEntry.objects.get(object_type="hazards.hazard", action="create")
    zh, en = _readers(world, "auditor")
    with translation.override("en"):
        assert generated.display_message() == "Generated the demo city: scale 1, seed 2021"
    english = en.get(f"/audit/{created.pk}/").content.decode()
    chinese = zh.get(f"/audit/{created.pk}/").content.decode()
    # The object's kind and the recorded fields' names in the reader's language.
    assert ">Hazard<" in english and "Hazard description" in english
    assert ">隐患<" in chinese and "隐患描述" in chinese
    assert hazard.description in english and hazard.description in chinese


def test_old_audit_entries_without_a_text_still_show(world):
    old = AuditEntry(
        action="login", username="old-user", message="旧的说明：登录", unit_path=world.city.path
    )
    old.save()
    zh, en = _readers(world, "auditor")
    for client in (zh, en):
        assert "旧的说明：登录" in client.get(f"/audit/{old.pk}/").content.decode()
    token = api_token(world.users["auditor"])
    body = (
        _in("en", Client())
        .get("/api/v1/audit/entries?username=old-user", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert [e["message"] for e in body["items"]] == ["旧的说明：登录"]


def test_an_audit_message_parameter_is_cut_like_the_message(world):
    entry = audit_event(
        AuditAction.IMPORT,
        message=Text("导入学校 %(file)s 被拒绝：%(error)s", file="a.xlsx", error="错" * 2000),
    )
    assert len(entry.message) == 500
    assert len(entry.message_i18n["params"]["error"]) == 500


# --- The command board ---------------------------------------------------------------------------


def _labels(page: str) -> dict:
    return json.loads(
        page.split('id="board-labels" type="application/json">')[1].split("</script>")[0]
    )


def test_the_board_page_labels_the_codes_in_its_own_language(world):
    _fire(world)
    zh, en = _readers(world, "district_a")
    chinese_page = zh.get("/emergency/board/").content.decode()
    english_page = en.get("/emergency/board/").content.decode()
    assert 'data-alert-title="{alert}：{school} · {type}"' in chinese_page
    assert 'data-alert-title="{alert}: {school} · {type}"' in english_page
    assert 'data-drill-suffix=" (drill)"' in english_page
    chinese, english = _labels(chinese_page), _labels(english_page)
    assert chinese["incident_type"]["fire"] == "火灾" and english["incident_type"]["fire"] == "Fire"
    assert chinese["status"]["raised"] == "待接警"
    assert english["status"]["raised"] == "Unacknowledged"
    assert english["severity"]["3"] == "Level III (relatively serious)"
    assert chinese["kind"]["alarm"] == "报警" and english["kind"]["alarm"] == "Alarm"


def test_a_board_line_carries_codes_and_is_the_same_in_every_language(world):
    incident = _fire(world)
    event = IncidentEvent.objects.select_related(
        "by", "incident__school__unit", "incident__school__district"
    ).get(incident=incident)

    def line(language):
        with translation.override(language):
            payload = json.loads(realtime.line_for(event)[2])
        del payload["sent_at"]
        return payload

    chinese = line("zh-hans")
    assert chinese == line("en")
    assert (chinese["kind"], chinese["incident"]["incident_type"]) == ("raised", "fire")
    assert (chinese["incident"]["severity"], chinese["incident"]["status"]) == (3, "raised")
    text = json.dumps(chinese, ensure_ascii=False)
    assert "label" not in text and "火灾" not in text and "待接警" not in text
    assert event_payload(event)["incident"] == incident_summary(
        board_incidents(user=world.users["district_a"]).get()
    )
