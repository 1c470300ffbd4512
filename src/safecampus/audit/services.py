"""Writes to the audit trail. Called by the signals, the audited querysets and the services
that record reads, exports, logins and other events."""

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from safecampus.core.texts import Text

from .context import Actor, current_actor, suppressed
from .models import AuditAction, AuditEntry, AuditOutcome

logger = logging.getLogger(__name__)

# AuditEntry.message; each text parameter of a stored message is cut to it too.
MESSAGE_LENGTH = 500

# The audited field values of one record, as JSON data (field name -> value of any JSON type).
Snapshot = dict[str, Any]


def _fields(model: type[models.Model]) -> list[str]:
    # Declared by every audited model (AuditedModel, and the user, which sets it itself);
    # they share no base class for it.
    fields: list[str] | None = getattr(model, "audit_fields")  # noqa: B009
    if fields is not None:
        return fields
    return [f.attname for f in model._meta.concrete_fields]


def audit_snapshot(obj: models.Model) -> Snapshot:
    """The audited field values of obj, as JSON-safe data."""
    data = {name: getattr(obj, name) for name in _fields(type(obj))}
    # Files are recorded by their stored name.
    data = {k: (v.name if isinstance(v, FieldFile) else v) for k, v in data.items()}
    snapshot: Snapshot = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return snapshot


def audit_snapshot_many(model: type[models.Model], pks: Iterable[object]) -> dict[object, Snapshot]:
    """The snapshots of the rows of `model` with these primary keys, by primary key."""
    return {o.pk: audit_snapshot(o) for o in model._base_manager.filter(pk__in=list(pks))}


def _unit_of(obj: models.Model) -> tuple[int | None, str]:
    """The org node an object belongs to: its model's `audit_unit()`, or its scope path."""
    audit_unit: Callable[[], tuple[int | None, str]] | None = getattr(obj, "audit_unit", None)
    if audit_unit is not None:
        return audit_unit()
    lookup: str | None = getattr(type(obj), "scope_path", None)
    if lookup is None:
        return None, ""
    target: object = obj
    parts = lookup.split("__")
    for part in parts[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return None, ""
    return getattr(target, "pk", None), getattr(target, parts[-1], "") or ""


def _entry(action: str, obj: models.Model | None = None, **fields: object) -> AuditEntry:
    actor = current_actor()
    values: dict[str, object] = {
        "user_id": actor.user_id,
        "username": actor.username,
        "ip": actor.ip,
        "channel": actor.channel,
        "request_id": actor.request_id,
        "action": action,
    }
    if obj is not None:
        unit_id, unit_path = _unit_of(obj)
        values.update(
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            unit_id=unit_id,
            unit_path=unit_path,
        )
    values.update(fields)
    if not values.get("unit_path"):
        values["unit_id"], values["unit_path"] = _actor_unit(actor)
    return AuditEntry(**values)


def _actor_unit(actor: Actor) -> tuple[int | None, str]:
    """Where an event without an org unit of its own (a login, an import) is filed: looked
    up once per actor by the installed lookup (see `actor_units_from`)."""
    if actor.unit is None:
        actor.unit = _actor_units(actor.user_id) if _actor_units is not None else (None, "")
    return actor.unit


# The trail sits below the org tree and the role assignments (every app writes to it), so it
# cannot look them up itself: the accounts app installs the lookup at start-up.
_actor_units: Callable[[int | None], tuple[int | None, str]] | None = None


def actor_units_from(lookup: Callable[[int | None], tuple[int | None, str]]) -> None:
    """Install `lookup(user_id) -> (unit id, unit path)`: the unit an actor's events without a
    unit of their own are filed under (their highest assigned unit, else the root of the tree),
    so that the auditors of that unit see them."""
    global _actor_units
    _actor_units = lookup


def _suppressed() -> bool:
    return suppressed.get() is not None


def audit_created(objs: Iterable[models.Model]) -> None:
    if _suppressed():
        return
    AuditEntry.objects.bulk_create(
        [_entry(AuditAction.CREATE, o, after=audit_snapshot(o)) for o in objs], batch_size=500
    )


def audit_updated(objs: Iterable[models.Model], before: dict[object, Snapshot]) -> None:
    if _suppressed():
        return
    entries = []
    for obj in objs:
        old, new = before.get(obj.pk, {}), audit_snapshot(obj)
        changed = [k for k in new if old.get(k) != new[k]]
        if changed:
            entries.append(
                _entry(
                    AuditAction.UPDATE,
                    obj,
                    before={k: old.get(k) for k in changed},
                    after={k: new[k] for k in changed},
                )
            )
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def audit_deleted(obj: models.Model, before: Snapshot) -> None:
    if not _suppressed():
        _entry(AuditAction.DELETE, obj, before=before).save()


def audit_event(
    action: str,
    obj: models.Model | None = None,
    *,
    outcome: str = AuditOutcome.SUCCESS,
    message: Text | str = "",
    **fields: object,
) -> AuditEntry:
    """Record an event that is not a plain change: a read, an export, a login, an import.
    `message` is a Text (shown in each reader's language) or plain text shown as written."""
    if isinstance(message, Text):
        fields["message_i18n"] = message.to_json(cap=MESSAGE_LENGTH)
        message = message.stored()
    entry = _entry(action, obj, outcome=outcome, message=message[:MESSAGE_LENGTH], **fields)
    entry.save()
    return entry


@contextmanager
def audit_suppressed(summary: Text | str) -> Iterator[None]:
    """Bulk seeding (demo generation): one summary entry instead of one per row."""
    token = suppressed.set(str(summary))
    try:
        yield
    finally:
        suppressed.reset(token)
    audit_event(AuditAction.GENERATE, message=summary)


def audit_entries_prune(*, now: datetime | None = None) -> int:
    """Delete the entries older than the retention setting, never one younger than the legal
    floor whatever the setting says (an override below it would otherwise run into the
    database's refusal and prune nothing at all), keeping the chain verifiable: only a prefix
    of the chain goes — up to the first entry that is still young, so an old entry written
    after a young one waits for the next night — and a sealed checkpoint records the seal of
    the last entry deleted, where the verifier starts."""
    from .chain import audit_key, chain_head_lock, checkpoint_write

    days = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_MIN_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    audit_key()  # no key, no purge: the checkpoint could not be sealed
    table = AuditEntry._meta.db_table
    with transaction.atomic():
        head_seq = chain_head_lock("default")
        young = AuditEntry.objects.filter(seq__isnull=False, at__gte=cutoff).aggregate(
            first=models.Min("seq")
        )["first"]
        boundary = young if young is not None else head_seq + 1
        last = (
            AuditEntry.objects.filter(seq__lt=boundary)
            .order_by("-seq")
            .values_list("seq", "mac")
            .first()
        )
        with connection.cursor() as cursor:
            # Entries from before the chain (seq null) go by their time alone.
            cursor.execute(
                f"DELETE FROM {table} WHERE seq < %s OR (seq IS NULL AND at < %s)",  # noqa: S608
                [boundary, cutoff],
            )
            deleted: int = cursor.rowcount
        if last is not None and last[0] is not None:
            checkpoint_write(seq=last[0], mac_hex=last[1] or "")
        audit_event(
            AuditAction.PRUNE,
            message=Text(
                N_("清理 %(count)s 条早于 %(day)s 的审计日志"),
                count=deleted,
                day=f"{timezone.localtime(cutoff):%Y-%m-%d}",  # the reader's (Beijing) date
            ),
        )
    logger.info("pruned %s audit entries older than %s", deleted, cutoff)
    return deleted
