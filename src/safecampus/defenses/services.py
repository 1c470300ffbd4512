"""Writes of the staffing and physical defenses. Each is one transaction, checks the action at
the record's school (`require`), validates the record as its model does (the same rules for
the page, the API and the import) and leaves its audit entry through `AuditedModel`."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import require
from safecampus.core.errors import BusinessRuleError, model_errors

from .models import (
    CampusSecurity,
    EntryRecord,
    Equipment,
    EquipmentChange,
    GatePost,
    GatePostDuty,
    GatePostSignIn,
    Guard,
)


def _validated(record, exclude=None) -> None:
    try:
        record.full_clean(exclude=exclude, validate_unique=True)
    except ValidationError as exc:
        raise model_errors(exc, type(record)) from None


def _school_unit(record):
    post = getattr(record, "post", None)
    return (post.school if post is not None else record.school).unit


@transaction.atomic
def record_save(*, user, record, action: str = "defense.manage"):
    """Create or update a guard, gate post, duty, equipment row or closure record of a school."""
    require(user, action, _school_unit(record))
    if isinstance(record, Guard):
        _guard_dates(record)
    _validated(record)
    record.save()
    return record


def _guard_dates(guard: Guard) -> None:
    """A guard's coming and going, dated by the day it is recorded (unless given): the
    staffing of a past day is read from these."""
    today = timezone.localdate()
    if guard._state.adding and guard.hired_on is None:
        guard.hired_on = today
    if not guard.active and guard.left_on is None:
        guard.left_on = today
    elif guard.active:
        guard.left_on = None


@transaction.atomic
def record_delete(*, user, record) -> None:
    """Remove a roster entry or an equipment row (guards and gate posts are deactivated
    instead, so that their history stays readable)."""
    require(user, "defense.manage", _school_unit(record))
    if not isinstance(record, (GatePostDuty, Equipment)):
        raise BusinessRuleError(_("保安员和护学岗不删除，请设为不在岗/停用"))
    if isinstance(record, Equipment):
        _equipment_changed(record.school_id, record.kind, -record.quantity)
    record.delete()


def _equipment_changed(school_id: int, kind: str, change: int) -> None:
    if change:
        EquipmentChange.objects.create(
            school_id=school_id, kind=kind, on=timezone.localdate(), change=change
        )


@transaction.atomic
def equipment_set(*, user, school, kind: str, quantity: int, last_checked_on=None, note=""):
    """The school's count of one kind of equipment (one row per kind)."""
    record = Equipment.objects.filter(school=school, kind=kind).first() or Equipment(
        school=school, kind=kind
    )
    before = 0 if record._state.adding else record.quantity
    record.quantity, record.last_checked_on, record.note = quantity, last_checked_on, note
    record = record_save(user=user, record=record)
    _equipment_changed(school.pk, kind, record.quantity - before)
    return record


@transaction.atomic
def security_set(*, user, school, **flags) -> CampusSecurity:
    """Record the school's closed-campus management and perimeter (one row per school)."""
    record = CampusSecurity.objects.filter(school=school).first() or CampusSecurity(school=school)
    for name, value in flags.items():
        setattr(record, name, bool(value))
    return record_save(user=user, record=record)


@transaction.atomic
def gate_post_sign_in(
    *, user, post: GatePost, client_key: str | None = None, on_date: date | None = None
) -> tuple[GatePostSignIn, bool]:
    """Sign in at a gate post today. Answers (sign-in, created): a retry with the same client
    key, or a second sign-in by the same person at the same post on the same day, finds the
    first instead of adding another."""
    require(user, "gatepost.sign", post.school.unit)
    today = timezone.localdate()
    on_date = on_date or today
    if client_key:
        existing = GatePostSignIn.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.user_id != user.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    if on_date != today:
        raise BusinessRuleError(_("只能为当天签到"))
    if not post.active:
        raise BusinessRuleError(_("该护学岗已停用"))
    existing = GatePostSignIn.objects.filter(post=post, on_date=on_date, user=user).first()
    if existing is not None:
        return existing, False
    try:
        # A savepoint: two retries racing meet at a unique constraint; the second finds the first.
        with transaction.atomic():
            sign_in = GatePostSignIn.objects.create(
                post=post,
                on_date=on_date,
                period=post.period,
                user=user,
                name=(user.full_name or user.username)[:150],
                client_key=client_key or None,
            )
    except IntegrityError:
        existing = GatePostSignIn.objects.filter(post=post, on_date=on_date, user=user).first()
        if existing is None:
            raise
        return existing, False
    return sign_in, True


@transaction.atomic
def entry_register(
    *,
    user,
    school,
    visitor_name: str,
    id_last4: str,
    reason: str,
    host: str,
    entered_at=None,
    client_key: str | None = None,
) -> tuple[EntryRecord, bool]:
    """Register a visitor's entry (only the last four ID characters are kept). Idempotent by
    client key."""
    require(user, "visitor.register", school.unit)
    if client_key:
        existing = EntryRecord.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.recorded_by_id != user.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    entered_at = entered_at or timezone.now()
    if entered_at > timezone.now() + timedelta(minutes=5):
        raise BusinessRuleError(_("进校时间不能晚于现在"))
    record = EntryRecord(
        school=school,
        visitor_name=visitor_name.strip(),
        id_last4=id_last4.strip().upper(),
        reason=reason.strip(),
        host=host.strip(),
        entered_at=entered_at,
        recorded_by=user,
        client_key=client_key or None,
    )
    _validated(record, exclude=["client_key"])
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = EntryRecord.objects.filter(client_key=client_key, recorded_by=user).first()
        if client_key and existing is not None:
            return existing, False
        raise
    return record, True


@transaction.atomic
def entry_leave(*, user, entry: EntryRecord, left_at=None) -> EntryRecord:
    """Record the visitor's exit (once)."""
    require(user, "visitor.register", entry.school.unit)
    locked = EntryRecord.objects.select_for_update().get(pk=entry.pk)
    if locked.left_at is not None:
        raise BusinessRuleError(_("该来访人已登记离校"))
    locked.left_at = left_at or timezone.now()
    _validated(locked, exclude=["client_key"])
    locked.save()
    return locked
