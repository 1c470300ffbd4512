"""Writes of the patrols: the check points a school keeps, and the visits logged by scanning
them. Each write is one transaction; bad input is refused in words and changes nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.images import image_clean
from safecampus.core.texts import Text
from safecampus.hazards.choices import HazardLevel, HazardSource
from safecampus.hazards.services import hazard_photo_add, hazard_report

from .models import CheckPoint, PatrolVisit, new_token

MAX_SCAN_PHOTOS = 3
# A phone that was offline sends its scans later with the time they were made; older ones
# would let a missed round be filled in after the fact, so they are refused.
MAX_LATE = timedelta(hours=24)
CHECKPOINT_FIELDS = ("name", "place", "is_key_area", "active")


def _checked_name(school, name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise BusinessRuleError(_("请填写巡查点名称"))
    if len(name) > 60:
        raise BusinessRuleError(_("巡查点名称不能超过 60 个字"))
    clash = CheckPoint.objects.filter(school=school, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise BusinessRuleError(_("本校已有名为“%(name)s”的巡查点") % {"name": name})
    return name


def _checked_place(place: str) -> str:
    place = (place or "").strip()
    if len(place) > 200:
        raise BusinessRuleError(_("位置与说明不能超过 200 个字"))
    return place


@transaction.atomic
def checkpoint_create(
    *, user, school, name: str, place: str = "", is_key_area: bool = False
) -> CheckPoint:
    """A new check point of the school, with a fresh QR token."""
    require(user, "patrol.manage", school.unit)
    return CheckPoint.objects.create(
        school=school,
        name=_checked_name(school, name),
        place=_checked_place(place),
        is_key_area=is_key_area,
    )


@transaction.atomic
def checkpoint_update(*, user, check_point: CheckPoint, **changes) -> CheckPoint:
    """Change the name, place, key-area flag or active flag (deactivating keeps the visits)."""
    require(user, "patrol.manage", check_point.school.unit)
    unknown = set(changes) - set(CHECKPOINT_FIELDS)
    if unknown:
        raise BusinessRuleError(_("不能修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    locked = (
        CheckPoint.objects.select_for_update().select_related("school__unit").get(pk=check_point.pk)
    )
    if "name" in changes:
        changes["name"] = _checked_name(locked.school, changes["name"], exclude_pk=locked.pk)
    if "place" in changes:
        changes["place"] = _checked_place(changes["place"])
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.save()
    return locked


@transaction.atomic
def checkpoint_token_renew(*, user, check_point: CheckPoint) -> CheckPoint:
    """A new QR token for a check point whose printed code was lost or copied: the old code
    stops working at once."""
    require(user, "patrol.manage", check_point.school.unit)
    locked = CheckPoint.objects.select_for_update().get(pk=check_point.pk)
    locked.token = new_token()
    locked.save(update_fields=["token"])
    # The token itself is not kept in the trail (it is the secret); the renewal is.
    audit_event(AuditAction.UPDATE, locked, message=Text(N_("更换二维码，旧二维码作废")))
    return locked


def _checked_position(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        raise BusinessRuleError(_("纬度和经度须同时提供"))
    latitude, longitude = Decimal(str(latitude)), Decimal(str(longitude))
    if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
        raise BusinessRuleError(_("经纬度超出范围"))
    q = Decimal("0.000001")
    return latitude.quantize(q), longitude.quantize(q)


@transaction.atomic
def patrol_record(
    *,
    user,
    check_point: CheckPoint,
    client_key: str | None = None,
    note: str = "",
    visited_at: datetime | None = None,
    latitude=None,
    longitude=None,
    hazard_description: str = "",
    hazard_level: str = HazardLevel.GENERAL,
    photos=(),
) -> tuple[PatrolVisit, bool]:
    """Log a visit of a check point (a scan of its QR code), and the hazard found there if
    any — put on the rectification list with source `patrol`. Answers (visit, created): a
    retried submission with the same client key finds the first visit instead of adding one."""
    school = check_point.school
    require(user, "patrol.scan", school.unit)
    if client_key:
        existing = PatrolVisit.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.user_id != user.pk or existing.check_point_id != check_point.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    if not check_point.active:
        raise BusinessRuleError(_("该巡查点已停用，请联系学校安全负责人"))
    now = timezone.now()
    visited_at = visited_at or now
    if timezone.is_naive(visited_at):  # a phone that sent local time without an offset
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + timedelta(minutes=5):
        raise BusinessRuleError(_("巡查时间不能晚于现在"))
    if visited_at < now - MAX_LATE:
        raise BusinessRuleError(_("只能补记 24 小时以内的巡查"))
    latitude, longitude = _checked_position(latitude, longitude)
    note = (note or "").strip()
    if len(note) > 500:
        raise BusinessRuleError(_("巡查情况不能超过 500 个字"))
    hazard_description = (hazard_description or "").strip()
    photos = list(photos or ())
    if hazard_description:
        if hazard_level not in HazardLevel.values:
            raise BusinessRuleError(_("隐患等级应为“一般隐患”或“重大隐患”"))
        if len(hazard_description) > 1000:
            raise BusinessRuleError(_("隐患描述不能超过 1000 个字"))
    elif photos:
        raise BusinessRuleError(_("上传照片时请同时描述发现的隐患"))
    if len(photos) > MAX_SCAN_PHOTOS:
        raise BusinessRuleError(_("每次最多上传 %(n)d 张照片") % {"n": MAX_SCAN_PHOTOS})
    # Every photo is checked before anything is written, so a bad file leaves no visit, no
    # hazard and no stored image behind.
    for upload in photos:
        image_clean(upload)
        upload.seek(0)
    place = check_point.name + (f"（{check_point.place}）" if check_point.place else "")
    try:
        # A savepoint: two retries racing with the same key meet at the unique constraint,
        # and the second finds the first (its hazard rolled back with it) instead of failing.
        with transaction.atomic():
            hazard = None
            if hazard_description:
                hazard, _created = hazard_report(
                    user=user,
                    school=school,
                    description=hazard_description,
                    level=hazard_level,
                    source=HazardSource.PATROL,
                    place=place[:100],
                    found_at=visited_at,
                )
            visit = PatrolVisit.objects.create(
                check_point=check_point,
                user=user,
                visited_at=visited_at,
                day=timezone.localdate(visited_at),
                note=note,
                hazard=hazard,
                latitude=latitude,
                longitude=longitude,
                client_key=client_key or None,
            )
    except IntegrityError:
        if client_key:
            existing = PatrolVisit.objects.filter(client_key=client_key, user=user).first()
            if existing is not None:
                return existing, False
        raise
    for upload in photos:
        assert hazard is not None  # photos come only with a hazard's description (checked above)
        hazard_photo_add(user=user, hazard=hazard, upload=upload, stage="found")
    return visit, True
