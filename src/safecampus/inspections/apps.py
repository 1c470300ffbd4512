from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import EVERY_BUSINESS_ROLE
from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, DemoStep, MenuItem, SafeCampusAppConfig


class InspectionsConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.inspections"
    verbose_name = "检查"
    menu = (
        MenuItem(
            _("检查"), "inspections:index", "inspection.view", "clipboard", "/inspections/", 60
        ),
    )
    actions = {
        "inspection.view": Action(_("查看检查"), EVERY_BUSINESS_ROLE),
        "inspection.plan": Action(
            _("组织检查与抽查"),
            frozenset(
                {R.CITY_ADMIN, R.CITY_OFFICER, R.DISTRICT_OFFICER, R.PRINCIPAL, R.SAFETY_DIRECTOR}
            ),
        ),
    }
    urls = "safecampus.inspections.urls"
    api_routers = (ApiRoute("/", "safecampus.inspections.api.router"),)
    # The trail of a secret spot check is as secret as the check (auditlog/visibility.py).
    audit_visibility = (
        "inspections.Inspection",
        "inspections.InspectionResult",
        "inspections.InspectionPhoto",
    )
    demo = (
        DemoStep(40, "抽查与交叉检查", "safecampus.inspections.demo.checks_history"),
        DemoStep(97, "四不两直抽查计划", "safecampus.inspections.demo.spot_check"),
    )

    def ready(self) -> None:
        from safecampus.access.scope import register_visibility_rule

        from .models import Inspection, InspectionPhoto, InspectionResult
        from .visibility import spot_check_secrecy

        # Unannounced spot checks stay secret from their targets until they start, on every
        # page, API endpoint and export that reads inspections, their results or their photos.
        register_visibility_rule(Inspection, spot_check_secrecy(""))
        register_visibility_rule(InspectionResult, spot_check_secrecy("inspection__"))
        register_visibility_rule(InspectionPhoto, spot_check_secrecy("inspection__"))
