"""A school's three lists (三个清单): its risk list, its responsibility list and the checks
of those measures. The third list, the rectification list, is the school's hazards."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel
from safecampus.risks.choices import RISK_LEVEL_COLOURS, CheckFrequency, RiskLevel


class SchoolRiskPoint(AuditedModel):
    """An entry of a school's risk list (风险清单): instantiated from its catalog, tailored
    (added, removed, re-assessed) by the school."""

    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="risk_points"
    )
    catalog_point = models.ForeignKey(
        "risks.CatalogRiskPoint",
        verbose_name=_("清单库风险点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    aspect = models.ForeignKey(
        "risks.Aspect", verbose_name=_("方面"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("编码"), max_length=32)
    place = models.CharField(_("场所/部位"), max_length=100)
    name = models.CharField(_("风险点"), max_length=200)
    hazard = models.CharField(_("潜在风险隐患"), max_length=500)
    accident = models.CharField(_("易发安全事故"), max_length=200)
    # Assessed on the school's risk matrix (rule set); until then the catalog's default level.
    likelihood = models.PositiveSmallIntegerField(_("可能性"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("严重程度"), null=True, blank=True)
    level = models.CharField(_("风险等级"), max_length=12, choices=RiskLevel.choices)
    assessed_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    active = models.BooleanField(_("在用"), default=True)

    scope_path = "school__unit__path"
    scope_view_action = "risklist.view"

    class Meta:
        verbose_name = _("学校风险点")
        verbose_name_plural = _("学校风险点")
        ordering = ["school", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="schoolriskpoint_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level_colour(self) -> str:
        return RISK_LEVEL_COLOURS[RiskLevel(self.level)]


class ResponsibilityItem(AuditedModel):
    """An entry of a school's responsibility list (责任清单): a control measure with the
    department, post and person who carry it out, and how often it is checked."""

    # Set on the rows a page shows (not a field): whether a check is due (selectors.is_due).
    due: bool

    risk_point = models.ForeignKey(SchoolRiskPoint, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("管控措施"), max_length=500)
    department = models.CharField(_("责任部门"), max_length=50)
    post = models.CharField(_("责任岗位"), max_length=50)
    person = models.ForeignKey(
        "accounts.User",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    frequency = models.CharField(_("检查频次"), max_length=12, choices=CheckFrequency.choices)
    active = models.BooleanField(_("在用"), default=True)

    scope_path = "risk_point__school__unit__path"
    scope_view_action = "risklist.view"

    class Meta:
        verbose_name = _("责任清单条目")
        verbose_name_plural = _("责任清单条目")
        ordering = ["risk_point__code", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class MeasureCheck(AuditedModel):
    """One check of a responsibility item; a failed check opens a hazard."""

    item = models.ForeignKey(ResponsibilityItem, on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField(_("检查时间"), db_index=True)
    by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("检查人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    passed = models.BooleanField(_("合格"))
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("发现的隐患"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "item__risk_point__school__unit__path"
    scope_view_action = "risklist.view"

    class Meta:
        verbose_name = _("措施检查记录")
        verbose_name_plural = _("措施检查记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {'合格' if self.passed else '不合格'}"
