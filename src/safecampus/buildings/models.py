"""School buildings (校舍) and their fire and seismic remediation projects (消防抗震整改)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel

from .choices import (
    FIRE_COLOURS,
    FIRE_NEEDING,
    PROJECT_STATUS_COLOURS,
    SEISMIC_COLOURS,
    SEISMIC_NEEDING,
    BuildingUse,
    FireStatus,
    ProjectAction,
    ProjectStatus,
    RemediationKind,
    SeismicStatus,
    Structure,
)


class Building(AuditedModel):
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("楼栋名称"), max_length=100)
    use = models.CharField(_("用途"), max_length=16, choices=BuildingUse.choices)
    structure = models.CharField(_("结构"), max_length=16, choices=Structure.choices)
    storeys = models.PositiveSmallIntegerField(_("层数"))
    floor_area_m2 = models.DecimalField(_("建筑面积（m²）"), max_digits=10, decimal_places=2)
    year_built = models.PositiveSmallIntegerField(_("建成年份"))
    seismic_status = models.CharField(
        _("抗震状态"),
        max_length=16,
        choices=SeismicStatus.choices,
        default=SeismicStatus.COMPLIANT,
        db_index=True,
    )
    fire_status = models.CharField(
        _("消防状态"),
        max_length=16,
        choices=FireStatus.choices,
        default=FireStatus.COMPLIANT,
        db_index=True,
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "school__unit__path"
    scope_view_action = "building.view"
    audit_fields = [
        "name",
        "use",
        "structure",
        "storeys",
        "floor_area_m2",
        "year_built",
        "seismic_status",
        "fire_status",
        "note",
    ]

    class Meta:
        verbose_name = _("校舍")
        verbose_name_plural = _("校舍")
        ordering = ["school_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"], name="building_name_unique_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_remediation(self) -> bool:
        return self.seismic_status in SEISMIC_NEEDING or self.fire_status in FIRE_NEEDING

    @property
    def seismic_colour(self) -> str:
        return SEISMIC_COLOURS[self.seismic_status]

    @property
    def fire_colour(self) -> str:
        return FIRE_COLOURS[self.fire_status]


class RemediationProject(AuditedModel):
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="remediation_projects",
    )
    name = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("整改类别"), max_length=8, choices=RemediationKind.choices)
    buildings = models.ManyToManyField(
        Building, verbose_name=_("涉及楼栋"), through="ProjectBuilding", related_name="projects"
    )
    plan = models.TextField(_("整改方案"), max_length=4000)
    # In yuan (元), like every sum of money on the platform; pages also show 万元.
    budget_yuan = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2)
    planned_start = models.DateField(_("计划开工"))
    planned_end = models.DateField(_("计划完工"))
    actual_start = models.DateField(_("实际开工"), null=True, blank=True)
    actual_end = models.DateField(_("实际完工"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    status = models.CharField(
        _("状态"),
        max_length=24,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PLANNED,
        db_index=True,
    )
    # The last acceptance check (验收) by the district or the city, passed or not.
    acceptance_on = models.DateField(_("验收日期"), null=True, blank=True, db_index=True)
    acceptance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acceptance_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("验收单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acceptance_passed = models.BooleanField(_("验收结论"), null=True, blank=True)
    acceptance_note = models.CharField(_("验收意见"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A retried creation with the same key finds the first project instead of adding a second.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "school__unit__path"
    scope_view_action = "building.view"
    audit_fields = [
        "name",
        "kind",
        "plan",
        "budget_yuan",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "progress",
        "status",
        "acceptance_on",
        "acceptance_by_id",
        "acceptance_unit_id",
        "acceptance_passed",
        "acceptance_note",
    ]

    class Meta:
        verbose_name = _("消防抗震整改项目")
        verbose_name_plural = _("消防抗震整改项目")
        ordering = ["-planned_start", "-pk"]
        indexes = [
            models.Index(fields=["status", "acceptance_on"], name="project_status_accept_idx")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status_colour(self) -> str:
        return PROJECT_STATUS_COLOURS[self.status]


class ProjectBuilding(AuditedModel):
    """A building covered by a project (same school); audited, so a changed scope is traced."""

    project = models.ForeignKey(RemediationProject, on_delete=models.CASCADE)
    building = models.ForeignKey(Building, on_delete=models.PROTECT)

    scope_path = "project__school__unit__path"
    scope_view_action = "building.view"
    audit_fields = ["project_id", "building_id"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "building"], name="project_building_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.building_id}"


class ProjectEvent(models.Model):
    """The timeline of a project: each step and each dated progress update, by whom and when.
    Written only by the services, next to the audited update of the project itself."""

    project = models.ForeignKey(RemediationProject, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    on = models.DateField(_("日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=ProjectAction.choices)
    from_status = models.CharField(max_length=24, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=ProjectStatus.choices)
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    # A phone that retries a progress update sends the same key: it is recorded once.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    scope_path = "project__school__unit__path"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"
