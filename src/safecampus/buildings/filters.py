"""One filter definition per list, shared by the pages, the API and the Excel export."""

from datetime import date
from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, Schema
from pydantic import field_validator

from safecampus.core.filters import ListFilters, district_condition
from safecampus.core.pagination import MAX_ID

from .choices import (
    FIRE_NEEDING,
    SEISMIC_NEEDING,
    BuildingUse,
    FireStatus,
    ProjectStatus,
    RemediationKind,
    SeismicStatus,
    Structure,
)

NEEDING = Q(seismic_status__in=SEISMIC_NEEDING) | Q(fire_status__in=FIRE_NEEDING)


class BuildingFilters(ListFilters):
    q: Annotated[
        str | None,
        FilterLookup(q=["name__icontains", "school__unit__name__icontains"]),
    ] = Field(None, max_length=100, description="楼栋名称或学校名称")
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: Annotated[int | None, FilterLookup(q="school_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号"
    )
    use: BuildingUse | None = Field(None, description="用途")
    structure: Structure | None = Field(None, description="结构")
    seismic_status: SeismicStatus | None = Field(None, description="抗震状态")
    fire_status: FireStatus | None = Field(None, description="消防状态")
    needs_remediation: bool | None = Field(
        None, description="是否需整改（抗震需加固/需拆除重建/加固中，或消防存在隐患/整改中）"
    )

    def filter_district(self, value):
        return district_condition(value, "school__district")

    def filter_needs_remediation(self, value):
        if value is None:
            return Q()
        return NEEDING if value else ~NEEDING


class ProjectFilters(ListFilters):
    q: Annotated[
        str | None, FilterLookup(q=["name__icontains", "school__unit__name__icontains"])
    ] = Field(None, max_length=100, description="项目名称或学校名称")
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: Annotated[int | None, FilterLookup(q="school_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号"
    )
    kind: RemediationKind | None = Field(None, description="整改类别")
    status: ProjectStatus | None = Field(None, description="状态")

    def filter_district(self, value):
        return district_condition(value, "school__district")


class RemediationFilters(Schema):
    """The roll-up's filters (not a FilterSchema: they shape the aggregate, see selectors)."""

    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    school: int | None = Field(None, ge=1, le=MAX_ID, description="学校编号")
    year: int | None = Field(
        None, ge=1950, le=2100, description="截至该年年底（按验收日期）已完成整改"
    )
    as_of: date | None = Field(None, description="截至该日（含，按验收日期）已完成整改")
    kind: RemediationKind | None = Field(
        None, description="整改类别：消防（含消防抗震项目）、抗震（含消防抗震项目）或消防抗震"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and value.strip() == "" else value

    def until(self) -> date | None:
        """The last acceptance date that counts: the earlier of `as_of` and the end of `year`."""
        ends = [d for d in (self.as_of, date(self.year, 12, 31) if self.year else None) if d]
        return min(ends) if ends else None

    def buildings_q(self) -> Q:
        """The scope narrowing (district, school) as a filter on buildings."""
        q = district_condition(self.district, "school__district")
        if self.school is not None:
            q &= Q(school_id=self.school)
        return q
