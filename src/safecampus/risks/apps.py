from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "safecampus.risks"
    verbose_name = "风险清单"
