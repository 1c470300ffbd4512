"""The camera workbook: one row per camera, the columns of the import (an export adds the
school and the live status, which an import ignores)."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.excel import Column, as_text, workbook_bytes

from .models import Place, Status


def columns() -> list[Column]:
    """The columns of the import (headers in the user's language; the Chinese names are
    always recognised)."""
    return [
        Column("name", _("名称"), 28, synonyms=("名称", "摄像头名称", "设备名称"), max_length=100),
        Column(
            "device_id",
            _("设备编码"),
            24,
            synonyms=("设备编码", "国标编码", "设备编号"),
            max_length=20,
            hint=_("20 位数字（GB/T 28181），全平台唯一"),
        ),
        Column(
            "place",
            _("部位"),
            18,
            synonyms=("部位", "安装部位", "安装位置"),
            choices=lambda: [str(label) for _code, label in Place.choices],
        ),
        Column(
            "model", _("型号"), 22, required=False, synonyms=("型号", "设备型号"), max_length=60
        ),
        Column(
            "stream_url",
            _("视频流地址"),
            48,
            required=False,
            synonyms=("视频流地址", "视频地址", "流地址"),
            max_length=300,
            hint=_("以 rtsp://、rtmp://、http:// 或 https:// 开头"),
        ),
        Column(
            "installed_on",
            _("安装日期"),
            12,
            required=False,
            synonyms=("安装日期", "安装时间"),
            hint=_("如 2023-09-01"),
        ),
        # In an export, each row's school: an import refuses the rows of another school.
        Column(
            "school_code", _("学校代码"), 14, required=False, synonyms=("学校代码",), max_length=32
        ),
    ]


def export_columns() -> list[Column]:
    return [
        *columns(),
        Column("school", _("学校"), 28, required=False),
        Column("status", _("在线状态"), 10, required=False),
        Column("last_seen", _("最近在线"), 20, required=False),
    ]


def place_of(value) -> str:
    """A place code from its Chinese label (as exported) or its code."""
    text = as_text(value)
    for code, label in Place.choices:
        if text in (code, str(label)):
            return code
    raise ValueError(
        _("未知部位“%(v)s”，可选：%(all)s")
        % {"v": text, "all": "、".join(str(label) for _c, label in Place.choices)}
    )


def date_of(value) -> date | None:
    if value is None or as_text(value) == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(as_text(value).replace("/", "-"))
        except ValueError:
            raise ValueError(_("须为日期，如 2023-09-01")) from None
    if value > timezone.localdate():
        raise ValueError(_("不能晚于今天"))
    return value


def cameras_bytes(cameras) -> bytes:
    """The cameras (annotated by `selectors.with_status`) as a workbook."""
    from .selectors import status_of

    labels = dict(Place.choices)
    statuses = dict(Status.choices)

    def row(c):
        seen = c.state.last_seen_at if getattr(c, "state", None) else None
        return [
            c.name,
            c.device_id,
            str(labels.get(c.place, c.place)),
            c.model,
            c.stream_url,
            c.installed_on.isoformat() if c.installed_on else "",
            c.school.unit.code,
            c.school.unit.name,
            str(statuses[status_of(c)]),
            timezone.localtime(seen).strftime("%Y-%m-%d %H:%M:%S") if seen else "",
        ]

    return workbook_bytes(
        export_columns(), (row(c) for c in cameras.iterator(chunk_size=2000)), _("摄像头")
    )
