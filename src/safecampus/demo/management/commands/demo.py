import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from safecampus.audit.context import Actor, acting_as
from safecampus.core.env import env
from safecampus.demo.generator import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    demo_city_generate,
    demo_logins,
)
from safecampus.orgs.models import OrgUnit

# The logins worth showing first; `safecampus demo-logins` lists all of them.
SHOWN_ROLES = ("city_admin", "city_officer", "inspector", "auditor", "staff", "guard", "counsellor")


class Command(BaseCommand):
    help = "一键演示：迁移、生成演示城市、打印演示账号并启动服务。Run the demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--scale", type=int, default=1)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare and print the logins, then stop"
        )

    def handle(self, *args, host, port, scale, seed, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        password = env("SAFECAMPUS_DEMO_PASSWORD") or DEFAULT_PASSWORD
        if not OrgUnit.objects.exists():
            self.stdout.write("正在生成演示城市……")
            with acting_as(Actor(channel="cli", username="demo")):
                result = demo_city_generate(scale=scale, seed=seed, password=password)
            self.stdout.write(
                f"已生成：区市 {result.districts}，中小学幼儿园 {result.schools}，高校 {result.universities}，"
                f"校外培训机构 {result.training_institutions}，用户 {result.users}（{result.seconds:.1f} 秒）"
            )
        self._print_logins(password)
        if no_serve:
            return
        self.stdout.write(
            self.style.SUCCESS(f"SafeCampus 已启动：http://{host}:{port}/  （Ctrl-C 停止）")
        )
        consumer = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "safecampus", "run_huey", "--quiet"], env=os.environ.copy()
        )
        helpers = [consumer]
        # Monitoring interconnection: simulated devices keep the demo city's cameras reporting
        # (each once a minute, some silent, now and then a fault) — through the broker and the
        # ingestor when MQTT_URL is set, else straight into an in-process ingestor.
        if settings.MQTT_URL:
            self.stdout.write(f"设备接入：{settings.MQTT_URL}（ingest + simulate-devices）")
            commands = [["ingest"], ["simulate-devices"]]
        else:
            self.stdout.write(
                "设备接入：未设置 MQTT_URL，模拟设备直接写入（simulate-devices --direct）"
            )
            commands = [["simulate-devices", "--direct"]]
        for command in commands:
            helpers.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and command
                    [sys.executable, "-m", "safecampus", *command, "--verbosity", "0"],
                    env=os.environ.copy(),
                )
            )
        try:
            call_command("serve", host=host, port=port)
        finally:
            for helper in helpers:
                helper.terminate()
            for helper in helpers:
                helper.wait(timeout=10)

    def _print_logins(self, password: str) -> None:
        rows = demo_logins()
        shown = [r for r in rows if r["role"] in SHOWN_ROLES]
        shown += [r for r in rows if r["role"] == "district_officer"][:3]
        schools = [r for r in rows if r["role"] in ("principal", "safety_director")]
        shown += schools[:4]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        self.stdout.write(f"  {'角色 role':<20} {'用户名 username':<18} 组织机构")
        for r in shown:
            self.stdout.write(f"  {r['role']:<20} {r['username']:<18} {r['org_name']}")
        self.stdout.write(f"  ……共 {len(rows)} 个账号，完整列表：safecampus demo-logins")
        self.stdout.write("")
