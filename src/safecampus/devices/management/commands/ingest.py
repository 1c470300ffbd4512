import logging
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safecampus.audit.context import Actor, acting_as
from safecampus.devices.ingest import Ingestor


class Command(BaseCommand):
    help = "设备消息接入：订阅 MQTT，写入心跳、故障与一键报警。Ingest device messages from MQTT."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="broker URL (default: MQTT_URL)")
        parser.add_argument("--flush-interval", type=float, default=1.0, help="seconds per batch")
        parser.add_argument("--log-interval", type=float, default=10.0)
        parser.add_argument(
            "--refresh-interval",
            type=float,
            default=60.0,
            help="seconds between reloads of the device registry and the open faults",
        )
        parser.add_argument("--stats-file", help="write the counters as JSON here every batch")
        parser.add_argument(
            "--group", help="shared-subscription group, to split the messages among ingestors"
        )
        parser.add_argument(
            "--session",
            default=socket.gethostname(),
            help="name of the persistent MQTT session (one per ingestor; alarms the broker took "
            "while this ingestor was down are delivered on restart); '' for none",
        )
        parser.add_argument("--duration", type=float, default=None, help="stop after S seconds")

    def handle(
        self,
        *args,
        url,
        flush_interval,
        log_interval,
        refresh_interval,
        stats_file,
        group,
        session,
        duration,
        **options,
    ):
        url = url or settings.MQTT_URL
        if not url:
            raise CommandError("未设置 MQTT_URL：请设置它，或用 --url mqtt://host:1883 指定代理")
        if options["verbosity"] == 0:  # e.g. under `safecampus demo`: problems only
            logging.getLogger("safecampus.devices").setLevel(logging.WARNING)
        with acting_as(Actor(channel="task", username="ingest")):
            Ingestor(
                url=url,
                flush_interval=flush_interval,
                log_interval=log_interval,
                refresh_interval=refresh_interval,
                stats_file=stats_file,
                group=group,
                session=f"{session}-{group}" if session and group else session or None,
            ).run(duration=duration)
