from django.apps import AppConfig


class PatrolsConfig(AppConfig):
    name = "safecampus.patrols"
    verbose_name = "隐患网上巡查"
