"""Emergency command in Chromium: a guard's alarm button (a simulated device message over HTTP)
shows on the district's command board within a second, with sound; the duty officer takes it
and follows the school's plan; a second board that was offline catches up when it reconnects.

Expected records come from the server's SQLite file (`demo_db`), never from the ORM.
"""

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DISTRICT = "370602"  # 芝罘区
OFFICER = "d370602"


def _school_with_button(demo_db) -> dict:
    (row,) = demo_db.rows(
        "SELECT u.id, u.code, u.name, b.device_id FROM devices_alarmbutton b "
        "JOIN orgs_school s ON s.unit_id = b.school_id JOIN orgs_orgunit u ON u.id = s.unit_id "
        "JOIN orgs_orgunit d ON d.id = s.district_id "
        "WHERE d.code = ? AND b.active = 1 ORDER BY u.code, b.id LIMIT 1",
        (DISTRICT,),
    )
    return {"id": row[0], "code": row[1], "name": row[2], "device_id": row[3]}


def _device_token(page, school: dict) -> str:
    """The school's safety director issues a token for its alarm gateway (through the API)."""
    director = page(f"s{school['code']}")
    csrf = next(c["value"] for c in director.context.cookies() if c["name"] == "csrftoken")
    response = director.request.post(
        f"/api/v1/devices/schools/{school['id']}/tokens",
        data={"name": "报警网关", "device_id": ""},
        headers={"X-CSRFToken": csrf, "Referer": director.url},
    )
    assert response.status == 201, response.text()
    return response.json()["token"]


def _press(request, token: str, device_id: str) -> dict:
    response = request.post(
        "/api/v1/emergency/alarms",
        data={"device_id": device_id, "event_id": f"BT-{uuid.uuid4().hex[:12]}", "ts": time.time()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 201, response.text()
    return response.json()


def _board(page, username: str = OFFICER):
    board = page(username)
    board.goto("/emergency/board/")
    expect(board.locator('[data-testid="board-connection"]')).to_have_attribute("data-mode", "live")
    return board


def test_a_button_press_shows_on_the_district_board_within_a_second_with_sound_and_is_handled(
    page, demo_db, screenshot_dir
):
    school = _school_with_button(demo_db)
    token = _device_token(page, school)
    board = _board(page)
    sounds = board.evaluate("SafeCampusBoard.sounds")
    pressed = time.monotonic()
    alarm = _press(board.request, token, school["device_id"])
    alert = board.locator('[data-testid="board-alert"]')
    expect(alert).to_be_visible(timeout=1_000)
    shown = time.monotonic() - pressed
    assert shown < 1.0, f"the board showed the alarm after {shown:.2f} s"
    expect(alert).to_contain_text(school["name"])
    assert board.evaluate("SafeCampusBoard.sounds") > sounds  # the siren played
    item = board.locator(f'[data-testid="board-list"] [data-incident="{alarm["incident_id"]}"]')
    expect(item).to_have_attribute("data-status", "raised")
    board.screenshot(path=str(screenshot_dir / "emergency-board-alarm.png"))

    # The officer opens it, takes it, and follows the school's plan.
    board.click("#board-alert-open")
    panel = board.locator(f"#incident-panel-{alarm['incident_id']}")
    expect(panel).to_be_visible()
    steps = panel.locator('[data-testid="plan-steps"] [data-step]')
    assert steps.count() >= 3  # the school's adopted plan for intrusions
    panel.locator('[data-testid="step-acknowledge"] button').click()
    expect(panel.locator('[data-testid="incident-status"]')).to_have_text("已接警")
    expect(item).to_have_attribute("data-status", "acknowledged")
    panel.locator('[data-testid="tick-0"]').click()
    expect(panel.locator('[data-step="0"]')).to_have_attribute("data-done", "1")
    expect(panel.locator('[data-testid="timeline"]')).to_contain_text("预案步骤完成")
    board.screenshot(path=str(screenshot_dir / "emergency-board-plan.png"), full_page=True)
    assert (
        demo_db.value("SELECT status FROM emergency_incident WHERE id = ?", (alarm["incident_id"],))
        == "acknowledged"
    )
    assert not board.js_errors


def test_a_board_that_was_offline_catches_up_when_it_reconnects(page, demo_db):
    school = _school_with_button(demo_db)
    token = _device_token(page, school)
    board = page(OFFICER)
    offline, sockets = {"now": False}, []

    def through(ws):  # the board's WebSocket, cut at will
        if offline["now"]:
            ws.close()
            return
        ws.connect_to_server()
        sockets.append(ws)

    board.route_web_socket(re.compile(r".*/ws/emergency/board/.*"), through)
    board.route(
        re.compile(r".*/api/v1/emergency/board/events.*"),
        lambda route: route.abort() if offline["now"] else route.continue_(),
    )
    board.goto("/emergency/board/")
    connection = board.locator('[data-testid="board-connection"]')
    expect(connection).to_have_attribute("data-mode", "live")

    offline["now"] = True
    for ws in sockets:
        ws.close()
    expect(connection).not_to_have_attribute("data-mode", "live")
    missed = _press(board.request, token, school["device_id"])
    item = board.locator(f'[data-testid="board-list"] [data-incident="{missed["incident_id"]}"]')
    board.wait_for_timeout(1_500)
    expect(item).to_have_count(0)  # nothing reaches a board that is offline

    offline["now"] = False
    expect(item).to_have_count(1, timeout=20_000)  # replayed on reconnect
    expect(connection).to_have_attribute("data-mode", "live", timeout=20_000)
    assert not board.js_errors


def test_an_english_board_and_a_chinese_board_label_the_same_alarm_each_in_its_language(
    page, demo_db, server
):
    """The live line is built once for every board and carries codes; each page labels them."""
    school = _school_with_button(demo_db)
    token = _device_token(page, school)
    chinese = _board(page)
    english = page(OFFICER)
    english.context.add_cookies([{"name": "django_language", "value": "en", "url": server}])
    english.goto("/emergency/board/")
    expect(english.locator('[data-testid="board-connection"]')).to_have_attribute(
        "data-mode", "live"
    )
    alarm = _press(chinese.request, token, school["device_id"])
    selector = f'[data-testid="board-list"] [data-incident="{alarm["incident_id"]}"]'
    expect(chinese.locator(selector)).to_contain_text("不法侵害/暴力事件 · Ⅳ级 一般")
    expect(chinese.locator(selector)).to_contain_text("待接警")
    expect(chinese.locator("#board-alert-title")).to_contain_text(f"新报警：{school['name']}")
    expect(english.locator(selector)).to_contain_text("Intrusion / violence · Level IV (general)")
    expect(english.locator(selector)).to_contain_text("Unacknowledged")
    expect(english.locator("#board-alert-title")).to_contain_text(f"New alarm: {school['name']}")
    assert "待接警" not in english.locator(selector).inner_text()
    assert not chinese.js_errors and not english.js_errors
