"""Notification channels (e-mail, SMS, webhook, WeCom and DingTalk robots) against a real HTTP
server on 127.0.0.1; deliveries after commit, retried with backoff, logged, never doubled; the
endpoints' pages and API."""

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from safecampus.notifications.channels.sms import normalise_phone
from safecampus.notifications.channels.sms.providers import aliyun_signature
from safecampus.notifications.models import Delivery, Notification, WebhookEndpoint
from safecampus.notifications.services import endpoint_create, notify
from safecampus.notifications.tasks import deliveries_send, deliveries_sweep

# --- A local HTTP target --------------------------------------------------------------------


class Target:
    """An HTTP server in a thread that records every request and answers from a script
    (then with the default answer)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.default = (200, {"errcode": 0, "errmsg": "ok"})
        target = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                target.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "query": parse_qs(urlsplit(self.path).query),
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                status, answer = target.script.pop(0) if target.script else target.default
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, i=-1) -> dict:
        return json.loads(self.requests[i]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target():
    t = Target()
    yield t
    t.close()


@pytest.fixture(autouse=True)
def _local_targets_allowed(settings):
    """The targets here are local servers: the operator's allow-list lets them through (what
    happens without it: tests/test_outbound.py)."""
    settings.SAFECAMPUS_OUTBOUND_ALLOW = ["127.0.0.1/32"]


@pytest.fixture(autouse=True)
def _empty_queue(monkeypatch):
    """Tests run Huey in immediate mode: tasks run at once, scheduled ones (our retries) wait in
    memory until run_scheduled(). No channel is configured from the machine's environment."""
    HUEY.flush()
    for name in ("SAFECAMPUS_SMS_PROVIDER", "SAFECAMPUS_NOTIFY_RETRY_DELAYS"):
        monkeypatch.delenv(name, raising=False)
    yield
    HUEY.flush()


def run_scheduled() -> list[float]:
    """Run the retries the queue scheduled, as if their time had come; answers their delays."""
    delays = []
    far = datetime(2100, 1, 1)
    while True:
        now = HUEY._get_timestamp()
        tasks = HUEY.read_schedule(far)
        if not tasks:
            return delays
        # The clock moves on: the deliveries' next attempts are due now.
        Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())
        for task in tasks:
            delays.append(round((task.eta - now).total_seconds()))
            HUEY.execute(task, timestamp=far)


def _alarm(world, *, unit=None, kind="incident.raised", users=None, **kwargs):
    """An urgent notification about school A1, like emergency.flows sends."""
    return notify(
        users if users is not None else [world.users["principal_a1"]],
        kind=kind,
        title="报警：甲区第一小学（东门）：不法侵害/暴力事件",
        body="有人持械闯入",
        url="/emergency/incidents/7/",
        urgent=True,
        unit=unit if unit is not None else world.a1.unit,
        **kwargs,
    )


def _endpoint(world, target, *, unit=None, channel="webhook", path="/hook", **kwargs):
    return endpoint_create(
        user=world.users["city_admin"],
        unit=unit or world.district_a,
        channel=channel,
        name=kwargs.pop("name", f"{channel}-{path}"),
        url=f"{target.url}{path}",
        **kwargs,
    )


# --- Webhook --------------------------------------------------------------------------------


