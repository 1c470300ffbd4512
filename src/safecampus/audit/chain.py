"""The audit trail as a tamper-evident chain (等保 level 3: audit records protected from change).

Every entry is stamped with the database's time and sealed: `mac` = HMAC-SM3 (core/crypto.py)
over a canonical serialisation of its fields, its place in the chain (`seq`) and the previous
entry's seal. The key lives in a file (SAFECAMPUS_AUDIT_KEY_FILE), not in the database, so
whoever edits, inserts or deletes rows behind the application's back — even with the triggers
disabled — cannot reseal them, and `chain_verify` names the first broken link.

Appends are serialised by moving the one-row chain head on (an UPDATE, which locks the row on
PostgreSQL; SQLite serialises writers itself) inside the writing transaction, so that entries
written by many processes form one chain. The lock is held until that transaction ends, so a
long writer (an import of 1,600 schools) would hold up every other writer's entries — a
guard's alarm among them — for as long as it writes: such writers hold their entries back
(`chain_deferred`) and append them all at their end, in one short step before their commit.

What the chain cannot show by itself: the removal of the newest entries together with a
rewind of the head. The head is therefore written to the log every day (tasks.py) and by
`safecampus audit-verify`; a head in an old log that is no longer in the chain is the sign.

The retention purge deletes a prefix of the chain and writes a sealed checkpoint (the seal of
the last deleted entry); the verifier starts from the latest checkpoint.
"""

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction

from safecampus.core.crypto import KeyFileError, key_load, mac, mac_equal

from .models import AuditChain, AuditCheckpoint, AuditEntry

logger = logging.getLogger(__name__)

ENTRY_VERSION = "safecampus.audit.entry.v1"
CHECKPOINT_VERSION = "safecampus.audit.checkpoint.v1"
# The sealed fields, in this order. `id` is not one: the database assigns it after sealing.
SEALED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "unit_id",
    "unit_path",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "outcome",
    "channel",
    "ip",
    "request_id",
    "message",
    "message_i18n",
)
JSON_FIELDS = {"before", "after", "message_i18n"}
INT_FIELDS = {"seq", "user_id", "unit_id"}
BATCH = 500


def audit_key() -> bytes:
    """The sealing key from SAFECAMPUS_AUDIT_KEY_FILE; a missing key stops the write (fail
    closed: an unsealed trail is what an attacker would want)."""
    return _key(str(settings.SAFECAMPUS_AUDIT_KEY_FILE))


@lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    try:
        return key_load(Path(path))
    except KeyFileError as exc:
        raise ImproperlyConfigured(
            f"审计日志密钥不可用：{exc}。请运行 safecampus audit-key 生成密钥"
            "（SAFECAMPUS_AUDIT_KEY_FILE）。"
        ) from None


# --- Canonical form ------------------------------------------------------------------------------


def _at_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: Any) -> Any:
    # As the database gives it back: JSON types only, whatever Python types went in.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


_ip_field = AuditEntry._meta.get_field("ip")


