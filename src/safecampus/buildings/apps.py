from django.apps import AppConfig


class BuildingsConfig(AppConfig):
    name = "safecampus.buildings"
    verbose_name = "校舍安全"
