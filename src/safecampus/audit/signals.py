"""Single saves and deletes of audited models (AuditedModel subclasses, and models that set
`audited = True` themselves, like the user) go to the audit trail."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from .services import (
    audit_created,
    audit_deleted,
    audit_snapshot,
    audit_snapshot_many,
    audit_updated,
)


def _audited(sender) -> bool:
    return getattr(sender, "audited", False) is True


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if _audited(sender) and not raw and instance.pk is not None and not instance._state.adding:
        instance._audit_before = audit_snapshot_many(sender, [instance.pk])


@receiver(post_save)
def _record_save(sender, instance, created, raw=False, **kwargs):
    if not _audited(sender) or raw:
        return
    if created:
        audit_created([instance])
    else:
        audit_updated([instance], getattr(instance, "_audit_before", {}))
    instance.__dict__.pop("_audit_before", None)


@receiver(pre_delete)
def _remember_deleted(sender, instance, **kwargs):
    if _audited(sender):
        instance._audit_deleted = audit_snapshot(instance)


@receiver(post_delete)
def _record_delete(sender, instance, **kwargs):
    if _audited(sender):
        audit_deleted(instance, getattr(instance, "_audit_deleted", {}))
