"""SMS providers. A provider has `send(phone, message)` and raises ChannelError on failure.

SMS in China goes through templates approved by the provider: the platform fills one
variable, `title` (cut to 35 characters, the usual limit of a template variable). A
template such as "【平安校园】${title}，请立即登录平台处置。" fits every notification.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from safecampus.core.env import env

from ..base import ChannelError, Message, PermanentChannelError, http_request, mask_phone

logger = logging.getLogger("safecampus.notifications.sms")

TITLE_MAX = 35
# Aliyun's error codes look like isv.BUSINESS_LIMIT_CONTROL.
ERROR_CODE = re.compile(r"[A-Za-z0-9_.]{1,64}")


class LogProvider:
    """Writes the text message to the log instead of sending it (demo and development)."""

    name = "log"

    def send(self, phone: str, message: Message) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), message.title)


def _percent(value: str) -> str:
    # RFC 3986 encoding as Aliyun's RPC signature wants it ("~" unreserved; space as %20).
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun RPC signature v1 (HMAC-SHA1 over the sorted, encoded query), base64."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class AliyunConfig:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region: str = "cn-hangzhou"

    @classmethod
    def from_env(cls) -> "AliyunConfig":
        values = {
            "access_key_id": env("SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_ID") or "",
            "access_key_secret": env("SAFECAMPUS_SMS_ALIYUN_ACCESS_KEY_SECRET") or "",
            "sign_name": env("SAFECAMPUS_SMS_ALIYUN_SIGN_NAME") or "",
            "template_code": env("SAFECAMPUS_SMS_ALIYUN_TEMPLATE_CODE") or "",
        }
        missing = [k for k, v in values.items() if not v]
        if missing:
            names = ", ".join(f"SAFECAMPUS_SMS_ALIYUN_{k.upper()}" for k in missing)
            raise PermanentChannelError(f"阿里云短信未配置：{names}")
        return cls(
            **values,
            endpoint=env("SAFECAMPUS_SMS_ALIYUN_ENDPOINT") or cls.endpoint,
            region=env("SAFECAMPUS_SMS_ALIYUN_REGION") or cls.region,
        )


class AliyunProvider:
    """Aliyun SMS SendSms (API version 2017-05-25), signed GET request, JSON answer."""

    name = "aliyun"

    def __init__(self, config: AliyunConfig) -> None:
        self.config = config

    def params(self, phone: str, message: Message, *, nonce: str, timestamp: str) -> dict[str, str]:
        c = self.config
        params = {
            "AccessKeyId": c.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": c.region,
            "SignName": c.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": c.template_code,
            "TemplateParam": json.dumps(
                {"title": message.title[:TITLE_MAX]}, ensure_ascii=False, separators=(",", ":")
            ),
            "Timestamp": timestamp,
            "Version": "2017-05-25",
            "OutId": str(message.delivery_id),
        }
        params["Signature"] = aliyun_signature(params, c.access_key_secret)
        return params

    def send(self, phone: str, message: Message) -> None:
        params = self.params(
            phone,
            message,
            nonce=uuid.uuid4().hex,
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        query = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in params.items())
        separator = "&" if "?" in self.config.endpoint else "?"
        _status, raw = http_request("GET", f"{self.config.endpoint}{separator}{query}")
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            logger.warning("Aliyun SMS answered no JSON object: %r", raw[:120])
            raise ChannelError("短信服务的应答无法解析，请检查 SAFECAMPUS_SMS_ALIYUN_ENDPOINT")
        code = answer.get("Code")
        if code != "OK":
            # The code is one of Aliyun's documented names; its Message is remote text, logged.
            logger.warning("Aliyun SMS refused: %r %r", code, str(answer.get("Message"))[:120])
            shown = code if isinstance(code, str) and ERROR_CODE.fullmatch(code) else "?"
            raise ChannelError(f"短信服务拒绝发送，错误码 {shown}")


def provider_from_env() -> LogProvider | AliyunProvider:
    name = (env("SAFECAMPUS_SMS_PROVIDER") or "").strip().lower()
    if name == "log":
        return LogProvider()
    if name == "aliyun":
        return AliyunProvider(AliyunConfig.from_env())
    raise PermanentChannelError(f"未知的短信服务商：{name or '（未设置）'}")