def test_a_webhook_gets_the_urgent_notification_as_signed_json(
    world, target, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(world, target, kinds=["incident.*"])
    assert len(endpoint.secret) >= 32  # generated: none was given
    before = int(time.time())
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    assert len(target.requests) == 1
    request = target.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["method"] == "POST" and request["path"] == "/hook"
    assert headers["content-type"].startswith("application/json")
    assert headers["x-safecampus-event"] == "incident.raised"
    timestamp = headers["x-safecampus-timestamp"]
    assert before <= int(timestamp) <= int(time.time())
    expected = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert headers["x-safecampus-signature"] == f"sha256={expected}"
    body = target.json()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert body["id"] == delivery.pk == int(headers["x-safecampus-delivery"])
    assert body["event"] == "incident.raised" and body["urgent"] is True and body["test"] is False
    assert body["title"].startswith("报警：甲区第一小学") and body["body"] == "有人持械闯入"
    assert body["url"].endswith("/emergency/incidents/7/") and body["url"].startswith("http")
    assert body["unit"] == {"code": "TA01", "name": "甲区第一小学"}
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None and delivery.unit == world.district_a


def test_only_active_endpoints_above_the_school_whose_kinds_match_are_posted(
    world, target, django_capture_on_commit_callbacks
):
    city = _endpoint(world, target, unit=world.city, path="/city", kinds=[])
    district = _endpoint(world, target, path="/a", kinds=["incident.raised"])
    _endpoint(world, target, path="/hazards", kinds=["hazard.*"])
    _endpoint(world, target, unit=world.district_b, path="/b")
    off = _endpoint(world, target, path="/off")
    WebhookEndpoint.objects.filter(pk=off.pk).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
        _alarm(world, kind="incident.escalated", users=[])
    posted = sorted((r["path"], json.loads(r["body"])["event"]) for r in target.requests)
    assert posted == [
        ("/a", "incident.raised"),
        ("/city", "incident.escalated"),
        ("/city", "incident.raised"),
    ]
    assert {d.endpoint_id for d in Delivery.objects.filter(endpoint__isnull=False)} == {
        city.pk,
        district.pk,
    }


def test_a_notification_that_is_not_urgent_goes_to_no_endpoint(
    world, target, django_capture_on_commit_callbacks
):
    _endpoint(world, target, unit=world.city, kinds=[])
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [world.users["principal_a1"]], kind="incident.raised", title="演练", unit=world.a1.unit
        )
    assert target.requests == [] and not Delivery.objects.filter(endpoint__isnull=False).exists()


def test_without_a_unit_the_endpoints_above_the_people_notified_are_posted(
    world, target, django_capture_on_commit_callbacks
):
    _endpoint(world, target, path="/a")
    _endpoint(world, target, unit=world.district_b, path="/b")
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.users["director_a1"]], kind="incident.assigned", title="请负责", urgent=True)
    assert [r["path"] for r in target.requests] == ["/a"]


# --- WeCom group robot --------------------------------------------------------------------------


