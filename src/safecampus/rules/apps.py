from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "safecampus.rules"
    verbose_name = "规则集"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .services import builtin_rule_sets_sync

        # The rule sets shipped with the platform follow the code on every migrate.
        post_migrate.connect(builtin_rule_sets_sync, sender=self)
