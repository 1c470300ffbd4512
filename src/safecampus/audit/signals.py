"""Single saves and deletes of audited models (AuditedModel subclasses, and models that set
`audited = True` themselves, like the user) go to the audit trail."""

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from .services import (
    audit_created,
    audit_deleted,
    audit_snapshot,
    audit_snapshot_many,
    audit_updated,
)


def _audited(sender: type[models.Model]) -> bool:
    return getattr(sender, "audited", False) is True


# The snapshots taken before a write are kept on the instance until the write is recorded.
@receiver(pre_save)
def _remember_before(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: object
) -> None:
    if _audited(sender) and not raw and instance.pk is not None and not instance._state.adding:
        before = audit_snapshot_many(sender, [instance.pk])
        setattr(instance, "_audit_before", before)  # noqa: B010 - not a field of the model


@receiver(post_save)
def _record_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool = False,
    **kwargs: object,
) -> None:
    if not _audited(sender) or raw:
        return
    if created:
        audit_created([instance])
    else:
        audit_updated([instance], getattr(instance, "_audit_before", {}))
    instance.__dict__.pop("_audit_before", None)


@receiver(pre_delete)
def _remember_deleted(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    if _audited(sender):
        setattr(instance, "_audit_deleted", audit_snapshot(instance))  # noqa: B010 - as above


@receiver(post_delete)
def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    if _audited(sender):
        audit_deleted(instance, getattr(instance, "_audit_deleted", {}))
