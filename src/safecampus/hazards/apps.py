from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "safecampus.hazards"
    verbose_name = "隐患整改"
