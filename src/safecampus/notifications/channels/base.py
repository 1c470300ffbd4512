"""What every channel shares: the message a delivery carries, the errors a send raises, an
HTTP client with a short timeout, and masking of personal or secret addresses.

A channel lives in a folder of its own (`channels/<name>/__init__.py` defines `Channel`): it
parses its own configuration from the environment, formats its own payload and is found by
the registry in `channels/__init__.py` — adding or removing a folder is the whole change.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

from safecampus.accounts.models import User
from safecampus.core import outbound

from ..models import Delivery

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger("safecampus.notifications")

# Seconds an HTTP channel waits for the other side: a hung target must not hold up a worker
# for long, and the retries (dispatch.RETRY_DELAYS) come back to it later.
TIMEOUT = 5
USER_AGENT = "SafeCampus-Notify/1.0"


class ChannelError(Exception):
    """A send that failed; it is retried."""


class PermanentChannelError(ChannelError):
    """A send that cannot succeed by trying again (channel off, configuration missing, no
    address): the delivery fails at once."""


@dataclass(frozen=True)
class Message:
    """The content of one delivery, the same for every channel."""

    delivery_id: int
    kind: str
    title: str
    body: str
    link: str  # absolute URL of the page, or ""
    created_at: datetime
    unit_code: str
    unit_name: str
    urgent: bool
    test: bool


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SAFECAMPUS_BASE_URL.rstrip('/')}{url}"


def message_of(delivery: Delivery) -> Message:
    """The message of a delivery: a person's notification, or the endpoint delivery's own."""
    n = delivery.notification
    payload = delivery.payload or {}
    unit = delivery.unit
    return Message(
        delivery_id=delivery.pk,
        kind=delivery.kind,
        title=delivery.title,
        body=n.body if n is not None else payload.get("body", ""),
        link=absolute(n.url if n is not None else payload.get("url", "")),
        created_at=delivery.created_at,
        unit_code=payload.get("unit_code") or (unit.code if unit else ""),
        unit_name=payload.get("unit_name") or (unit.name if unit else ""),
        urgent=delivery.urgent,
        test=delivery.is_test,
    )


class BaseChannel:
    """The interface of a channel. `audience` is "user" for channels that reach a person
    (e-mail, SMS: `address(user)`), "endpoint" for those that post to a configured address
    (webhook, group robots: `check_endpoint(url, secret)`)."""

    name = ""
    label: "StrOrPromise" = ""
    audience = "user"
    order = 100
    # Endpoint channels: whether the endpoint needs a secret (one is generated if none given).
    needs_secret = False

    def enabled(self) -> bool:
        return True

    def address(self, user: User) -> str:
        return ""

    def mask(self, target: str) -> str:
        return target

    def check_endpoint(self, url: str, secret: str) -> None:
        """Raise ValueError (with a message for the user) when the endpoint cannot work."""

    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


# --- HTTP ------------------------------------------------------------------------------------


def check_http_url(url: str) -> None:
    """Raise ValueError (with a message for the user) for an address that is not http(s), or
    whose host is an IP address that outgoing requests may not reach (core/outbound.py; host
    names are resolved and checked when sending)."""
    try:
        outbound.check_url(url)
    except outbound.OutboundError as exc:
        raise ValueError(str(exc)) from None
    if (reason := outbound.literal_address_refusal(url)) is not None:
        raise ValueError(reason)


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> tuple[int, bytes]:
    """(status, body) of a 2xx answer; anything else raises ChannelError (a refused address or
    a redirect: PermanentChannelError), whose text never holds the remote answer's body."""
    try:
        answer = outbound.request(
            method,
            url,
            body=body,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=timeout,
        )
    except outbound.OutboundError as exc:
        raise (PermanentChannelError if exc.permanent else ChannelError)(str(exc)) from None
    return answer.status, answer.body


def post_json(
    url: str, payload: object, *, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST `payload` (a JSON document) as JSON."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return http_request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


# What the common error codes of WeCom and DingTalk robots mean, for the delivery log.
ROBOT_ERRORS: dict[object, str] = {
    93000: "机器人地址无效（key 错误或机器人已删除）",
    45009: "发送太频繁，已被限流",
    300001: "access_token 无效",
    310000: "加签校验失败或消息不含关键词",
    130101: "发送太频繁，已被限流",
}


def robot_answer(raw: bytes) -> None:
    """Group robots (WeCom, DingTalk) answer 200 with {"errcode": 0} on success and a
    non-zero errcode (bad key, keyword missing, rate limit) otherwise."""
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # Not a robot's answer (wrong address): the page that answered is not echoed into
        # the log, where it would let an address probe read internal pages.
        raise ChannelError("应答不是群机器人的 JSON 格式，请检查地址")
    errcode = answer.get("errcode", 0)
    if errcode != 0:
        # The robot's errmsg is remote text: logged for the operator, never shown.
        logger.warning(
            "group robot answered errcode %r: %r", errcode, str(answer.get("errmsg"))[:120]
        )
        code = errcode if isinstance(errcode, int) else "?"
        raise ChannelError(
            f"群机器人返回错误码 {code}：{ROBOT_ERRORS.get(code, '请检查地址、密钥或关键词')}"
        )


# --- Masking ---------------------------------------------------------------------------------


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_phone(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "***"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_url(url: str, secret_params: tuple[str, ...] = ()) -> str:
    """The URL without user info, and with the values of secret query parameters (or, with
    none named, of every parameter) replaced by ***."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = [
        (k, "***" if not secret_params or k in secret_params else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, host, parts.path, urlencode(query, safe="*"), ""))


def add_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