def test_a_wecom_robot_gets_markdown_and_its_key_is_masked_in_the_log(
    world, target, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(
        world, target, channel="wecom", path="/cgi-bin/webhook/send?key=693a91f6-7xxx"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    request = target.requests[0]
    assert request["query"]["key"] == ["693a91f6-7xxx"]
    body = target.json()
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    content = body["markdown"]["content"]
    assert "【平安校园】报警：甲区第一小学" in content and "有人持械闯入" in content
    assert "[查看详情](http" in content and '<font color="warning">紧急</font>' in content
    assert len(content.encode()) <= 4096
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == "sent"
    assert "693a91f6" not in delivery.target and "key=***" in delivery.target


def test_a_robot_that_answers_an_error_code_is_retried_with_the_reason(
    world, target, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(world, target, channel="wecom", path="/send?key=k")
    target.script = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    # The code and what it means; the robot's own text is remote content and stays out.
    assert "93000" in delivery.last_error and "机器人地址无效" in delivery.last_error
    assert "invalid webhook url" not in delivery.last_error
    assert run_scheduled() == [10]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_a_wecom_address_without_its_key_is_refused(world, target):
    from safecampus.core.errors import BusinessRuleError

    with pytest.raises(BusinessRuleError, match="key"):
        _endpoint(world, target, channel="wecom", path="/send")
    assert not WebhookEndpoint.objects.exists()


# --- DingTalk group robot -------------------------------------------------------------------------


def test_a_dingtalk_robot_with_a_secret_gets_a_signed_url(
    world, target, django_capture_on_commit_callbacks
):
    secret = "SEC0123456789abcdef0123456789abcdef"
    endpoint = _endpoint(
        world, target, channel="dingtalk", path="/robot/send?access_token=tok123", secret=secret
    )
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    query = target.requests[0]["query"]
    assert query["access_token"] == ["tok123"]
    timestamp = query["timestamp"][0]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000  # milliseconds
    # DingTalk's rule: base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")), URL-encoded.
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    assert "%2B" in target.requests[0]["path"] or "+" not in expected  # encoded in the URL
    body = target.json()
    assert body["msgtype"] == "markdown" and body["at"] == {"isAtAll": False}
    assert body["markdown"]["title"].startswith("【平安校园】报警")  # the keyword 平安校园
    assert "### 【平安校园】报警" in body["markdown"]["text"]
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == "sent" and "tok123" not in delivery.target


def test_a_dingtalk_robot_without_a_secret_gets_no_signature(
    world, target, django_capture_on_commit_callbacks
):
    _endpoint(world, target, channel="dingtalk", path="/robot/send?access_token=t")
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    assert set(target.requests[0]["query"]) == {"access_token"}


# --- SMS --------------------------------------------------------------------------------------


def test_the_aliyun_signature_matches_the_documented_example():
    # The worked example of Aliyun's SMS API documentation (RPC signature v1).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_phone_numbers_are_normalised_and_bad_ones_are_not_texted():
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("8613800138000") == "13800138000"
    assert normalise_phone("0535-1234567") == "" and normalise_phone("") == ""


@pytest.fixture
def aliyun(monkeypatch, target):
    monkeypatch.setenv("SAFECAMPUS_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_ID", "LTAI-test")
    monkeypatch.setenv("SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_SECRET", "s3cret")
    monkeypatch.setenv("SAFECAMPUS_SMS_ALIYUN_SIGN_NAME", "平安校园")
    monkeypatch.setenv("SAFECAMPUS_SMS_ALIYUN_TEMPLATE_CODE", "SMS_0001")
    monkeypatch.setenv("SAFECAMPUS_SMS_ALIYUN_ENDPOINT", f"{target.url}/")
    return target


def _with_phone(user, phone="138 0013 8000"):
    user.phone = phone
    user.save()
    return user


def test_an_urgent_notification_is_texted_through_aliyun(
    world, aliyun, django_capture_on_commit_callbacks
):
    principal = _with_phone(world.users["principal_a1"])
    aliyun.default = (200, {"Code": "OK", "Message": "OK", "BizId": "9", "RequestId": "r"})
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, users=[principal])
    request = aliyun.requests[0]
    assert request["method"] == "GET"
    params = {k: v[0] for k, v in request["query"].items()}
    assert params["Action"] == "SendSms" and params["PhoneNumbers"] == "13800138000"
    assert params["SignName"] == "平安校园" and params["TemplateCode"] == "SMS_0001"
    assert json.loads(params["TemplateParam"]) == {
        "title": "报警：甲区第一小学（东门）：不法侵害/暴力事件"[:35]
    }
    signature = params.pop("Signature")
    assert signature == aliyun_signature(params, "s3cret")
    delivery = Delivery.objects.get(channel="sms")
    assert params["OutId"] == str(delivery.pk)
    assert (delivery.status, delivery.target) == ("sent", "138****8000")
    assert delivery.notification.user == principal and delivery.unit == world.a1.unit


def test_an_aliyun_refusal_is_retried_and_a_missing_key_fails_at_once(
    world, aliyun, monkeypatch, django_capture_on_commit_callbacks
):
    principal = _with_phone(world.users["principal_a1"])
    aliyun.default = (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控"})
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, users=[principal])
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "pending" and "isv.BUSINESS_LIMIT_CONTROL" in delivery.last_error
    assert "触发天级流控" not in delivery.last_error
    monkeypatch.delenv("SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_SECRET")
    run_scheduled()
    delivery.refresh_from_db()
    # A configuration error is not retried: the operator has to fix it.
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_SECRET" in delivery.last_error
    assert len(aliyun.requests) == 1


def test_sms_goes_only_to_urgent_notifications_when_a_provider_is_set(
    world, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    principal = _with_phone(world.users["principal_a1"])
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, users=[principal])
    assert not Delivery.objects.filter(channel="sms").exists()  # no provider: channel off
    monkeypatch.setenv("SAFECAMPUS_SMS_PROVIDER", "log")
    with django_capture_on_commit_callbacks(execute=True):
        notify([principal], kind="hazard.assigned", title="整改任务")
        _alarm(world, users=[principal, world.users["director_a1"]], dedupe_key="x")
    sms = Delivery.objects.get(channel="sms")  # the director has no phone
    assert sms.status == "sent" and sms.urgent and sms.notification.user == principal
    assert "SMS to 138****8000" in caplog.text and "13800138000" not in caplog.text


# --- E-mail -----------------------------------------------------------------------------------


def test_email_goes_to_everyone_with_an_address_and_is_logged(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    principal = world.users["principal_a1"]
    principal.email = "zhang.san@school.example.cn"
    principal.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([principal, world.users["director_a1"]], kind="hazard.assigned", title="整改任务")
    assert [m.to for m in mail.outbox] == [["zhang.san@school.example.cn"]]
    assert mail.outbox[0].subject == "[平安校园] 整改任务"
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.target) == (
        "email",
        "sent",
        "z***@school.example.cn",
    )
    assert Notification.objects.get(user=principal).emailed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, users=[principal])
    assert mail.outbox[1].subject.startswith("[平安校园][紧急] 报警")
    monkeypatch.setenv("SAFECAMPUS_EMAIL_ENABLED", "0")
    notify([principal], kind="hazard.assigned", title="又一项")
    assert Delivery.objects.count() == 2


# --- Retries, rollbacks, reruns ------------------------------------------------------------------


def test_a_target_failing_twice_then_succeeding_is_sent_once_after_three_attempts(
    world, target, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(world, target)
    target.script = [(500, {"error": "busy"}), (503, {"error": "down"})]
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=8)
    assert run_scheduled() == [10, 60]  # backoff: 10 s, then 60 s
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    ids = {
        v
        for r in target.requests
        for k, v in r["headers"].items()
        if k.lower() == "x-safecampus-delivery"
    }
    assert len(target.requests) == 3 and ids == {str(delivery.pk)}  # the receiver can dedupe


def test_a_target_that_keeps_failing_fails_after_the_last_retry_and_is_logged(
    world, target, django_capture_on_commit_callbacks, caplog
):
    endpoint = _endpoint(world, target)
    target.default = (500, {"error": "broken"})
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    assert run_scheduled() == [10, 60, 300]
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 4, None)
    assert "HTTP 500" in delivery.last_error and len(target.requests) == 4
    assert f"delivery {delivery.pk}" in caplog.text and "failed after 4 attempt(s)" in caplog.text


