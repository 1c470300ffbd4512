"""`safecampus demo` (`make demo`): migrate, generate the demo city into an empty database, print
the demo logins, and serve, with the task consumer and the device simulator (and, with MQTT_URL,
the ingestor) running beside the server as child processes that stop with it
(demo/processes.py). What it prints is Chinese; its helpers print problems only."""

import logging
import os
import signal
import sys
from argparse import ArgumentParser
from types import FrameType
from typing import Any, NoReturn

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.context import Actor, acting_as
from safecampus.core.crypto import key_create
from safecampus.core.env import env
from safecampus.core.serving import address_check
from safecampus.demo.generator import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    demo_city_generate,
    demo_logins,
)
from safecampus.demo.processes import Helpers
from safecampus.orgs.models import OrgUnit

# The logins worth showing first; `safecampus demo-logins` lists all of them.
SHOWN_ROLES = (
    "city_admin",
    "security_admin",
    "auditor",
    "city_officer",
    "inspector",
    "staff",
    "guard",
    "counsellor",
)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(Exception):
    """SIGINT or SIGTERM arrived: stop the helpers and end."""


def _stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise Stopped(signum)


def _hang_up(signum: int, frame: FrameType | None) -> None:
    # A closed terminal stops the demo like SIGTERM does: while serving, uvicorn shuts down
    # gracefully first and hands the signal back (see `handle`).
    signal.raise_signal(signal.SIGTERM)


class Command(BaseCommand):
    help = "一键演示：迁移、生成演示城市、打印演示账号并启动服务。Run the demo."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--scale", type=int, default=1)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare and print the logins, then stop"
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        scale: int,
        seed: int,
        no_serve: bool,
        **options: Any,
    ) -> None:
        # uvicorn takes SIGINT and SIGTERM over while it serves, shuts down gracefully and then
        # raises the signal again, i.e. calls these handlers: every way out passes `finally`.
        for signum in STOP_SIGNALS:
            signal.signal(signum, _stop)
        signal.signal(signal.SIGHUP, _hang_up)
        helpers = Helpers()
        stopped = False
        try:
            if not no_serve:
                address_check(host, port)  # before minutes of preparation, not after
            self._prepare(scale, seed)
            if no_serve:
                return
            self._quiet_logs()
            self._start_helpers(helpers)
            self.stdout.write(
                self.style.SUCCESS(f"SafeCampus 已启动：http://{host}:{port}/  （Ctrl-C 停止）")
            )
            try:
                call_command("serve", host=host, port=port)
            except SystemExit as exc:  # uvicorn gives up (e.g. the address was taken meanwhile)
                raise CommandError(f"服务未能启动（{exc.code}），见上方的错误信息") from None
        except Stopped:
            stopped = True
            self.stdout.write("")
            self.stdout.write("正在停止……")
        finally:
            for signum in STOP_SIGNALS:  # a second Ctrl-C must not cut the stopping short
                signal.signal(signum, signal.SIG_IGN)
            served = bool(helpers.running)
            killed = helpers.stop()
            if killed:
                self.stderr.write(f"未能按时停止，已强制结束：{'、'.join(killed)}")
            if served or stopped:
                self.stdout.write("演示已停止。")

    def _prepare(self, scale: int, seed: int) -> None:
        if key_create(settings.SAFECAMPUS_AUDIT_KEY_FILE):
            self.stdout.write(f"已生成审计日志密钥：{settings.SAFECAMPUS_AUDIT_KEY_FILE}")
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

    def _quiet_logs(self) -> None:
        """The demo's console shows problems only (warnings and errors), in this process and in
        the helpers, unless LOG_LEVEL asks for more."""
        if "LOG_LEVEL" not in os.environ:
            logging.getLogger("safecampus").setLevel(logging.WARNING)

    def _start_helpers(self, helpers: Helpers) -> None:
        child_env = {**os.environ}
        child_env.setdefault("LOG_LEVEL", "WARNING")
        python = [sys.executable, "-m", "safecampus"]
        helpers.start("后台任务", [*python, "run_huey", "--quiet"], child_env)
        # Monitoring interconnection: simulated devices keep the demo city's cameras reporting
        # (each once a minute, some silent, now and then a fault) — through the broker and the
        # ingestor when MQTT_URL is set, else straight into an in-process ingestor.
        if settings.MQTT_URL:
            self.stdout.write(f"设备接入：{settings.MQTT_URL}（ingest + simulate-devices）")
            commands = {"设备接入": ["ingest"], "模拟设备": ["simulate-devices"]}
        else:
            self.stdout.write(
                "设备接入：未设置 MQTT_URL，模拟设备直接写入（simulate-devices --direct）"
            )
            commands = {"模拟设备": ["simulate-devices", "--direct"]}
        for name, command in commands.items():
            helpers.start(name, [*python, *command, "--verbosity", "0"], child_env)
        self.stdout.write(
            "后台进程：" + "，".join(f"{h.name}（PID {h.process.pid}）" for h in helpers.running)
        )

    def _print_logins(self, password: str) -> None:
        rows = demo_logins()
        shown = [r for r in rows if r["role"] in SHOWN_ROLES]
        shown += [r for r in rows if r["role"] == "district_officer"][:3]
        schools = [r for r in rows if r["role"] in ("principal", "safety_director")]
        shown += schools[:4]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        self.stdout.write(f"  {'角色 role':<20} {'用户名 username':<18} {'动态口令':<6} 组织机构")
        for r in shown:
            otp = "✓" if r["totp_secret"] else ""
            self.stdout.write(f"  {r['role']:<20} {r['username']:<18} {otp:<6} {r['org_name']}")
        self.stdout.write(f"  ……共 {len(rows)} 个账号，完整列表：safecampus demo-logins")
        self.stdout.write(
            "  标 ✓ 的账号登录时还须输入动态口令：safecampus otp-code 用户名 打印当前口令；"
            "或把 demo-logins 的 totp_secret 列（密钥）加入手机验证器 App。"
        )
        self.stdout.write("")
