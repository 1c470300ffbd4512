"""The retention purge keeps the audit chain verifiable: it deletes a prefix of the chain and
writes a sealed checkpoint, where the verifier starts.

The entries cannot be backdated, so these tests purge as if a year had passed (`now=`): the
entries written today are the old ones, and entries sealed with a clock a year ahead are the
young ones. The database's own guard (no delete before 183 days, by its real clock) is set
aside for that; test_audit.py tests it."""

from datetime import timedelta

from django.utils import timezone

from safecampus.audit import chain
from safecampus.audit.context import Actor, acting_as
from safecampus.audit.models import AuditCheckpoint, AuditEntry
from safecampus.audit.services import audit_entries_prune

from .audit_tamper import TABLE, broken_at, entries_at, triggers_off, written

A_YEAR = 365


def _prune_a_year_later() -> int:
    with acting_as(Actor(channel="task", username="system")), triggers_off("delete"):
        return audit_entries_prune(now=timezone.now() + timedelta(days=A_YEAR))


def test_prune_keeps_the_chain_verifiable_from_its_checkpoint(db, settings):
    settings.AUDIT_RETENTION_DAYS = 190
    old = written(3)
    young = entries_at(2, days=A_YEAR)
    count = AuditEntry.objects.count()
    up_to_old = AuditEntry.objects.filter(seq__lte=old[-1].seq).count()

    deleted = _prune_a_year_later()

    assert deleted == up_to_old
    assert AuditEntry.objects.count() == count - deleted + 1  # the purge's own entry
    assert not AuditEntry.objects.filter(seq__lte=old[-1].seq).exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.mac) == (old[-1].seq, old[-1].mac)
    report = chain.chain_verify()
    assert report.broken is None and report.start_seq == old[-1].seq + 1
    assert report.checked == count - deleted + 1
    # The first remaining entry, deleted behind the back, is found at the one after it.
    with triggers_off("delete") as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [young[0].pk])
    assert broken_at()[0] == young[1].pk


def test_prune_takes_only_a_prefix_of_the_chain(db, settings):
    """An old entry sealed after a young one waits: deleting it would cut the chain."""
    settings.AUDIT_RETENTION_DAYS = 190
    first_old = written(1)
    young = entries_at(1, days=A_YEAR)
    late_old = written(1)
    _prune_a_year_later()
    assert not AuditEntry.objects.filter(pk=first_old[0].pk).exists()
    assert AuditEntry.objects.filter(pk__in=[young[0].pk, late_old[0].pk]).count() == 2
    assert chain.chain_verify().broken is None


def test_a_tampered_checkpoint_is_found(db, settings):
    settings.AUDIT_RETENTION_DAYS = 190
    written(1)
    entries_at(1, days=A_YEAR)
    _prune_a_year_later()
    checkpoint = AuditCheckpoint.objects.get()
    with triggers_off("checkpoint", table="audit_auditcheckpoint") as cursor:
        cursor.execute("UPDATE audit_auditcheckpoint SET seq = seq + 1")
    assert broken_at() == (None, f"检查点 #{checkpoint.pk} 的签名不符：检查点被篡改")
