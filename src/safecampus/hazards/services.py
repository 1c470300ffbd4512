"""The rectification workflow. Every step is one transaction: the state change, its event on
the timeline and its audit entry, or nothing; an illegal step is refused in words."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import Permission, can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.rules.selectors import effective_rule_set

from .choices import HazardAction, HazardLevel, HazardStatus
from .models import Hazard, HazardEvent
from .workflow import hazard_workflow, works_on

REPORT = Permission.of("hazard.report")


def default_deadline(school, level: str, found_at: datetime):
    """The deadline the school's rule set gives a hazard of this level."""
    rules = effective_rule_set("hazard_deadline", school.unit).rules
    days = rules.major_days if level == HazardLevel.MAJOR else rules.general_days
    return timezone.localtime(found_at).date() + timedelta(days=days)


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
    permission: Permission = REPORT,
) -> tuple[Hazard, bool]:
    """Put a hazard on the school's rectification list. Answers (hazard, created): a retried
    report with the same client key finds the first one instead of adding a second.
    `permission` is the rule the reporter is checked against: `hazard.report` at the school,
    or one the caller names (a check's team reports from outside the school's scope,
    inspections.services.TEAM_FINDING). `user=None` is the platform's own finding (a device
    fault left unfixed): no person reports it, so no person's right applies."""
    if user is not None:
        permission.require(user, school.unit)
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
    HazardEvent.objects.create(
        hazard=hazard, by=user, action=HazardAction.REPORT, to_status=hazard.status
    )
    return hazard, True


@transaction.atomic
def hazard_assign(*, user, hazard: Hazard, owner, deadline=None, note: str = "") -> Hazard:
    hazard_workflow.require(user, hazard, HazardAction.ASSIGN)
    if not can(owner, "hazard.view", hazard.school.unit) or not owner.is_active:
        raise BusinessRuleError(_("整改责任人须是该校（或上级）在岗的用户"))
    if deadline is not None and deadline < timezone.localdate():
        raise BusinessRuleError(_("整改期限不能早于今天"))
    return hazard_workflow.take(
        hazard,
        HazardAction.ASSIGN,
        by=user,
        note=note,
        owner=owner,
        deadline=deadline or hazard.deadline,
    )


@transaction.atomic
def hazard_start(
    *, user, hazard: Hazard, plan: str, measures: str, money: Decimal | None = None
) -> Hazard:
    hazard_workflow.require(user, hazard, HazardAction.START)
    if not plan.strip() or not measures.strip():
        raise BusinessRuleError(_("请填写整改方案和整改措施"))
    if money is not None and money < 0:
        raise BusinessRuleError(_("整改资金不能为负数"))
    return hazard_workflow.take(
        hazard,
        HazardAction.START,
        by=user,
        plan=plan.strip(),
        measures=measures.strip(),
        money=money,
    )


@transaction.atomic
def hazard_submit(*, user, hazard: Hazard, result: str) -> Hazard:
    hazard_workflow.require(user, hazard, HazardAction.SUBMIT)
    if not result.strip():
        raise BusinessRuleError(_("请填写整改结果"))
    return hazard_workflow.take(hazard, HazardAction.SUBMIT, by=user, result=result.strip())


@transaction.atomic
def hazard_verify(*, user, hazard: Hazard, accept: bool, note: str = "") -> Hazard:
    """Accept the rectification (the hazard is closed) or send it back with the reason."""
    if accept:
        return hazard_workflow.take(
            hazard, HazardAction.ACCEPT, by=user, note=note, closed_at=timezone.now()
        )
    hazard_workflow.require(user, hazard, HazardAction.REJECT)
    if not note.strip():
        raise BusinessRuleError(_("退回整改须说明原因"))
    return hazard_workflow.take(hazard, HazardAction.REJECT, by=user, note=note)


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
    return hazard_workflow.take(
        hazard,
        HazardAction.SUPERVISE,
        by=user,
        note=note or _("督办期限 %(d)s") % {"d": deadline},
        supervised_by=unit,
        supervisor=supervisor or user,
        supervision_deadline=deadline,
    )


MAX_PHOTOS = 9


@transaction.atomic
def hazard_photo_add(*, user, hazard: Hazard, upload, stage: str = "found"):
    """Attach a photo (re-encoded, metadata stripped). The reporter and the school's people who
    work the hazard may add photos until it is closed."""
    from django.core.files.base import ContentFile

    from safecampus.core.images import image_clean

    from .models import HazardPhoto

    if not works_on(user, hazard):
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
