"""The camera import: a school's cameras, matched by device ID (GB/T 28181) to its own; an
exported workbook goes back in as it is."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.core.excel import Column
from safecampus.imports.base import Errors, Importer, ImportResult, Row
from safecampus.orgs.models import School
from safecampus.orgs.selectors import school_get

from . import excel
from .messages import DEVICE_ID
from .models import AlarmButton, Camera, DeviceState
from .services import STREAM_SCHEMES, state_for


class CameraImporter(Importer):
    key = "cameras"
    label = gettext_lazy("摄像头")
    unit = gettext_lazy("台")
    action = "device.manage"
    per_school = True
    sheet_title = gettext_lazy("摄像头")
    instructions = (
        gettext_lazy(
            "按设备编码匹配：本校已有的摄像头更新，新的编码新增。设备编码须为 20 位数字且在全平台"
            "唯一；文件中只要有一行有误，整个文件都不会导入，并列出每一处错误。"
        ),
    )
    example = (
        "南门摄像头",
        "37060200001320000001",
        "校门",
        "DS-2CD3T47",
        "rtsp://10.0.0.8/1",
        "2023-09-01",
    )

    def layout(self) -> list[Column]:
        return excel.columns()

    @classmethod
    def school_for(cls, user, school_id: int) -> School:
        return school_get(user=user, school_id=school_id, action="device.view")

    def parse(self, row: Row) -> dict | None:
        code = row.text("school_code")
        if code and code != self.school.unit.code:
            row.error("school_code", _("该行属于其他学校，不能导入到本校"))
        values: dict[str, Any] = {"name": row.text("name"), "device_id": row.text("device_id")}
        if not values["name"]:
            row.error("name", _("名称不能为空"))
        if not DEVICE_ID.match(values["device_id"]):
            row.error("device_id", _("须为 20 位数字（GB/T 28181）"))
        values["place"] = row.parse("place", excel.place_of)
        values["model"] = row.text("model")
        values["stream_url"] = row.text("stream_url")
        if values["stream_url"] and not values["stream_url"].startswith(STREAM_SCHEMES):
            row.error("stream_url", _("须以 rtsp://、rtmp://、http:// 或 https:// 开头"))
        values["installed_on"] = row.parse("installed_on", excel.date_of)
        return values if row.ok else None

    def check(self, rows: list[dict], errors: Errors) -> None:
        first: dict[str, int] = {}
        ids = [r["device_id"] for r in rows]
        self.existing = {c.device_id: c for c in Camera.objects.filter(device_id__in=ids)}
        alarms = set(
            AlarmButton.objects.filter(device_id__in=ids).values_list("device_id", flat=True)
        )
        for r in rows:
            device_id, number = r["device_id"], r["number"]
            if device_id in first:
                errors.add(
                    number, "device_id", _("与第 %(n)d 行的设备编码重复") % {"n": first[device_id]}
                )
                continue
            first[device_id] = number
            camera = self.existing.get(device_id)
            if device_id in alarms or (camera is not None and camera.school_id != self.school.pk):
                errors.add(number, "device_id", _("该设备编码已被其他学校或设备登记"))

    def write(self, rows: list[dict]) -> ImportResult:
        result, new = ImportResult(), []
        for values in rows:
            values = {k: v for k, v in values.items() if k not in ("number", "school_code")}
            camera = self.existing.get(values["device_id"])
            if camera is None:
                new.append(Camera(school=self.school, **values))
                continue
            changed = [k for k, v in values.items() if getattr(camera, k) != v]
            if changed:
                for key in changed:
                    setattr(camera, key, values[key])
                camera.save(update_fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
        created = Camera.objects.bulk_create(new, batch_size=1000)
        DeviceState.objects.bulk_create([state_for(c) for c in created], batch_size=1000)
        result.created = len(created)
        return result

    def back_url(self) -> str:
        return reverse("devices:school", args=[self.school.pk])
