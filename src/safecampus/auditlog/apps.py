from django.utils.translation import gettext_lazy as _

from safecampus.access.roles import Role as R
from safecampus.core.registry import Action, ApiRoute, MenuItem, SafeCampusAppConfig


class AuditLogConfig(SafeCampusAppConfig):
    """The auditor's pages and API (审计日志): the trail of `audit`, read through the access
    choke point. The trail itself sits at the bottom of the platform, below access, because
    every app writes to it; reading it needs the scope, so the reader is this app above."""

    default = True
    name = "safecampus.auditlog"
    verbose_name = "审计日志查询"
    menu = (MenuItem(_("审计日志"), "auditlog:entry_list", "audit.view", "shield", "/audit/", 140),)
    actions = {"audit.view": Action(_("查看审计日志"), frozenset({R.AUDITOR}))}
    urls = "safecampus.auditlog.urls"
    api_routers = (ApiRoute("/audit", "safecampus.auditlog.api.router"),)

    def ready(self) -> None:
        from safecampus.access.scope import register_visibility_rule
        from safecampus.audit.models import AuditEntry

        from .visibility import entries_follow_their_records

        # An entry about a hidden row (a spot check not started) is hidden with it.
        register_visibility_rule(AuditEntry, entries_follow_their_records)
