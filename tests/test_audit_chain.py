"""The audit trail is tamper-evident: entries carry the database's time and an HMAC-SM3 chain;
`safecampus audit-verify` finds an edit, a deletion or an insertion made behind the
application's back (triggers disabled, as the owner of the tables could) at the right entry."""

import logging
import stat
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safecampus.audit import chain
from safecampus.audit.models import AuditAction, AuditChain, AuditEntry
from safecampus.audit.services import audit_event
from safecampus.audit.tasks import log_audit_chain_head
from safecampus.core.crypto import key_load, mac

from .audit_tamper import TABLE, broken_at, triggers_off, written


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("audit-verify")
    return str(failed.value)


def test_it_seals_every_entry_in_one_chain_that_verifies(world, capsys):
    entries = written(3)
    world.a1.name = "甲区第一小学（新校区）"
    world.a1.save()  # a signal's entry
    head = AuditChain.objects.get(pk=1)
    assert [e.seq for e in entries] == [entries[0].seq, entries[0].seq + 1, entries[0].seq + 2]
    last = AuditEntry.objects.order_by("-seq").first()
    assert head.seq == last.seq and len(last.mac) == 64
    # The seal is HMAC-SM3 under the key file over the canonical form and the previous seal.
    key = key_load(chain.settings.SAFECAMPUS_AUDIT_KEY_FILE)
    previous = AuditEntry.objects.get(seq=entries[1].seq - 1).mac
    stored = AuditEntry.objects.values("mac", *chain.SEALED_FIELDS).get(pk=entries[1].pk)
    assert stored["mac"] == chain.entry_seal(key, stored, previous)
    assert len(mac(key, b"x")) == 32
    call_command("audit-verify")
    out = capsys.readouterr().out
    assert "审计日志链完好" in out and f"链头 {last.mac}" in out


def test_an_entry_edited_behind_the_back_is_found_at_that_entry(world):
    edited, after = written(2)
    with triggers_off("update") as cursor:
        cursor.execute(f"UPDATE {TABLE} SET message = '无' WHERE id = %s", [edited.pk])
    assert AuditEntry.objects.get(pk=edited.pk).message == "无"
    assert broken_at() == (edited.pk, "内容与签名不符：此条日志被改动")
    message = _verify_fails()
    assert f"日志 #{edited.pk}" in message and "被改动" in message


def test_an_entry_deleted_behind_the_back_is_found_at_the_next_one(world):
    first, deleted, following = written(3)
    with triggers_off("delete") as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [deleted.pk])
    assert broken_at() == (
        following.pk,
        f"此条之前缺少 1 条日志（链序号 {deleted.seq}–{deleted.seq}）：被直接删除",
    )
    assert f"日志 #{following.pk}" in _verify_fails()


def test_an_entry_inserted_behind_the_back_is_found_at_that_entry(world):
    written(2)
    head = AuditChain.objects.get(pk=1)
    forged_mac = "0" * 64
    with connection.cursor() as cursor:
        # A forged entry with the next place in the chain, and the head moved on to it.
        cursor.execute(
            f"INSERT INTO {TABLE} (at, username, action, object_type, object_id, object_repr,"
            " outcome, channel, request_id, message, unit_path, seq, mac)"
            " VALUES (%s, 'ghost', 'login', '', '', '', 'success', 'web', '', '', '', %s, %s)",
            [timezone.now(), head.seq + 1, forged_mac],
        )
        cursor.execute("UPDATE audit_auditchain SET seq = %s WHERE id = 1", [head.seq + 1])
    forged = AuditEntry.objects.get(username="ghost")
    entry_id, problem = broken_at()
    assert entry_id == forged.pk and "签名不符" in problem
    assert f"日志 #{forged.pk}" in _verify_fails()


def test_an_unsealed_entry_inserted_in_the_middle_is_found(world):
    before, _after = written(2)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, username, action, object_type, object_id, object_repr,"
            " outcome, channel, request_id, message, unit_path)"
            " VALUES (%s, %s, 'ghost', 'login', '', '', '', 'success', 'web', '', '', '')",
            [before.pk + 100_000, timezone.now()],
        )
    forged = AuditEntry.objects.get(username="ghost")
    assert broken_at() == (forged.pk, "没有链序号和签名：不是经由平台写入的（直接插入）")


def test_removing_the_newest_entries_and_rewinding_the_head_is_shown_by_the_logged_head(
    world, caplog
):
    written(2)
    with caplog.at_level(logging.INFO, logger="safecampus.audit.chain"):
        log_audit_chain_head.call_local()
    head = AuditChain.objects.get(pk=1)
    last = AuditEntry.objects.get(seq=head.seq)
    assert f"audit chain head: seq={head.seq} mac={last.mac}" in caplog.text
    with triggers_off("delete") as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [last.pk])
    # The head still names the deleted entry: the chain says so.
    assert "链头" in broken_at()[1]
    # Rewound too, the chain is whole again; the logged head (seq, seal) is gone from it.
    previous = AuditEntry.objects.get(seq=head.seq - 1)
    with triggers_off("head", table="audit_auditchain") as cursor:
        cursor.execute("UPDATE audit_auditchain SET seq = %s WHERE id = 1", [previous.seq])
    assert chain.chain_verify().broken is None
    assert not AuditEntry.objects.filter(seq=head.seq, mac=last.mac).exists()


