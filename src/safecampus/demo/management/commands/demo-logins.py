import csv
from typing import Any

from django.core.management.base import BaseCommand

from safecampus.demo.generator import demo_logins


class Command(BaseCommand):
    help = (
        "演示账号列表（CSV：role,username,org_code,org_name,totp_secret；totp_secret 为动态口令密钥，"
        "无第二因素的账号为空）。The demo logins as CSV."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        writer = csv.DictWriter(
            self.stdout,
            fieldnames=["role", "username", "org_code", "org_name", "totp_secret"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(demo_logins())
