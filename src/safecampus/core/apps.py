from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safecampus.core"
    verbose_name = "平台"
