"""The rectification workflow. Every step is one transaction: the state change, its event on
the timeline and its audit entry, or nothing; an illegal step is refused in words."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.rules.selectors import effective_rule_set

from .choices import TRANSITIONS, HazardAction, HazardLevel, HazardStatus
from .flows import hazard_step_notify
from .models import Hazard, HazardEvent


def default_deadline(school, level: str, found_at: datetime):
    """The deadline the school's rule set gives a hazard of this level."""
    rules = effective_rule_set("hazard_deadline", school.unit).rules
    days = rules.major_days if level == HazardLevel.MAJOR else rules.general_days
    return timezone.localtime(found_at).date() + timedelta(days=days)


def _event(hazard: Hazard, user, action: str, from_status: str, note: str = "") -> HazardEvent:
    return HazardEvent.objects.create(
        hazard=hazard,
        by=user if getattr(user, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        note=note[:1000],
    )


@transaction.atomic
def hazard_report(
    *,
    user,
    school,
    description: str,
    level: str = HazardLevel.GENERAL,
    source: str,
    place: str = "",
    aspect=None,
    catalog_point=None,
    found_at: datetime | None = None,
    client_key: str | None = None,
    authorized_by_inspection: bool = False,
) -> tuple[Hazard, bool]:
    """Put a hazard on the school's rectification list. Answers (hazard, created): a retried
    report with the same client key finds the first one instead of adding a second. A
    cross-district inspector reports from outside the school's scope: the inspection service
    has checked them as a member of that inspection's team. `user=None` is the platform's own
    finding (a device fault left unfixed): no person reports it, so no person's right applies."""
    if user is not None and not authorized_by_inspection:
        require(user, "hazard.report", school.unit)
    if client_key:
        existing = Hazard.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.found_by_id != (user.pk if user is not None else None):
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    if not description.strip():
        raise BusinessRuleError(_("请描述隐患"))
    found_at = found_at or timezone.now()
    if found_at > timezone.now() + timedelta(minutes=5):
        raise BusinessRuleError(_("发现时间不能晚于现在"))
    try:
        # A savepoint: two retries racing with the same key meet at the unique constraint,
        # and the second finds the first instead of failing.
        with transaction.atomic():
            hazard = Hazard.objects.create(
                school=school,
                district=school.district,
                description=description.strip(),
                level=level,
                source=source,
                place=place,
                aspect=aspect,
                catalog_point=catalog_point,
                found_at=found_at,
                found_by=user,
                deadline=default_deadline(school, level, found_at),
                client_key=client_key or None,
            )
    except IntegrityError:
        if client_key:
            existing = Hazard.objects.filter(client_key=client_key, found_by=user).first()
            if existing is not None:
                return existing, False
        raise
    _event(hazard, user, HazardAction.REPORT, "")
    return hazard, True


def _move(hazard: Hazard, action: str, user, note: str = "", **changes) -> Hazard:
    """Apply one workflow step after checking the hazard is in the state it starts from."""
    start, end = TRANSITIONS[action]
    locked = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if locked.status != start:
        raise BusinessRuleError(
            _("当前状态为“%(now)s”，不能执行“%(action)s”（需处于“%(need)s”）")
            % {
                "now": locked.get_status_display(),
                "action": HazardAction(action).label,
                "need": HazardStatus(start).label,
            }
        )
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.status = end
    locked.save()
    _event(locked, user, action, start, note)
    hazard_step_notify(locked, action)
    return locked


def _require_rectifier(user, hazard: Hazard) -> None:
    """The owner rectifies; so may whoever manages hazards at the school."""
    if hazard.owner_id != user.pk and not can(user, "hazard.manage", hazard.school.unit):
        raise PermissionDenied


@transaction.atomic
def hazard_assign(*, user, hazard: Hazard, owner, deadline=None, note: str = "") -> Hazard:
    require(user, "hazard.manage", hazard.school.unit)
    if not can(owner, "hazard.view", hazard.school.unit) or not owner.is_active:
        raise BusinessRuleError(_("整改责任人须是该校（或上级）在岗的用户"))
    if deadline is not None and deadline < timezone.localdate():
        raise BusinessRuleError(_("整改期限不能早于今天"))
    return _move(
        hazard, HazardAction.ASSIGN, user, note, owner=owner, deadline=deadline or hazard.deadline
    )


@transaction.atomic
def hazard_start(
    *, user, hazard: Hazard, plan: str, measures: str, money: Decimal | None = None
) -> Hazard:
    _require_rectifier(user, hazard)
    if not plan.strip() or not measures.strip():
        raise BusinessRuleError(_("请填写整改方案和整改措施"))
    if money is not None and money < 0:
        raise BusinessRuleError(_("整改资金不能为负数"))
    return _move(
        hazard, HazardAction.START, user, plan=plan.strip(), measures=measures.strip(), money=money
    )


@transaction.atomic
def hazard_submit(*, user, hazard: Hazard, result: str) -> Hazard:
    _require_rectifier(user, hazard)
    if not result.strip():
        raise BusinessRuleError(_("请填写整改结果"))
    return _move(hazard, HazardAction.SUBMIT, user, result=result.strip())


@transaction.atomic
def hazard_verify(*, user, hazard: Hazard, accept: bool, note: str = "") -> Hazard:
    """Accept the rectification (the hazard is closed) or send it back with the reason."""
    require(user, "hazard.manage", hazard.school.unit)
    if accept:
        return _move(hazard, HazardAction.ACCEPT, user, note, closed_at=timezone.now())
    if not note.strip():
        raise BusinessRuleError(_("退回整改须说明原因"))
    return _move(hazard, HazardAction.REJECT, user, note)


@transaction.atomic
def hazard_supervise(
    *, user, hazard: Hazard, unit, deadline, supervisor=None, note: str = ""
) -> Hazard:
    """Put a major hazard under listed supervision (挂牌督办) of a district or the city."""
    require(user, "hazard.supervise", unit)
    if not hazard.school.unit.path.startswith(unit.path) or unit.kind not in (
        "district",
        "city",
        "province",
    ):
        raise BusinessRuleError(_("督办单位须是该校所属的区市或市"))
    if hazard.level != HazardLevel.MAJOR:
        raise BusinessRuleError(_("只有重大隐患才挂牌督办"))
    if hazard.status == HazardStatus.CLOSED:
        raise BusinessRuleError(_("已销号的隐患无需督办"))
    locked = Hazard.objects.select_for_update().get(pk=hazard.pk)
    locked.supervised_by, locked.supervisor, locked.supervision_deadline = (
        unit,
        supervisor or user,
        deadline,
    )
    locked.save()
    _event(
        locked,
        user,
        HazardAction.SUPERVISE,
        locked.status,
        note or _("督办期限 %(d)s") % {"d": deadline},
    )
    hazard_step_notify(locked, HazardAction.SUPERVISE)
    return locked


MAX_PHOTOS = 9


@transaction.atomic
def hazard_photo_add(*, user, hazard: Hazard, upload, stage: str = "found"):
    """Attach a photo (re-encoded, metadata stripped). The reporter and the school's people who
    work the hazard may add photos until it is closed."""
    from django.core.files.base import ContentFile

    from safecampus.core.images import image_clean

    from .models import HazardPhoto

    if not (
        hazard.found_by_id == user.pk
        or hazard.owner_id == user.pk
        or can(user, "hazard.manage", hazard.school.unit)
    ):
        raise PermissionDenied
    if stage not in ("found", "result"):
        raise BusinessRuleError(_("照片阶段应为“发现时”或“整改后”"))
    if hazard.status == HazardStatus.CLOSED:
        raise BusinessRuleError(_("已销号的隐患不能再添加照片"))
    if hazard.photos.count() >= MAX_PHOTOS:
        raise BusinessRuleError(_("每处隐患最多 %(n)d 张照片") % {"n": MAX_PHOTOS})
    clean = image_clean(upload)
    photo = HazardPhoto(
        hazard=hazard, stage=stage, width=clean.width, height=clean.height, uploaded_by=user
    )
    photo.image.save(f"{hazard.pk}-{stage}.jpg", ContentFile(clean.data), save=False)
    photo.save()
    return photo
