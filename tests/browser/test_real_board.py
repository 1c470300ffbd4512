"""The command board across processes on the real layers: two `safecampus serve` processes on
one PostgreSQL database and one Redis (tests/realservices.py: a database and a Redis prefix of
the module's own). The board is open in Chromium on the first; the alarm is pressed on the
second. It can reach the board only over the Redis channel layer (pub/sub) — or, seconds later,
by the board's catch-up read of the database, so the test also checks that the line came in a
live frame (the layer's lines carry `sent_at`, the database's do not).

Skipped unless DATABASE_URL (PostgreSQL) and REDIS_URL are set, failing on CI instead; the other
browser tests run on SQLite without them (conftest.py).
"""

import json
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from ..realservices import Service, layers, wait_for
from ..servers import free_port, healthy
from .conftest import DESKTOP, login

pytestmark = pytest.mark.browser

PASSWORD = "Board@Layers2026"
START_TIMEOUT = 60  # seconds until a server answers /healthz
SHOWN_TIMEOUT = 30_000  # ms: generous; the board hears the line long before on an idle machine


@pytest.fixture(scope="module")
def two_servers(chromium_executable, tmp_path_factory):
    """(layers, arranged data, board server URL, alarm server URL); both servers stopped at
    the end, the database dropped and the Redis keys removed."""
    with layers(tmp_path_factory) as made:
        city = made.setup("board_city", password=PASSWORD)
        servers: list[tuple[Service, str]] = []
        try:
            for name in ("web-board", "web-alarm"):
                port = free_port()
                service = Service(name, ["serve", "--host", "127.0.0.1", "--port", str(port)], made)
                servers.append((service, f"http://127.0.0.1:{port}"))
            for service, url in servers:
                wait_for(
                    lambda url=url: healthy(f"{url}/healthz"),
                    START_TIMEOUT,
                    f"{service.name} to answer",
                    service,
                )
            yield made, city, servers[0][1], servers[1][1]
        finally:
            for service, _url in servers:
                service.stop()


def _press(server: str, token: str, device_id: str) -> dict:
    """The school's alarm gateway reports a press, over HTTP, to the other server."""
    body = json.dumps(
        {"device_id": device_id, "event_id": f"BT-{uuid.uuid4().hex[:12]}", "ts": time.time()}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{server}/api/v1/emergency/alarms",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201
        return json.loads(response.read())


def _code(key: str) -> str:
    """The code the officer's second factor (a fresh TOTP device) takes now."""
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(key)):06d}"


def _lines(frame) -> list[dict]:
    try:
        data = json.loads(frame)
    except (TypeError, ValueError):
        return []
    return data if isinstance(data, list) else [data]


def test_an_alarm_pressed_on_one_server_sounds_on_a_board_of_another_over_redis(
    browser, two_servers
):
    made, city, board_server, alarm_server = two_servers
    context = browser.new_context(
        base_url=board_server, viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    try:
        board = context.new_page()
        errors: list[str] = []
        board.on("pageerror", lambda error: errors.append(str(error)))
        frames: list[str] = []
        board.on(
            "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload))
        )
        login(board, city["username"], PASSWORD, codes=lambda _username: _code(city["otp_key"]))
        board.goto("/emergency/board/")
        expect(board.locator('[data-testid="board-connection"]')).to_have_attribute(
            "data-mode", "live"
        )
        sounds = board.evaluate("SafeCampusBoard.sounds")

        alarm = _press(alarm_server, city["token"], city["device_id"])

        alert = board.locator('[data-testid="board-alert"]')
        expect(alert).to_be_visible(timeout=SHOWN_TIMEOUT)
        expect(alert).to_contain_text(city["school"])
        item = board.locator(f'[data-testid="board-list"] [data-incident="{alarm["incident_id"]}"]')
        expect(item).to_have_attribute("data-status", "raised")
        wait_for(
            lambda: board.evaluate("SafeCampusBoard.sounds") > sounds, 10, "the siren to sound"
        )
        # The line came live from the other process over Redis, not from a database read.
        live = [
            line
            for frame in frames
            for line in _lines(frame)
            if isinstance(line, dict)
            and (line.get("incident") or {}).get("id") == alarm["incident_id"]
        ]
        assert any("sent_at" in line for line in live), frames
        assert (
            made.db.value(
                "SELECT status FROM emergency_incident WHERE id = %s", (alarm["incident_id"],)
            )
            == "raised"
        )
        assert not errors
    finally:
        context.close()
