from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "safecampus.inspections"
    verbose_name = "检查"

    def ready(self) -> None:
        from safecampus.access.scope import register_visibility_rule

        from .models import Inspection, InspectionPhoto, InspectionResult
        from .visibility import spot_check_secrecy

        # Unannounced spot checks stay secret from their targets until they start, on every
        # page, API endpoint and export that reads inspections, their results or their photos.
        register_visibility_rule(Inspection, spot_check_secrecy(""))
        register_visibility_rule(InspectionResult, spot_check_secrecy("inspection__"))
        register_visibility_rule(InspectionPhoto, spot_check_secrecy("inspection__"))
