from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "safecampus.devices"
    verbose_name = "技防设备与监控互联"
