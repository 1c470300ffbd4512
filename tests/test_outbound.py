"""Outgoing requests (core/outbound.py) reach only public addresses, or networks the operator
allows: a district officer's webhook "test" must not make the server talk to itself, the
internal network or the cloud's metadata service, and must never show what answered."""

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from safecampus.core import outbound
from safecampus.notifications.models import Delivery, WebhookEndpoint

SECRET_REPLY = "REDIS-CONFIG requirepass s3cr3t-marker"


class Server:
    """An HTTP server on a loopback address that records what it receives and answers
    `status` with `body` (and `headers`)."""

    def __init__(self, host="127.0.0.1", port=0, *, status=200, body=b"{}", headers=None):
        self.requests: list[dict] = []
        self.status, self.body, self.headers = status, body, headers or {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def fake_dns(monkeypatch):
    """Names answered by this test instead of the resolver: name -> list of addresses, one per
    lookup (the last one repeats) — how a rebinding name answers."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            lookups.append(host)
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["lookups"] = lookups  # type: ignore[assignment]
    return answers


def _stored_endpoint(world, url, *, channel="webhook"):
    """An endpoint as stored before addresses were checked (or while the allow-list let it
    in): the send must refuse it by itself."""
    return WebhookEndpoint.objects.create(
        unit=world.district_a,
        channel=channel,
        name="区值班平台",
        url=url,
        secret="s" * 32,
        kinds=["incident.*"],
    )


def _test_send(client, endpoint):
    response = client.post(f"/api/v1/notifications/endpoints/{endpoint.pk}/test")
    assert response.status_code == 200, response.content
    return response.json()


# --- Which addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "::1",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.100.100.200",  # Alibaba Cloud's metadata service (shared address space)
        "169.254.169.254",  # the cloud metadata service
        "169.254.0.23",  # Tencent Cloud's
        "fd00:ec2::254",  # AWS's over IPv6
        "fe80::1",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    ],
)
def test_it_refuses_every_address_that_is_not_public(world, settings, address):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = []
    assert outbound.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "47.92.1.1", "2400:3200::1", "::ffff:8.8.8.8"])
def test_it_lets_public_addresses_through(world, settings, address):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = []
    assert outbound.address_refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_opens_its_networks_and_no_more(world, settings):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = ["10.20.0.0/16"]
    assert outbound.address_refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert outbound.address_refusal(ipaddress.ip_address("::ffff:10.20.3.4")) is None
    assert outbound.address_refusal(ipaddress.ip_address("10.21.0.1")) is not None
    assert outbound.address_refusal(ipaddress.ip_address("169.254.169.254")) is not None


# --- Through the webhook "test" ----------------------------------------------------------------


def test_a_webhook_to_a_local_server_is_refused_and_the_server_receives_nothing(
    world, as_user, local, settings
):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = []
    district = as_user("district_a")
    before = WebhookEndpoint.objects.count()
    for url in (
        f"{local.url}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:6379/",
        f"http://localhost:{local.port}/",
    ):
        created = district.post(
            "/api/v1/notifications/endpoints",
            {"unit_id": world.district_a.pk, "channel": "webhook", "name": "内网", "url": url},
            content_type="application/json",
        )
        assert created.status_code == 400, (url, created.content)
        assert "不允许推送" in created.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == before
    # One stored before the check: the send refuses it, and nothing reaches the server.
    failed = _test_send(district, _stored_endpoint(world, f"{local.url}/hook"))
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert "本机地址" in failed["last_error"]
    assert local.requests == []


def test_a_name_resolving_to_a_loopback_address_is_refused(
    world, as_user, local, settings, fake_dns
):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = []
    fake_dns["hooks.example.org"] = ["127.0.0.1"]
    district = as_user("district_a")
    for url in (f"http://hooks.example.org:{local.port}/hook", f"http://localhost:{local.port}/"):
        failed = _test_send(district, _stored_endpoint(world, url))
        assert failed["status"] == "failed", url
        assert "解析到的地址 127.0.0.1 是本机地址" in failed["last_error"]
        WebhookEndpoint.objects.filter(url=url).delete()
    assert local.requests == []


def test_the_connection_goes_to_the_address_checked_not_to_a_rebound_one(
    world, as_user, settings, fake_dns
):
    """DNS rebinding: the name answers an allowed address when checked and 127.0.0.1 on every
    later lookup; the request must reach the checked address."""
    allowed = Server("127.0.0.2")
    inside = Server("127.0.0.1", allowed.port)
    try:
        settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.2/32"]
        fake_dns["rebind.example.org"] = ["127.0.0.2", "127.0.0.1"]
        endpoint = _stored_endpoint(world, f"http://rebind.example.org:{allowed.port}/hook")
        sent = _test_send(as_user("district_a"), endpoint)
        assert sent["status"] == "sent", sent["last_error"]
        assert len(allowed.requests) == 1 and inside.requests == []
        assert allowed.requests[0]["headers"]["Host"] == f"rebind.example.org:{allowed.port}"
        assert fake_dns["lookups"] == ["rebind.example.org"]  # resolved once
    finally:
        allowed.close()
        inside.close()


def test_a_redirect_is_not_followed_and_fails_with_its_reason(world, as_user, settings):
    inside = Server("127.0.0.1")
    redirecting = Server(
        "127.0.0.2", status=302, headers={"Location": f"{inside.url}/admin"}, body=b"moved"
    )
    try:
        settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.2/32"]
        failed = _test_send(as_user("district_a"), _stored_endpoint(world, redirecting.url))
        assert failed["status"] == "failed" and failed["attempts"] == 1
        assert failed["last_error"].startswith("HTTP 302") and "重定向" in failed["last_error"]
        assert len(redirecting.requests) == 1 and inside.requests == []
    finally:
        redirecting.close()
        inside.close()


def test_the_allow_list_lets_a_local_server_through(world, as_user, local, settings):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    district = as_user("district_a")
    created = district.post(
        "/api/v1/notifications/endpoints",
        {
            "unit_id": world.district_a.pk,
            "channel": "webhook",
            "name": "内网值班",
            "url": local.url,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    sent = _test_send(district, WebhookEndpoint.objects.get(pk=created.json()["id"]))
    assert sent["status"] == "sent"
    assert len(local.requests) == 1 and json.loads(local.requests[0]["body"])["test"] is True


def test_the_test_result_shows_the_status_and_never_the_reply(
    world, as_user, local, settings, caplog
):
    settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    local.status, local.body = 500, SECRET_REPLY.encode() * 20
    district = as_user("district_a")
    endpoint = _stored_endpoint(world, f"{local.url}/hook")
    failed = _test_send(district, endpoint)
    assert failed["status"] == "failed" and failed["last_error"] == "HTTP 500：对方服务器出错"
    page = district.post(f"/notifications/endpoints/{endpoint.pk}/test/", follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "HTTP 500" in text and "s3cr3t-marker" not in text
    log = district.get("/api/v1/notifications/deliveries").content.decode()
    assert "s3cr3t-marker" not in log
    assert "s3cr3t-marker" not in "".join(Delivery.objects.values_list("last_error", flat=True))
    # The operator's log holds at most a short excerpt.
    excerpts = [r.getMessage() for r in caplog.records if r.name == "safecampus.outbound"]
    assert excerpts and all(len(m) < 300 for m in excerpts)


def test_a_service_that_is_not_http_is_reported_without_its_answer(world, as_user, settings):
    """What a probe of a Redis port gets: the reply is not shown."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer():
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(f"-ERR {SECRET_REPLY}\r\n".encode())

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.1/32"]
        endpoint = _stored_endpoint(world, f"http://127.0.0.1:{port}/")
        failed = _test_send(as_user("district_a"), endpoint)
        assert failed["status"] == "failed" and "不是 HTTP" in failed["last_error"]
        assert "s3cr3t-marker" not in failed["last_error"]
    finally:
        thread.join(5)
        listener.close()
