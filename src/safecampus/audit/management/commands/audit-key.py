from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from safecampus.core.crypto import key_create


class Command(BaseCommand):
    help = (
        "生成审计日志密钥文件（SAFECAMPUS_AUDIT_KEY_FILE，权限 0600）；已存在则不改动。"
        "Create the audit trail's key file if it is missing (never replaces one)."
    )
    # Runs before anything else can: the system checks of a fresh install would ask for the key.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.SAFECAMPUS_AUDIT_KEY_FILE
        if key_create(path):
            self.stdout.write(f"已生成审计日志密钥：{path}（权限 0600，请与数据库分开备份）")
        else:
            self.stdout.write(f"审计日志密钥已存在，未改动：{path}")
