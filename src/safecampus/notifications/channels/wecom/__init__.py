"""WeCom (企业微信) group robot: a district's or the city's duty group gets the message as
markdown. The endpoint's address is the robot's webhook address as WeCom shows it,
https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>; the key is the secret and is
masked in the log. WeCom answers 200 with {"errcode": 0, "errmsg": "ok"} when delivered.

Environment: SAFECAMPUS_WECOM_ENABLED (default on).
"""

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
    check_http_url,
    mask_url,
    message_of,
    post_json,
    robot_answer,
)

# WeCom refuses markdown content over 4096 bytes (UTF-8).
MAX_BYTES = 4096


def _fit(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", "ignore") + "…"


def payload_of(message: Message) -> dict[str, Any]:  # a JSON document
    lines = []
    if message.test:
        lines.append('<font color="comment">测试消息</font>')
    elif message.urgent:
        lines.append('<font color="warning">紧急</font>')
    lines.append(f"**【平安校园】{message.title}**")
    if message.body:
        lines.append(message.body)
    if message.link:
        lines.append(f"[查看详情]({message.link})")
    meta = " · ".join(
        p
        for p in (message.unit_name, localtime(message.created_at).strftime("%Y-%m-%d %H:%M"))
        if p
    )
    lines.append(f'<font color="comment">{meta}</font>')
    return {"msgtype": "markdown", "markdown": {"content": _fit("\n".join(lines), MAX_BYTES)}}


class Channel(BaseChannel):
    name = "wecom"
    label = _("企业微信群机器人")
    audience = "endpoint"
    order = 40

    def enabled(self) -> bool:
        return env_bool("SAFECAMPUS_WECOM_ENABLED", True)

    def mask(self, target: str) -> str:
        return mask_url(target, ("key",))

    def check_endpoint(self, url: str, secret: str) -> None:
        check_http_url(url)
        if not parse_qs(urlsplit(url).query).get("key"):
            raise ValueError("企业微信机器人地址须带 key 参数（在群机器人设置中复制完整地址）")

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None:
            raise PermanentChannelError("推送地址已不存在")
        _status, raw = post_json(endpoint.url, payload_of(message_of(delivery)))
        robot_answer(raw)
