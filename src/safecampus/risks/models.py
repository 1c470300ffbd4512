"""Risk catalogs: the expert-compiled lists of risk points and control measures per kind of
school, from which every school instantiates its own three lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

from .choices import RISK_LEVEL_COLOURS, CatalogGroup, CheckFrequency, RiskLevel


class Aspect(AuditedModel):
    """One of the sixteen areas of school safety work (安全工作十六个方面)."""

    code = models.CharField(_("编号"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("安全工作方面")
        verbose_name_plural = _("安全工作方面")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RiskCatalog(AuditedModel):
    """A versioned catalog published by an org unit (usually the city) for one group of schools."""

    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(_("适用学校"), max_length=16, choices=CatalogGroup.choices)
    name = models.CharField(_("清单名称"), max_length=100)
    version = models.CharField(_("版本"), max_length=20)
    source = models.CharField(_("来源与依据"), max_length=300, blank=True)
    # The catalog in force for its group at its unit; importing a new version retires the old.
    is_current = models.BooleanField(_("现行版本"), default=True)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    scope_path = "unit__path"
    scope_inherited = True
    scope_view_action = "catalog.view"

    class Meta:
        verbose_name = _("风险清单库")
        verbose_name_plural = _("风险清单库")
        ordering = ["unit__path", "group", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "group", "version"], name="riskcatalog_version_unique"
            ),
            models.UniqueConstraint(
                fields=["unit", "group"],
                condition=models.Q(is_current=True),
                name="riskcatalog_one_current_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.version}）"


class CatalogRiskPoint(AuditedModel):
    catalog = models.ForeignKey(RiskCatalog, on_delete=models.CASCADE, related_name="points")
    aspect = models.ForeignKey(
        Aspect, verbose_name=_("方面"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("风险点编码"), max_length=32)
    place = models.CharField(_("场所/部位"), max_length=100)
    name = models.CharField(_("风险点"), max_length=200)
    hazard = models.CharField(_("潜在风险隐患"), max_length=500)
    accident = models.CharField(_("易发安全事故"), max_length=200)
    level = models.CharField(_("风险等级"), max_length=12, choices=RiskLevel.choices)
    # Demo filler that brings the catalogs to the official counts; never shown as official.
    generated = models.BooleanField(_("补充条目"), default=False)

    scope_path = "catalog__unit__path"
    scope_inherited = True
    scope_view_action = "catalog.view"

    class Meta:
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")
        ordering = ["catalog", "code"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "code"], name="catalogpoint_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level_colour(self) -> str:
        return RISK_LEVEL_COLOURS[self.level]


class CatalogMeasure(AuditedModel):
    point = models.ForeignKey(CatalogRiskPoint, on_delete=models.CASCADE, related_name="measures")
    text = models.CharField(_("管控措施"), max_length=500)
    department = models.CharField(_("责任部门"), max_length=50)
    post = models.CharField(_("责任岗位"), max_length=50)
    frequency = models.CharField(_("检查频次"), max_length=12, choices=CheckFrequency.choices)
    order = models.PositiveSmallIntegerField(default=0)
    generated = models.BooleanField(_("补充条目"), default=False)

    scope_path = "point__catalog__unit__path"
    scope_inherited = True
    scope_view_action = "catalog.view"

    class Meta:
        verbose_name = _("管控措施")
        verbose_name_plural = _("管控措施")
        ordering = ["point", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