def _canonical(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SEALED_FIELDS:
        value = values.get(name)
        if name == "at":
            value = _at_text(values["at"])
        elif name in JSON_FIELDS:
            value = _json(value)
        elif name in INT_FIELDS:
            value = None if value is None else int(value)
        elif name == "ip":
            value = _ip_field.get_prep_value(value) or None
        else:
            value = "" if value is None else str(value)
        out[name] = value
    return out


def entry_seal(key: bytes, values: Mapping[str, Any], prev: str) -> str:
    """The seal of an entry with these field values after the entry sealed `prev` (hex)."""
    data = json.dumps(
        [ENTRY_VERSION, _canonical(values), prev],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return mac(key, data.encode()).hex()


def checkpoint_seal(key: bytes, *, seq: int, mac_hex: str, at: datetime) -> str:
    data = json.dumps([CHECKPOINT_VERSION, seq, mac_hex, _at_text(at)], separators=(",", ":"))
    return mac(key, data.encode()).hex()


# --- Appending -----------------------------------------------------------------------------------


def _as_time(value: datetime | str) -> datetime:
    # SQLite answers text in UTC; PostgreSQL a datetime.
    return (
        value if isinstance(value, datetime) else datetime.fromisoformat(value).replace(tzinfo=UTC)
    )


def _now_sql(using: str) -> str:
    """The database's clock. PostgreSQL: now(), the transaction's start, which the stamping
    trigger also writes (migration 0007), so the sealed time is the stored one. SQLite runs in
    this process, on this machine's clock; its trigger refuses a time far from it."""
    if connections[using].vendor == "postgresql":
        return "now()"
    # %% : the statements are run with parameters.
    return "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"


def db_now(using: str) -> datetime:
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {_now_sql(using)}", [])
        return _as_time(cursor.fetchone()[0])


def _head_advance(using: str, places: int) -> tuple[int, str, datetime]:
    """Lock the chain head until the transaction ends and move it `places` on; answers the
    place before, the seal there (of the last entry, or of the checkpoint that replaced it) and
    the database's time.

    Two statements, not one with a subquery: under READ COMMITTED, an UPDATE that waited for
    another writer's lock sees that writer's head row (re-checked) but its subqueries still
    see the snapshot taken before the wait, without that writer's entries. The SELECT after it
    takes a new snapshot (bench/audit_chain.py found the one-statement form forking the chain)."""
    head = AuditChain._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {head} SET seq = seq + %s WHERE id = 1 RETURNING seq, {_now_sql(using)}",  # noqa: S608
            [places],
        )
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured("审计日志链头缺失（audit_auditchain 第 1 行）")
        before = int(row[0]) - places
        cursor.execute(
            f"SELECT COALESCE((SELECT mac FROM {AuditEntry._meta.db_table} WHERE seq = %s),"  # noqa: S608
            f" (SELECT MAX(mac) FROM {AuditCheckpoint._meta.db_table} WHERE seq = %s))",
            [before, before],
        )
        prev = cursor.fetchone()[0]
    return before, prev or "", _as_time(row[1])


def chain_head_lock(using: str) -> int:
    """Lock the chain head until the transaction ends (no entry is appended meanwhile);
    answers its place."""
    return _head_advance(using, 0)[0]


# The entries held back by the innermost `chain_deferred` block of this thread (or task).
_held: ContextVar[list[AuditEntry] | None] = ContextVar("audit_chain_held", default=None)


@contextmanager
def chain_deferred(using: str = "default") -> Iterator[None]:
    """Hold back the entries written inside the block and append them at its end, so that the
    chain head is locked from there to the commit rather than from the first entry.

    For long writers, inside their transaction: the entries are then appended in that
    transaction or not at all. An error leaving the block drops them with the writes they
    record; a savepoint rolled back inside the block would not, so nothing inside may catch a
    database error and go on. Inside a block, an entry has no id until the block ends."""
    if _held.get() is not None:  # nested: the outer block appends
        yield
        return
    audit_key()  # fail before the work, not after it: no key, no entries, no writes
    held: list[AuditEntry] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    chain_append(held, using=using)


def chain_append(
    entries: Sequence[AuditEntry], *, using: str, batch_size: int | None = None
) -> None:
    """Stamp, seal and insert new entries at the end of the chain, in the caller's transaction
    (or one of their own). Costs two statements more than the INSERT (`_head_advance`).
    Inside `chain_deferred`, keeps them for the end of that block instead."""
    if not entries:
        return
    held = _held.get()
    if held is not None:
        held.extend(entries)
        return
    key = audit_key()
    # No savepoint of its own: a failed append fails the caller's transaction anyway.
    with transaction.atomic(using=using, savepoint=False):
        seq, prev, now = _head_advance(using, len(entries))
        for entry in entries:
            seq += 1
            entry.at, entry.seq = now, seq
            entry.mac = prev = entry_seal(key, entry.__dict__, prev)
        if len(entries) == 1:
            entries[0].save_sealed(using)
        else:
            plain: models.QuerySet[AuditEntry] = models.QuerySet(AuditEntry, using=using)
            plain.bulk_create(entries, batch_size=min(batch_size or BATCH, BATCH))


def checkpoint_write(*, seq: int, mac_hex: str, using: str = "default") -> AuditCheckpoint:
    """Record that the chain now starts after entry `seq` (sealed `mac_hex`)."""
    at = db_now(using)
    checkpoint = AuditCheckpoint(
        at=at,
        seq=seq,
        mac=mac_hex,
        seal=checkpoint_seal(audit_key(), seq=seq, mac_hex=mac_hex, at=at),
    )
    checkpoint.save(using=using)
    return checkpoint


def chain_head(using: str = "default") -> AuditChain:
    return AuditChain.objects.using(using).get(pk=1)


def chain_head_mac(seq: int, using: str = "default") -> str:
    """The seal at a place of the chain (of its entry, or of the checkpoint that replaced it)."""
    found = AuditEntry.objects.using(using).filter(seq=seq).values_list("mac", flat=True).first()
    if found is None:
        found = (
            AuditCheckpoint.objects.using(using)
            .filter(seq=seq)
            .values_list("mac", flat=True)
            .first()
        )
    return found or ""


def chain_head_log(using: str = "default") -> tuple[int, str]:
    """Write the head (its place and seal) to the log: kept outside the database, it shows a
    later rewrite of the chain's end. Answers (seq, mac)."""
    seq = chain_head(using).seq
    mac_hex = chain_head_mac(seq, using)
    logger.info("audit chain head: seq=%s mac=%s", seq, mac_hex or "-")
    return seq, mac_hex


# --- Verifying -----------------------------------------------------------------------------------


@dataclass
class ChainBreak:
    entry_id: int | None
    problem: str


@dataclass
class ChainReport:
    checked: int = 0
    legacy: int = 0
    start_seq: int = 1
    head_seq: int = 0
    head_mac: str = ""
    broken: ChainBreak | None = None


def _rows(using: str) -> Iterator[dict[str, Any]]:
    rows: Iterator[dict[str, Any]] = (
        AuditEntry.objects.using(using)
        .order_by("id")
        .values("id", "mac", *SEALED_FIELDS)
        .iterator(chunk_size=2000)
    )
    return rows


def chain_verify(using: str = "default") -> ChainReport:
    """Walk the chain from its start (the latest checkpoint) to the head; the first broken
    link ends the walk."""
    key = audit_key()
    head = chain_head(using)
    report = ChainReport(head_seq=head.seq)
    expected, prev = 1, ""
    checkpoint = AuditCheckpoint.objects.using(using).order_by("-id").first()
    if checkpoint is not None:
        seal = checkpoint_seal(key, seq=checkpoint.seq, mac_hex=checkpoint.mac, at=checkpoint.at)
        if not mac_equal(seal.encode(), checkpoint.seal.encode()):
            report.broken = ChainBreak(None, f"检查点 #{checkpoint.pk} 的签名不符：检查点被篡改")
            return report
        expected, prev = checkpoint.seq + 1, checkpoint.mac
    report.start_seq = expected
    suspect: dict[str, Any] | None = None  # an entry whose seal failed, judged by the next one
    suspect_prev = ""
    last: dict[str, Any] | None = None
    for row in _rows(using):
        if suspect is not None:
            report.broken = _judge(key, suspect, suspect_prev, row)
            return report
        if row["seq"] is None:
            if row["id"] <= head.legacy_max_id:
                report.legacy += 1
                continue
            report.broken = ChainBreak(
                row["id"], "没有链序号和签名：不是经由平台写入的（直接插入）"
            )
            return report
        if row["seq"] < expected:
            report.broken = ChainBreak(
                row["id"],
                f"链序号 {row['seq']} 不应出现在此（应为 {expected}）：直接插入或序号被改动",
            )
            return report
        if row["seq"] > expected:
            missing = row["seq"] - expected
            report.broken = ChainBreak(
                row["id"],
                f"此条之前缺少 {missing} 条日志（链序号 {expected}–{row['seq'] - 1}）：被直接删除",
            )
            return report
        if not mac_equal(entry_seal(key, row, prev).encode(), row["mac"].encode()):
            suspect, suspect_prev = row, prev
            continue
        report.checked += 1
        expected, prev, last = expected + 1, row["mac"], row
    if suspect is not None:
        report.broken = _judge(key, suspect, suspect_prev, None)
        return report
    last_seq = last["seq"] if last is not None else expected - 1
    report.head_mac = last["mac"] if last is not None else prev
    if head.seq != last_seq:
        report.broken = ChainBreak(
            last["id"] if last is not None else None,
            f"链头（序号 {head.seq}）与最后一条日志（序号 {last_seq}）不符："
            "末尾的日志被删除，或链头被改动",
        )
    return report


def _judge(
    key: bytes, row: dict[str, Any], prev: str, following: dict[str, Any] | None
) -> ChainBreak:
    """Why `row`'s seal fails, from whether the next entry follows it or its predecessor."""
    if following is not None and following["seq"] is not None:
        if mac_equal(entry_seal(key, following, row["mac"]).encode(), following["mac"].encode()):
            return ChainBreak(row["id"], "内容与签名不符：此条日志被改动")
        if mac_equal(entry_seal(key, following, prev).encode(), following["mac"].encode()):
            return ChainBreak(row["id"], "签名无效且不在链中：此条日志是直接插入的")
    return ChainBreak(row["id"], "签名不符：此条日志被改动或是直接插入的")