def test_an_unreachable_target_is_retried_like_an_error(
    world, target, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(world, target)
    target.close()  # nobody listens any more
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == "pending" and delivery.last_error.startswith("连接失败")


def test_nothing_is_sent_when_the_transaction_rolls_back(
    world, target, django_capture_on_commit_callbacks
):
    _endpoint(world, target)
    principal = world.users["principal_a1"]
    principal.email = "p@example.cn"
    principal.save()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _alarm(world)
        assert Delivery.objects.count() == 2  # e-mail and webhook, planned
        raise RuntimeError("the step failed")
    assert callbacks == [] and target.requests == [] and mail.outbox == []
    assert not Delivery.objects.exists() and not Notification.objects.exists()


def test_a_rerun_never_sends_twice(world, target, django_capture_on_commit_callbacks):
    endpoint = _endpoint(world, target)
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, dedupe_key="incident:7:raised")
        _alarm(world, dedupe_key="incident:7:raised")  # the flow runs again
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == "sent" and len(target.requests) == 1
    deliveries_send([delivery.pk])  # the task runs again (a queue redelivered it)
    assert len(target.requests) == 1
    # A retry that is not yet due is left alone, even if its task arrives early.
    target.default = (500, {})
    with django_capture_on_commit_callbacks(execute=True):
        _alarm(world, kind="incident.escalated")
    retrying = Delivery.objects.get(kind="incident.escalated")
    assert retrying.status == "pending" and len(target.requests) == 2
    deliveries_send([retrying.pk])
    assert len(target.requests) == 2 and Delivery.objects.get(pk=retrying.pk).attempts == 1


def test_the_sweeper_sends_deliveries_whose_task_was_lost(world, target):
    endpoint = _endpoint(world, target)
    _alarm(world)  # committed, but the enqueue after commit never happened
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert deliveries_sweep.call_local() == 0 and target.requests == []  # not overdue yet
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=3)
    )
    assert deliveries_sweep.call_local() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(target.requests) == 1
    assert deliveries_sweep.call_local() == 0 and len(target.requests) == 1


