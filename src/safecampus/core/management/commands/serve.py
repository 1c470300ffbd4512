from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safecampus.core.serving import address_check


class Command(BaseCommand):
    help = "运行 ASGI 服务器（uvicorn）。Serve SafeCampus over ASGI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=1, help="web processes (production: one or two per core)"
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        import uvicorn

        address_check(host, port)
        uvicorn.run(
            "safecampus.config.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
