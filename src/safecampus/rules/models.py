"""Versioned, configurable rule sets and which one applies where in the tree."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel


class RuleSet(AuditedModel):
    """One version of the rules of a kind. Shipped ones (`builtin`) have no publisher and are
    read-only; an administrator copies one to adapt it, publishing it at their unit."""

    kind = models.CharField(_("类别"), max_length=40, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    version = models.CharField(_("版本"), max_length=20)
    effective_from = models.DateField(_("生效日期"))
    authority = models.CharField(_("发布机关"), max_length=100)
    source = models.CharField(_("依据"), max_length=500, blank=True)
    data = models.JSONField(_("规则内容"))
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("发布单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    builtin = models.BooleanField(_("平台内置"), default=False)
    # The shipped rule set that applies where no unit has chosen another.
    is_default = models.BooleanField(_("默认"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_path = "unit__path"
    scope_inherited = True
    scope_view_action = "rules.view"

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["kind", "-builtin", "name", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name", "version"], name="ruleset_version_unique"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(is_default=True),
                name="ruleset_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"

    @property
    def kind_label(self) -> str:
        from .kinds import kinds

        return str(kinds()[self.kind].label) if self.kind in kinds() else self.kind


class RuleSetAssignment(AuditedModel):
    """At this unit and everything below it, this rule set applies for its kind (the nearest
    assignment up the tree wins; with none, the shipped default applies)."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("适用单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=40)
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("规则集"), on_delete=models.PROTECT, related_name="assignments"
    )
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    scope_path = "unit__path"
    scope_view_action = "rules.view"

    class Meta:
        verbose_name = _("规则集适用")
        verbose_name_plural = _("规则集适用")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="rulesetassignment_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule_set}"
