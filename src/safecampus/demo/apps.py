from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "safecampus.demo"
    verbose_name = "演示数据"
