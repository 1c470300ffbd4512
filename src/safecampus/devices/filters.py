"""One filter definition for the device lists (page, API, Excel export)."""

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup

from safecampus.core.filters import ListFilters, district_condition
from safecampus.core.pagination import MAX_ID

from .models import Place, Status


class DeviceFilters(ListFilters):
    q: Annotated[str | None, FilterLookup(q=["name__icontains", "device_id__startswith"])] = Field(
        None, max_length=100, description="名称或设备编码（前缀）"
    )
    school: Annotated[int | None, FilterLookup(q="school_id")] = Field(
        None, ge=1, le=MAX_ID, description="学校编号"
    )
    district: int | None = Field(
        None, ge=0, le=MAX_ID, description="区市（组织机构编号）；0 表示市直属学校"
    )
    place: Place | None = Field(None, description="部位")
    status: Status | None = Field(
        None, description="在线状态：online 在线、fault 故障、offline 离线"
    )
    active: bool | None = Field(True, description="在用（默认只列在用设备；false 列已停用的）")

    def filter_district(self, value):
        return district_condition(value, "school__district")

    def filter_status(self, value):
        # The online threshold depends on each school's rule set: see selectors.status_condition.
        from .selectors import status_condition

        return status_condition(value, prefix="state__") if value else Q()