def test_the_database_keeps_the_chain_head_moving_forward(world):
    written(1)
    head = AuditChain.objects.get(pk=1)
    chain.checkpoint_write(seq=0, mac_hex="")
    for sql in (
        "DELETE FROM audit_auditcheckpoint",
        "UPDATE audit_auditchain SET seq = seq - 1 WHERE id = 1",
        "DELETE FROM audit_auditchain",
        "UPDATE audit_auditcheckpoint SET seq = 0",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        for table in ("audit_auditchain", "audit_auditcheckpoint", TABLE):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
    assert AuditChain.objects.get(pk=1).seq == head.seq


def test_backdating_an_entry_does_not_stick(world):
    start = timezone.now() - timedelta(seconds=5)
    backdated = timezone.now() - timedelta(days=400)
    one = AuditEntry(action="login", username="backdated", at=backdated)
    one.save()
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="login", username="backdated", at=backdated) for _ in range(2)]
    )
    stored = list(AuditEntry.objects.filter(username="backdated").values_list("at", flat=True))
    assert len(stored) == 3 and all(at >= start for at in stored)
    assert chain.chain_verify().broken is None
    # Behind the application's back: PostgreSQL writes its own time, SQLite refuses.
    insert = (
        f"INSERT INTO {TABLE} (at, username, action, object_type, object_id, object_repr,"
        " outcome, channel, request_id, message, unit_path)"
        " VALUES (%s, 'raw', 'login', '', '', '', 'success', 'web', '', '', '')"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(insert, [backdated])
        assert AuditEntry.objects.get(username="raw").at >= start
        # ... and young, the forged entry cannot be deleted again.
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE username = 'raw'")
        assert AuditEntry.objects.filter(username="raw").count() == 1
    else:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert, [backdated])
        assert not AuditEntry.objects.filter(username="raw").exists()


def test_without_the_key_nothing_iswritten(world, settings, tmp_path):
    settings.SAFECAMPUS_AUDIT_KEY_FILE = tmp_path / "missing"
    count = AuditEntry.objects.count()
    with pytest.raises(ImproperlyConfigured, match="safecampus audit-key"):
        written(1)
    assert AuditEntry.objects.count() == count


def test_the_key_command_creates_a_private_key_once(settings, tmp_path, capsys):
    settings.SAFECAMPUS_AUDIT_KEY_FILE = path = tmp_path / "keys" / "audit_key"
    call_command("audit-key")
    key = key_load(path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    call_command("audit-key")
    assert key_load(path) == key
    out = capsys.readouterr().out
    assert "已生成审计日志密钥" in out and "已存在，未改动" in out


def test_the_deploy_check_names_a_missing_or_readable_key(settings, tmp_path):
    from safecampus.audit.checks import audit_key_file

    settings.SAFECAMPUS_AUDIT_KEY_FILE = path = tmp_path / "audit_key"
    assert [m.id for m in audit_key_file()] == ["safecampus.E101"]
    call_command("audit-key")
    assert audit_key_file() == []
    path.chmod(0o644)
    assert [m.id for m in audit_key_file()] == ["safecampus.W101"]


def test_the_crypto_interface_is_sm3():
    """GB/T 32905-2016 appendix A: SM3("abc"); HMAC per RFC 2104 over it."""
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )

    def sm3(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    key = bytes(range(32)).ljust(64, b"\0")  # SM3's block is 64 bytes
    inner = sm3(bytes(k ^ 0x36 for k in key) + b"abc")
    assert mac(bytes(range(32)), b"abc") == sm3(bytes(k ^ 0x5C for k in key) + inner)


def test_entries_held_back_are_appended_at_the_end_of_the_block_in_order(world):
    before = AuditChain.objects.get(pk=1).seq
    with transaction.atomic():
        with chain.chain_deferred():
            first = audit_event(AuditAction.EXPORT, message="第一条")
            with chain.chain_deferred():  # nested: the outer block appends
                second = audit_event(AuditAction.EXPORT, message="第二条")
            assert first.pk is None and second.pk is None
            assert AuditChain.objects.get(pk=1).seq == before  # the head is not locked yet
        assert (first.seq, second.seq) == (before + 1, before + 2)
        assert AuditChain.objects.get(pk=1).seq == before + 2
    assert chain.chain_verify().broken is None


def test_an_error_in_the_block_drops_the_entries_held_back(world):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), chain.chain_deferred():
        audit_event(AuditAction.EXPORT, message="不应写入")
        raise RuntimeError("写入失败")
    assert AuditEntry.objects.count() == before
    audit_event(AuditAction.EXPORT, message="之后的日志")  # the thread holds nothing back now
    assert AuditEntry.objects.filter(message="之后的日志").exists()
    assert chain.chain_verify().broken is None


def test_an_import_does_not_lock_the_chain_head_while_it_writes(world, tmp_path, monkeypatch):
    """On PostgreSQL the head is locked from the UPDATE that moves it to the commit: an
    import moving it at its first row would hold every other writer's entries (an alarm's)
    for the whole write (bench/audit_chain.py --long-writer measures that wait)."""
    from safecampus.orgs import excel
    from safecampus.orgs.importers import SchoolImporter

    heads_while_writing: list[int] = []
    write = SchoolImporter.write

    def write_and_look(self, rows):
        result = write(self, rows)  # the rows are written, their entries held back
        heads_while_writing.append(AuditChain.objects.get(pk=1).seq)
        return result

    monkeypatch.setattr(SchoolImporter, "write", write_and_look)
    book = tmp_path / "schools.xlsx"
    book.write_bytes(
        excel.workbook_bytes(
            [["TA10", "甲区第二小学", "甲区", "小学", "公办", "否", 820, 0, 60, "", None, None]]
        )
    )
    before = AuditChain.objects.get(pk=1).seq
    call_command("import_schools", str(book), "--user", "district_a")
    assert heads_while_writing == [before]
    written = list(
        AuditEntry.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    )
    assert written[-1] == "import" and "create" in written  # the rows', then the import's
    assert before + len(written) == AuditChain.objects.get(pk=1).seq
    assert chain.chain_verify().broken is None
