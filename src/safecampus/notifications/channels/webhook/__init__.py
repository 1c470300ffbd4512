"""Generic webhook: a JSON POST to an endpoint configured by a district or the city, signed
with the endpoint's secret so that the receiver can tell it came from SafeCampus.

Request (timeout 5 s, no redirects followed; any 2xx answer counts as delivered):

    POST <endpoint url>
    Content-Type: application/json; charset=utf-8
    X-SafeCampus-Event: incident.raised
    X-SafeCampus-Delivery: 1234            (the same on every retry: dedupe on it)
    X-SafeCampus-Timestamp: 1767225600     (Unix seconds)
    X-SafeCampus-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

    {"id": 1234, "event": "incident.raised", "title": "...", "body": "...",
     "url": "https://.../emergency/incidents/7/", "unit": {"code": "...", "name": "..."},
     "urgent": true, "test": false, "created_at": "2026-01-01T08:00:00+08:00"}

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
constant time and refuses timestamps more than a few minutes old.

Environment: SAFECAMPUS_WEBHOOK_ENABLED (default on).
"""

import hashlib
import hmac
import json
import time
from typing import Any

from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from safecampus.core.env import env_bool

from ...models import Delivery
from ..base import (
    BaseChannel,
    Message,
    PermanentChannelError,
    check_http_url,
    http_request,
    mask_url,
    message_of,
)

SIGNATURE_HEADER = "X-SafeCampus-Signature"


def payload_of(message: Message) -> dict[str, Any]:  # a JSON document
    return {
        "id": message.delivery_id,
        "event": message.kind,
        "title": message.title,
        "body": message.body,
        "url": message.link,
        "unit": {"code": message.unit_code, "name": message.unit_name},
        "urgent": message.urgent,
        "test": message.test,
        "created_at": localtime(message.created_at).isoformat(),
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signed_request(
    message: Message, secret: str, *, now: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of the POST."""
    body = json.dumps(payload_of(message), ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now if now is not None else time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-SafeCampus-Event": message.kind,
        "X-SafeCampus-Delivery": str(message.delivery_id),
        "X-SafeCampus-Timestamp": timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    return body, headers


class Channel(BaseChannel):
    name = "webhook"
    label = _("Webhook（JSON）")
    audience = "endpoint"
    order = 30
    needs_secret = True

    def enabled(self) -> bool:
        return env_bool("SAFECAMPUS_WEBHOOK_ENABLED", True)

    def mask(self, target: str) -> str:
        return mask_url(target)

    def check_endpoint(self, url: str, secret: str) -> None:
        check_http_url(url)
        if len(secret) < 16:
            raise ValueError("签名密钥至少 16 个字符")

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None:
            raise PermanentChannelError("推送地址已不存在")
        body, headers = signed_request(message_of(delivery), endpoint.secret)
        http_request("POST", endpoint.url, body=body, headers=headers)
