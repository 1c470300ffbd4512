import json
import random
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safecampus.devices import mqtt
from safecampus.devices.ingest import Ingestor
from safecampus.devices.messages import FAULT_CODES
from safecampus.devices.models import AlarmButton, Camera


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "模拟演示城市的设备：按速率发布心跳、偶发故障与恢复，部分设备静默（离线）。"
        "Publish realistic device status messages for the registered devices."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rate",
            type=float,
            default=None,
            help="messages per second (default: every device once a minute)",
        )
        parser.add_argument(
            "--faults",
            type=float,
            default=0.0002,
            help="chance per message that a working device reports a fault",
        )
        parser.add_argument(
            "--recover",
            type=float,
            default=0.02,
            help="chance per message that a faulty device reports it works again",
        )
        parser.add_argument(
            "--silent", type=float, default=0.02, help="share of devices that never report"
        )
        parser.add_argument("--duration", type=float, default=0, help="seconds (0: until Ctrl-C)")
        parser.add_argument(
            "--unit", default="", help="only devices of schools under this org code"
        )
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--url", default=None, help="broker URL (default: MQTT_URL)")
        parser.add_argument(
            "--direct",
            action="store_true",
            help="no broker: hand the messages to an in-process ingestor (the demo without MQTT)",
        )
        parser.add_argument("--stats-file", help="write {published, at} as JSON every second")

    def handle(self, *args, **o):
        url: str = o["url"] or settings.MQTT_URL or ""
        if not url and not o["direct"]:
            raise CommandError(
                "未设置 MQTT_URL：请设置它，或用 --url mqtt://host:1883 指定代理，或用 --direct 直接写入"
            )
        rng = random.Random(o["seed"])
        devices = []
        for model, kind in ((Camera, "camera"), (AlarmButton, "alarm")):
            qs = model.objects.filter(active=True)
            if o["unit"]:
                qs = qs.filter(school__unit__path__contains=f"/{o['unit']}/")
            devices += [
                (mqtt.topic(code, device_id), kind)
                for device_id, code in qs.values_list("device_id", "school__unit__code")
            ]
        if not devices:
            raise CommandError("没有已登记的设备：请先运行 safecampus demo 或登记设备")
        rng.shuffle(devices)
        # The silent ones are the same every run with the same seed: always offline.
        talking = devices[int(len(devices) * o["silent"]) :]
        rate = o["rate"] or len(talking) / 60
        self.stdout.write(
            f"模拟设备 {len(talking)} 台（另有 {len(devices) - len(talking)} 台静默），"
            f"每秒 {rate:.0f} 条消息，每台每 {len(talking) / rate:.1f} 秒一条"
        )
        if o["direct"]:
            # The same validation and batched writes as `safecampus ingest`, minus the broker.
            ingestor = Ingestor()
            ingestor.refresh()

            def publish(topic, payload):
                ingestor.dispatch(topic, payload.encode())

            flush, close = ingestor.flush, ingestor.flush
        else:
            client = mqtt.client(url, mqtt.client_id("simulator"))
            # The in-flight queue of QoS 0 messages is only bounded by memory: cap it.
            client.max_queued_messages_set(50_000)
            host, port = client.safecampus_address
            client.connect(host, port, keepalive=30)
            client.loop_start()

            def publish(topic, payload):
                client.publish(topic, payload, qos=0)

            def close():
                client.disconnect()
                client.loop_stop()

            flush = None
        # SIGTERM (`safecampus demo` stopping) ends the run like Ctrl-C: the last batch is
        # flushed and the broker connection closed.
        signal.signal(signal.SIGTERM, _interrupt)
        next_flush = time.monotonic() + 1
        faulty: dict[str, str] = {}
        started = time.monotonic()
        published, index, next_stats = 0, 0, started
        try:
            while not o["duration"] or time.monotonic() - started < o["duration"]:
                due = int((time.monotonic() - started) * rate) - published
                for _ in range(due):
                    topic, kind = talking[index]
                    index = (index + 1) % len(talking)
                    now = time.time()
                    if topic in faulty:
                        if rng.random() < o["recover"]:
                            del faulty[topic]
                    elif rng.random() < o["faults"]:
                        faulty[topic] = rng.choice(FAULT_CODES[kind])
                    if topic in faulty:
                        payload = json.dumps(
                            {"ts": round(now, 3), "status": "fault", "fault": faulty[topic]}
                        )
                    else:
                        payload = f'{{"ts":{now:.3f},"status":"ok"}}'
                    publish(topic, payload)
                    published += 1
                if flush and time.monotonic() >= next_flush:
                    flush()
                    next_flush += 1
                if o["stats_file"] and time.monotonic() >= next_stats:
                    with open(o["stats_file"], "w") as fh:
                        json.dump({"published": published, "at": time.time()}, fh)
                    next_stats += 1
                time.sleep(0.01)
        except KeyboardInterrupt:
            pass
        finally:
            close()
        if o["verbosity"] > 0:
            self.stdout.write(f"已发布 {published} 条消息，{len(faulty)} 台设备处于故障")
