from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "safecampus.orgs"
    verbose_name = "组织机构"
