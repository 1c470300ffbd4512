import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.context import Actor, acting_as
from safecampus.core.errors import BusinessRuleError
from safecampus.demo.generator import DEFAULT_SEED, demo_city_generate


class Command(BaseCommand):
    help = "生成确定性的演示城市（--scale 1 为烟台规模）。Build the deterministic demo city."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="1 = one Yantai-sized city; N > 1 = a province of N cities",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--password",
            default=None,
            help="demo users' password (default: SAFECAMPUS_DEMO_PASSWORD or the built-in one)",
        )

    def handle(
        self, *args: Any, scale: int, seed: int, password: str | None, **options: Any
    ) -> None:
        from safecampus.core.env import env

        bar = None
        if sys.stdout.isatty():
            from tqdm import tqdm

            bar = tqdm(total=None, unit="步", desc="生成演示城市")

        def progress(label: str, n: int) -> None:
            if bar is not None:
                bar.set_postfix_str(f"{label} {n}")
                bar.update(1)

        try:
            with acting_as(Actor(channel="cli", username="generate")):
                result = demo_city_generate(
                    scale=scale,
                    seed=seed,
                    password=password or env("SAFECAMPUS_DEMO_PASSWORD"),
                    progress=progress,
                )
        except BusinessRuleError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
        steps = "，".join(
            f"{label} {count}（{result.step_seconds[label]:.1f} 秒）"
            for label, count in result.steps.items()
        )
        self.stdout.write(
            f"城市 {result.cities}，区市 {result.districts}，中小学幼儿园 {result.schools}，高校 {result.universities}，"
            f"校外培训机构 {result.training_institutions}，用户 {result.users}；{steps}；用时 {result.seconds:.1f} 秒"
        )
