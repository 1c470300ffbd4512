from django.apps import AppConfig


class DefensesConfig(AppConfig):
    name = "safecampus.defenses"
    verbose_name = "三防建设与四个100%"
