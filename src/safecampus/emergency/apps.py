from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "safecampus.emergency"
    verbose_name = "应急指挥"
