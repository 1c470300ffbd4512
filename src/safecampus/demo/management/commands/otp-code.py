from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from safecampus.demo.generator import DEMO_DEVICE


class Command(BaseCommand):
    help = (
        "打印演示账号当前的动态口令（仅限演示数据生成的设备）。Print the current TOTP code of a "
        "demo account's device (made by the demo generator; never a real one's)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--next", action="store_true", help="the next code (accepted too: a second login)"
        )

    def handle(self, *args: Any, username: str, next: bool, **options: Any) -> None:
        device = TOTPDevice.objects.filter(
            user__username=username, name=DEMO_DEVICE, confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"“{username}”没有演示数据生成的动态口令设备")
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        clock.drift += 1 if next else 0
        self.stdout.write(f"{clock.token():0{device.digits}d}")
