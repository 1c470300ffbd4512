from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "safecampus.access"
    verbose_name = "权限"
