"""Video retention, equipment checks and fault repair, and when a device counts as offline."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from safecampus.rules.kinds import Builtin, Kind


class VideoRetention(BaseModel):
    days: int = Field(ge=1, le=365, description="监控录像保存天数下限")


class EquipmentCheck(BaseModel):
    check_interval_days: int = Field(ge=1, le=366, description="设备检查间隔（天）")
    fault_fix_hours: int = Field(ge=1, le=720, description="故障修复时限（小时），逾期转为隐患")


class DeviceStatus(BaseModel):
    heartbeat_interval_s: int = Field(ge=5, le=3600, description="心跳间隔（秒）")
    offline_after_missed: int = Field(ge=1, le=20, description="连续丢失几次心跳判为离线")

    @property
    def offline_after_s(self) -> int:
        return self.heartbeat_interval_s * self.offline_after_missed


KINDS: dict[str, Kind] = {
    "video_retention": Kind(
        _("监控录像保存"),
        VideoRetention,
        [
            Builtin(
                "视频监控录像保存期限",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（多省技防规定）",
                "学校视频监控录像保存不少于 30 天（一般场所 15 天）",
                {"days": 30},
            )
        ],
    ),
    "equipment_check": Kind(
        _("设备检查与故障修复"),
        EquipmentCheck,
        [
            Builtin(
                "安防设备检查与故障修复时限",
                "2026.1",
                date(2026, 1, 1),
                "平台内置（地市规定）",
                "安防设备每月检查一次，故障 24 小时内修复，逾期列入隐患整改",
                {"check_interval_days": 30, "fault_fix_hours": 24},
            )
        ],
    ),
    "device_status": Kind(
        _("设备在线判定"),
        DeviceStatus,
        [
            Builtin(
                "GB/T 28181 心跳与离线判定",
                "2022",
                date(2022, 1, 1),
                "国家市场监督管理总局、国家标准化管理委员会",
                "GB/T 28181-2022：设备每 60 秒发送一次心跳（Keepalive），连续 3 次未收到判为离线",
                {"heartbeat_interval_s": 60, "offline_after_missed": 3},
            )
        ],
    ),
}
