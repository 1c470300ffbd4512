"""Roles and the permission matrix: which role may do which action, inside its scope.

The scope itself (which org units) comes from role assignments; the matrix only says what a
role may do there. The roles, who may give which and at which level of the tree they are held
are the platform's (this module); the actions are declared by the app that owns them, on its
AppConfig (`actions`, core/registry.py). docs/permissions.md renders the matrix for people.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.core.registry import Action, declared


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    CITY_OFFICER = "city_officer", _("市局安全科")
    DISTRICT_OFFICER = "district_officer", _("区市安全干部")
    PRINCIPAL = "principal", _("校长")
    SAFETY_DIRECTOR = "safety_director", _("分管安全副校长/安全主任")
    STAFF = "staff", _("教职工")
    GUARD = "guard", _("保安员")
    INSPECTOR = "inspector", _("督导检查员/专家")
    COUNSELLOR = "counsellor", _("心理教师")
    AUDITOR = "auditor", _("审计员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")


R = Role
# The three separated administrators (三员分立, 等保 level 3): the system administrator
# (accounts and units), the security administrator (password policy, lockouts, second-factor
# resets, the outbound allow-list) and the auditor (reads the trail). Nobody holds two of them
# (accounts.services.role_grant_check), and none does another's work.
SEPARATED_ADMINS: frozenset[Role] = frozenset({R.CITY_ADMIN, R.SECURITY_ADMIN, R.AUDITOR})
# The auditor reads the trail and the security administrator keeps the security settings;
# neither is ever given a business action.
EVERY_BUSINESS_ROLE: frozenset[Role] = frozenset(set(Role) - {Role.AUDITOR, Role.SECURITY_ADMIN})

# Which roles a manager may give (and take away) at units inside their scope: nobody hands
# out a role above their own.
ASSIGNABLE: dict[Role, frozenset[Role]] = {
    # Not the auditor nor the security administrator: whoever administers the platform must
    # not control who audits it or who keeps its security settings (等保 separation of
    # duties). They are appointed by the operator: `safecampus grant_role`.
    R.CITY_ADMIN: EVERY_BUSINESS_ROLE,
    R.DISTRICT_OFFICER: frozenset(
        {R.INSPECTOR, R.PRINCIPAL, R.SAFETY_DIRECTOR, R.STAFF, R.GUARD, R.COUNSELLOR}
    ),
    R.PRINCIPAL: frozenset({R.SAFETY_DIRECTOR, R.STAFF, R.GUARD, R.COUNSELLOR}),
}

# The level of the tree each role is held at.
ROLE_UNIT_KINDS: dict[Role, frozenset[str]] = {
    R.CITY_ADMIN: frozenset({"province", "city"}),
    R.CITY_OFFICER: frozenset({"province", "city"}),
    R.AUDITOR: frozenset({"province", "city", "district"}),
    R.SECURITY_ADMIN: frozenset({"province", "city"}),
    R.DISTRICT_OFFICER: frozenset({"district"}),
    R.INSPECTOR: frozenset({"province", "city", "district"}),
    R.PRINCIPAL: frozenset({"school"}),
    R.SAFETY_DIRECTOR: frozenset({"school"}),
    R.STAFF: frozenset({"school"}),
    R.GUARD: frozenset({"school"}),
    R.COUNSELLOR: frozenset({"school"}),
}


@cache
def permissions() -> dict[str, Action]:
    """Every action declared by the installed apps: {"hazard.view": Action(label, roles)}."""
    found: dict[str, Action] = {}
    for contribution in declared("actions"):
        for key, action in contribution.value.items():
            if key in found:
                raise ImproperlyConfigured(f"action {key!r} is declared twice")
            unknown = set(action.roles) - set(Role)
            if unknown:
                raise ImproperlyConfigured(f"action {key!r} names unknown roles {unknown}")
            found[key] = action
    return found


def roles_for(action: str) -> frozenset[str]:
    try:
        return permissions()[action].roles
    except KeyError:
        raise KeyError(
            f"unknown action {action!r}; declare it in the `actions` of its app's AppConfig"
        ) from None