# --- Pages and API ----------------------------------------------------------------------------


def _create(client, world, target, **overrides):
    payload = {
        "unit_id": world.district_a.pk,
        "channel": "webhook",
        "name": "甲区值班平台系统",
        "url": f"{target.url}/hook",
        "kinds": ["incident.*"],
        **overrides,
    }
    return client.post("/api/v1/notifications/endpoints", payload, content_type="application/json")


def test_the_api_manages_endpoints_in_scope_and_shows_the_secret_once(world, as_user, target):
    district = as_user("district_a")
    created = _create(district, world, target)
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["secret"]) >= 32 and body["has_secret"] and body["unit_name"] == "甲区"
    endpoint_id = body["id"]
    shown = district.get(f"/api/v1/notifications/endpoints/{endpoint_id}").json()
    assert "secret" not in shown and shown["kinds"] == ["incident.*"]
    # Outside the district, or without the permission, there is nothing to see or change.
    # The city is outside the district officer's org.view scope: 404.
    assert _create(district, world, target, unit_id=world.city.pk).status_code == 404
    assert (
        as_user("district_b").get(f"/api/v1/notifications/endpoints/{endpoint_id}").status_code
        == 404
    )
    assert as_user("district_b").get("/api/v1/notifications/endpoints").json()["count"] == 0
    # District A in org.view scope without notification.manage: 403; outside it: 404.
    for persona, status in (("principal_a1", 404), ("city_officer", 403), ("auditor", 404)):
        client = as_user(persona)
        assert client.get("/api/v1/notifications/endpoints").status_code == 403
        assert client.get("/api/v1/notifications/deliveries").status_code == 403
        assert _create(client, world, target, name="x").status_code == status, persona
    assert as_user("city_admin").get("/api/v1/notifications/endpoints").json()["count"] == 1
    patched = district.patch(
        f"/api/v1/notifications/endpoints/{endpoint_id}",
        {"active": False, "kinds": ["incident.raised", "incident.escalated"]},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert endpoint.secret == body["secret"]  # kept when not given
    channels = {c["name"]: c for c in district.get("/api/v1/notifications/channels").json()}
    assert set(channels) == {"email", "sms", "webhook", "wecom", "dingtalk"}
    assert channels["webhook"]["enabled"] and not channels["sms"]["enabled"]


def test_bad_endpoint_input_is_refused_with_a_clear_message_and_changes_nothing(
    world, as_user, target
):
    admin = as_user("city_admin")
    cases = [
        ({"url": "ftp://example.cn/hook"}, "http"),
        ({"url": "file:///etc/passwd"}, "http"),
        ({"unit_id": world.a1.pk}, "市或区市"),
        ({"channel": "pigeon"}, "推送类型"),
        ({"kinds": ["Incident Raised"]}, "消息类别"),
        ({"secret": "short"}, "16"),
        ({"channel": "dingtalk", "url": f"{target.url}/robot/send"}, "access_token"),
    ]
    for overrides, words in cases:
        response = _create(admin, world, target, **overrides)
        assert response.status_code == 400, (overrides, response.content)
        assert words in response.json()["error"]["message"], overrides
    assert _create(admin, world, target, name="").status_code == 422
    assert _create(admin, world, target).status_code == 201
    again = _create(admin, world, target)
    assert again.status_code == 400 and "已有名为" in again.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == 1


def test_send_a_test_reports_the_outcome_and_the_log_filters_by_status(world, as_user, target):
    district = as_user("district_a")
    endpoint_id = _create(district, world, target).json()["id"]
    sent = district.post(f"/api/v1/notifications/endpoints/{endpoint_id}/test")
    assert sent.status_code == 200 and sent.json()["status"] == "sent" and sent.json()["is_test"]
    assert target.json()["test"] is True and target.json()["title"].startswith("测试消息")
    target.default = (404, {"error": "no such hook"})
    failed = district.post(f"/api/v1/notifications/endpoints/{endpoint_id}/test").json()
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["last_error"].startswith("HTTP 404")
    log = district.get("/api/v1/notifications/deliveries?status=failed").json()
    assert log["count"] == 1 and log["items"][0]["id"] == failed["id"]
    assert district.get("/api/v1/notifications/deliveries").json()["count"] == 2
    assert as_user("district_b").get("/api/v1/notifications/deliveries").json()["count"] == 0
    assert district.get("/api/v1/notifications/deliveries?status=lost").status_code == 422
    assert (
        as_user("district_b")
        .post(f"/api/v1/notifications/endpoints/{endpoint_id}/test")
        .status_code
        == 404
    )
    assert len(target.requests) == 2


def test_the_pages_add_edit_test_deactivate_and_show_the_log(world, as_user, target):
    district = as_user("district_a")
    page = district.get("/notifications/endpoints/")
    assert page.status_code == 200 and 'data-testid="add-endpoint"' in page.content.decode()
    bad = district.post(
        "/notifications/endpoints/",
        {"unit": world.district_a.pk, "channel": "webhook", "name": "值班", "url": "nonsense"},
    )
    assert bad.status_code == 200 and "http://" in bad.content.decode()
    assert not WebhookEndpoint.objects.exists()
    created = district.post(
        "/notifications/endpoints/",
        {
            "unit": world.district_a.pk,
            "channel": "webhook",
            "name": "值班",
            "url": f"{target.url}/hook",
            "kinds": "incident.raised, incident.escalated",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert created.status_code == 302 and endpoint.kinds == [
        "incident.raised",
        "incident.escalated",
    ]
    edit = district.get(created["Location"]).content.decode()
    assert endpoint.secret in edit and 'data-testid="new-secret"' in edit  # shown once
    assert endpoint.secret not in district.get(created["Location"]).content.decode()
    tested = district.post(f"/notifications/endpoints/{endpoint.pk}/test/", follow=True)
    assert "测试消息已送达" in tested.content.decode() and len(target.requests) == 1
    saved = district.post(
        f"/notifications/endpoints/{endpoint.pk}/",
        {"channel": "webhook", "name": "区值班平台", "url": f"{target.url}/hook2", "kinds": ""},
    )
    endpoint.refresh_from_db()
    assert saved.status_code == 302 and endpoint.name == "区值班平台" and endpoint.kinds == []
    assert not endpoint.active  # the checkbox was left unticked
    district.post(f"/notifications/endpoints/{endpoint.pk}/active/", {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active
    log = district.get("/notifications/deliveries/?status=sent").content.decode()
    assert "测试消息" in log and "127.0.0.1" in log
    assert (
        "测试消息" not in district.get("/notifications/deliveries/?status=failed").content.decode()
    )
    # Others: no page, and nothing of district A.
    assert as_user("principal_a1").get("/notifications/endpoints/").status_code == 403
    assert as_user("principal_a1").get("/notifications/deliveries/").status_code == 403
    assert as_user("district_b").get(f"/notifications/endpoints/{endpoint.pk}/").status_code == 404
    assert (
        as_user("district_b").post(f"/notifications/endpoints/{endpoint.pk}/test/").status_code
        == 404
    )
    assert (
        "区值班平台" not in as_user("district_b").get("/notifications/endpoints/").content.decode()
    )
    assert "区值班平台" in as_user("city_admin").get("/notifications/endpoints/").content.decode()


def test_the_new_endpoints_are_in_the_openapi_schema(as_user):
    schema = as_user("city_admin").get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/notifications/channels",
        "/api/v1/notifications/endpoints",
        "/api/v1/notifications/endpoints/{endpoint_id}",
        "/api/v1/notifications/endpoints/{endpoint_id}/test",
        "/api/v1/notifications/deliveries",
    ):
        assert path in paths, path
    schemas = schema["components"]["schemas"]
    assert "secret" in schemas["EndpointCreatedOut"]["properties"]
    assert "secret" not in schemas["EndpointOut"]["properties"]
    assert set(schemas["DeliveryOut"]["properties"]) >= {"status", "attempts", "last_error"}


def test_a_secret_in_a_url_is_never_sent_in_full_to_the_log(world, target):
    endpoint = _endpoint(world, target, channel="webhook", path="/hook?token=abc", name="t")
    _alarm(world)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert "abc" not in delivery.target and unquote(delivery.target).endswith("token=***")
