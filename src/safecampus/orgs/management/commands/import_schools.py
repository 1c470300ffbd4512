import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.context import acting_as, actor_for_user
from safecampus.core.excel import ImportRejected, WorkbookError
from safecampus.imports.pipeline import import_run
from safecampus.orgs.importers import SchoolImporter


class Command(BaseCommand):
    help = "从 Excel 导入学校（全部成功或全部不导入）。Import schools from an .xlsx file, all or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="the account the import is done as (its scope applies)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, change nothing"
        )

    def handle(self, *args: Any, file: Path, user: str, dry_run: bool, **options: Any) -> None:
        try:
            account = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有启用的用户“{user}”") from None
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        bar = None
        if sys.stdout.isatty():
            from tqdm import tqdm

            bar = tqdm(unit="行", desc="导入学校")

        def progress(step: str, done: int) -> None:
            if bar is not None:
                bar.set_description(f"导入学校·{step}")
                bar.n = done
                bar.refresh()

        importer = SchoolImporter(user=account)
        try:
            with acting_as(actor_for_user(account, channel="cli")):
                outcome = import_run(
                    importer=importer,
                    data=file.read_bytes(),
                    filename=file.name,
                    dry_run=dry_run,
                    progress=progress,
                )
        except WorkbookError as exc:
            raise CommandError(str(exc)) from None
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()
        done = "预览（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{done}：{importer.summary(outcome.result)}")
