import csv
from typing import Any

from django.core.management.base import BaseCommand

from safecampus.demo.generator import demo_logins


class Command(BaseCommand):
    help = "演示账号列表（CSV：role,username,org_code,org_name）。The demo logins as CSV."

    def handle(self, *args: Any, **options: Any) -> None:
        writer = csv.DictWriter(
            self.stdout,
            fieldnames=["role", "username", "org_code", "org_name"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(demo_logins())
