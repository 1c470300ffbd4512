"""Text messages to the person's mobile phone (User.phone), for urgent notifications.

Environment:
    SAFECAMPUS_SMS_PROVIDER      unset: channel off · "log": written to the log only (demo,
                                 tests) · "aliyun": Aliyun SMS (dysmsapi SendSms)
    Aliyun provider (see providers.AliyunConfig):
    SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_ID, SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_SECRET (or *_FILE),
    SAFECAMPUS_SMS_ALIYUN_SIGN_NAME, SAFECAMPUS_SMS_ALIYUN_TEMPLATE_CODE,
    SAFECAMPUS_SMS_ALIYUN_ENDPOINT (default https://dysmsapi.aliyuncs.com/),
    SAFECAMPUS_SMS_ALIYUN_REGION (default cn-hangzhou)
"""

import re

from django.utils.translation import gettext_lazy as _

from safecampus.accounts.models import User
from safecampus.core.env import env

from ...models import Delivery
from ..base import BaseChannel, PermanentChannelError, mask_phone, message_of
from .providers import provider_from_env

# Mainland mobile numbers, with or without +86 / 86 and separators.
MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def normalise_phone(raw: str) -> str:
    """The 11-digit mobile number, or "" when `raw` is not one."""
    match = MOBILE.match(re.sub(r"[\s-]", "", raw or ""))
    return match.group(1) if match else ""


class Channel(BaseChannel):
    name = "sms"
    label = _("短信")
    audience = "user"
    order = 20

    def enabled(self) -> bool:
        return bool((env("SAFECAMPUS_SMS_PROVIDER") or "").strip())

    def address(self, user: User) -> str:
        return normalise_phone(user.phone)

    def mask(self, target: str) -> str:
        return mask_phone(target)

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        phone = self.address(notification.user) if notification is not None else ""
        if not phone:
            raise PermanentChannelError("收件人没有有效的手机号")
        provider_from_env().send(phone, message_of(delivery))
