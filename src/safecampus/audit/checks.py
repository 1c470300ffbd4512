"""Deploy checks (`safecampus check --deploy`) of the audit trail's key: without it every
audited write fails, and a key others can read lets them reseal a forged trail."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from safecampus.core.crypto import KeyFileError, key_load


@register(Tags.security, deploy=True)
def audit_key_file(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    path = settings.SAFECAMPUS_AUDIT_KEY_FILE
    try:
        key_load(path)
    except KeyFileError as exc:
        return [Error(str(exc), hint="safecampus audit-key", id="safecampus.E101")]
    if path.stat().st_mode & 0o077:
        return [
            Warning(
                f"审计日志密钥文件可被其他用户读取：{path}",
                hint=f"chmod 600 {path}",
                id="safecampus.W101",
            )
        ]
    return []
