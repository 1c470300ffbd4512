from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

from .roles import Role


class RoleAssignment(AuditedModel):
    """A user holds a role at an org unit; recursive assignments reach every unit below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("组织机构"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_recursive = models.BooleanField(_("含下级"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_path = "unit__path"
    audit_fields = ["user_id", "unit_id", "role", "is_recursive"]

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="roleassignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.unit}"
