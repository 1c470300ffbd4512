"""The notification channels: every sub-folder with a `Channel` class is one. In-app messages
are not a channel (they are the Notification rows themselves); these are the ways out.

    email     e-mail to the person (Django's mail settings)
    sms       text message to the person's phone (log or Aliyun provider)
    webhook   signed JSON POST to an endpoint of a district or the city
    wecom     WeCom (企业微信) group robot of a district or the city
    dingtalk  DingTalk (钉钉) group robot, optionally signed
"""

import importlib
import pkgutil
from functools import cache

from .base import BaseChannel, ChannelError, PermanentChannelError

__all__ = [
    "BaseChannel",
    "ChannelError",
    "PermanentChannelError",
    "all_channels",
    "endpoint_channels",
    "get",
    "user_channels",
]


@cache
def all_channels() -> dict[str, BaseChannel]:
    """name -> channel, in display order (found once per process)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        channel_class = getattr(module, "Channel", None)
        if channel_class is not None:
            found.append(channel_class())
    return {c.name: c for c in sorted(found, key=lambda c: (c.order, c.name))}


def get(name: str) -> BaseChannel | None:
    return all_channels().get(name)


def user_channels() -> list[BaseChannel]:
    return [c for c in all_channels().values() if c.audience == "user"]


def endpoint_channels() -> list[BaseChannel]:
    return [c for c in all_channels().values() if c.audience == "endpoint"]
