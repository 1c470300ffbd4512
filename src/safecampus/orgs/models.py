"""The org tree: province → city → district → school, as data.

Each unit keeps a materialised path of codes; see OrgUnit.path.
"""

from typing import Any

from django.apps import apps
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditedModel
from safecampus.core.registry import each

from .choices import SCHOOL_TYPE_COLOURS, Ownership, SchoolType, UnitKind


class OrgUnit(AuditedModel):
    kind = models.CharField(_("层级"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("代码"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_-]+$", _("代码只能包含字母、数字、下划线和连字符"))
        ],
    )
    # "/<city code>/<district code>/<school code>/": "this unit and everything below it" is
    # one indexed prefix match, which the access choke point relies on.
    path = models.CharField(max_length=255, editable=False, unique=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # Name of the map polygon that draws this unit (district maps); blank draws a marker.
    map_feature = models.CharField(_("地图区域"), max_length=50, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)

    audit_fields = ["kind", "parent_id", "name", "code", "map_feature", "longitude", "latitude"]
    scope_path = "path"

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="orgunit_name_unique_per_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep path and depth in step with parent and code; a move carries the subtree along."""
        old_path = self.path
        parent = self.parent if self.parent_id else None
        self.depth = parent.depth + 1 if parent is not None else 0
        self.path = f"{parent.path if parent is not None else '/'}{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            OrgUnit._base_manager.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (self.depth - old_path.count("/") + 2),
            )
            if self.kind == UnitKind.SCHOOL:
                # The school's denormalised district follows it to its new place in the tree.
                School.objects.filter(pk=self.pk).update(district=self.district)
            self._copies_follow(old_path)

    def _copies_follow(self, old_path: str) -> None:
        """Rows of other apps that copy a unit's path or a school's district (declared as
        `unit_path_copies`, core/registry.py) follow the subtree to its new place. A
        denormalisation for the choke point and the district filters, not a change anyone
        made: not audited."""
        for _app, copy in each("unit_path_copies"):
            model = apps.get_model(copy.model)
            if copy.path:
                model._base_manager.filter(**{f"{copy.path}__startswith": old_path}).update(
                    **{copy.path: Concat(Value(self.path), Substr(copy.path, len(old_path) + 1))}
                )
            if copy.school and copy.district and self.kind == UnitKind.SCHOOL:
                model._base_manager.filter(**{copy.school: self.pk}).update(
                    **{copy.district: self.district}
                )

    def ancestors(self) -> list["OrgUnit"]:
        """Units above this one, from the root down (for breadcrumbs)."""
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)

    @property
    def district(self) -> "OrgUnit | None":
        if self.kind == UnitKind.DISTRICT:
            return self
        return next((u for u in self.ancestors() if u.kind == UnitKind.DISTRICT), None)


class School(AuditedModel):
    """The profile of a school unit; the unit itself sits in the tree."""

    unit = models.OneToOneField(
        OrgUnit, on_delete=models.PROTECT, primary_key=True, related_name="school"
    )
    school_type = models.CharField(
        _("学校类型"), max_length=16, choices=SchoolType.choices, db_index=True
    )
    ownership = models.CharField(
        _("办学性质"), max_length=8, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    boarding = models.BooleanField(_("寄宿制"), default=False)
    students = models.PositiveIntegerField(_("学生数"), default=0)
    boarders = models.PositiveIntegerField(_("寄宿生数"), default=0)
    staff = models.PositiveIntegerField(_("教职工数"), default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Denormalised from the tree at save time: the district filter and the roll-ups by
    # district are the hottest queries of every dashboard. NULL for directly-affiliated schools.
    district = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属区市"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # The profile a school keeps itself (form, import, API); district follows the tree.
    PROFILE_FIELDS = [
        "school_type",
        "ownership",
        "boarding",
        "students",
        "boarders",
        "staff",
        "address",
    ]
    audit_fields = [*PROFILE_FIELDS, "district_id"]
    scope_path = "unit__path"

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def type_colour(self) -> str:
        return SCHOOL_TYPE_COLOURS.get(self.school_type, "secondary")

    @property
    def is_directly_affiliated(self) -> bool:
        return self.district_id is None
