"""DingTalk (钉钉) custom group robot: the message as markdown to
https://oapi.dingtalk.com/robot/send?access_token=<token>. With the robot's "加签" security
setting the endpoint's secret is the robot's SEC… string, and each request carries
`timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")))
in the query. With the "keyword" setting instead, use 平安校园 as the keyword: every title
starts with 【平安校园】. DingTalk answers {"errcode": 0} when delivered.

Environment: SAFECAMPUS_DINGTALK_ENABLED (default on).
"""

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from safecampus.core.env import env_bool

from ...models import Delivery
from ..base import (
    BaseChannel,
    Message,
    PermanentChannelError,
    add_query,
    check_http_url,
    mask_url,
    message_of,
    post_json,
    robot_answer,
)


def sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value before URL encoding (add_query encodes it)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
    return add_query(url, timestamp=str(timestamp), sign=sign(secret, timestamp))


def payload_of(message: Message) -> dict[str, Any]:  # a JSON document
    title = f"【平安校园】{message.title}"
    lines = []
    if message.test:
        lines.append("**测试消息**")
    elif message.urgent:
        lines.append("**紧急**")
    lines.append(f"### {title}")
    if message.body:
        lines.append(message.body)
    if message.link:
        lines.append(f"[查看详情]({message.link})")
    meta = " · ".join(
        p
        for p in (message.unit_name, localtime(message.created_at).strftime("%Y-%m-%d %H:%M"))
        if p
    )
    lines.append(f"> {meta}")
    return {
        "msgtype": "markdown",
        "markdown": {"title": title[:64], "text": "\n\n".join(lines)},
        "at": {"isAtAll": False},
    }


class Channel(BaseChannel):
    name = "dingtalk"
    label = _("钉钉群机器人")
    audience = "endpoint"
    order = 50

    def enabled(self) -> bool:
        return env_bool("SAFECAMPUS_DINGTALK_ENABLED", True)

    def mask(self, target: str) -> str:
        return mask_url(target, ("access_token",))

    def check_endpoint(self, url: str, secret: str) -> None:
        check_http_url(url)
        if not parse_qs(urlsplit(url).query).get("access_token"):
            raise ValueError("钉钉机器人地址须带 access_token 参数（在群机器人设置中复制完整地址）")

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None:
            raise PermanentChannelError("推送地址已不存在")
        url = signed_url(endpoint.url, endpoint.secret)
        _status, raw = post_json(url, payload_of(message_of(delivery)))
        robot_answer(raw)
