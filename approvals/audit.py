"""The audit trail: one hash chain of everything anyone decided.

Every entry carries `prev_hash` (the hash of the entry before it) and `hash`, the HMAC-SHA256
under AUDIT_CHAIN_KEY of `prev_hash`, a newline and the entry's canonical content (sorted-key
JSON, UTF-8). Entries are numbered without gaps (`seq`). Changing, removing or inserting an
entry breaks the chain at that point, and `manage.py audit_verify` names it. The key lives
outside the database, so someone who can write to the database (even TRUNCATE the table, which
row triggers do not see, and write it again) cannot forge a chain that verifies. On
PostgreSQL, triggers also refuse UPDATE and DELETE on the table.

Appending takes the chain head's row lock until the transaction commits, so entries are
chained in commit order. Call `audit_record` as late in a transaction as is natural: the lock
is held from there to the commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

GENESIS = "0" * 64


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(entry: dict) -> str:
    """The part of an entry the hash covers, as canonical JSON. `entry` holds the column
    values by attribute name (`post_id`, `actor_id`, …), as `.values()` returns them."""
    content = {
        "seq": entry["seq"],
        "created_at": _timestamp(entry["created_at"]),
        "action": entry["action"],
        "actor": entry["actor_id"],
        "post": entry["post_id"],
        "account": entry["account_id"],
        "from": entry["from_state"],
        "to": entry["to_state"],
        "reason_code": entry["reason_code_id"],
        "note": entry["note"],
        "revision": entry["revision_id"],
        "data": entry["data"] or {},
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key() -> bytes:
    return (settings.AUDIT_CHAIN_KEY or f"audit-chain:{settings.SECRET_KEY}").encode()


def chain_hash(prev_hash: str, entry: dict) -> str:
    message = f"{prev_hash}\n{canonical_content(entry)}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


CHAINED_FIELDS = (
    "seq",
    "created_at",
    "action",
    "actor_id",
    "post_id",
    "account_id",
    "from_state",
    "to_state",
    "reason_code_id",
    "note",
    "revision_id",
    "data",
    "prev_hash",
    "hash",
)


def audit_record(
    *,
    action: str,
    actor,
    post=None,
    account=None,
    from_state: str = "",
    to_state: str = "",
    reason_code=None,
    note: str = "",
    revision=None,
    data: dict | None = None,
):
    """Append one entry to the chain. Call inside the transaction that makes the change."""
    from approvals.models import AuditChainHead, AuditEntry

    head = AuditChainHead.objects.select_for_update(no_key=True).get(pk=1)
    entry = AuditEntry(
        seq=head.seq + 1,
        created_at=timezone.now(),
        action=action,
        actor=actor,
        post=post,
        account=account,
        from_state=from_state,
        to_state=to_state,
        reason_code=reason_code,
        note=note,
        revision=revision,
        data=data or {},
        prev_hash=head.hash,
    )
    entry.hash = chain_hash(head.hash, {f: getattr(entry, f) for f in CHAINED_FIELDS[:-2]})
    _append(entry)
    return entry


def _append(entry) -> None:
    """Insert the entry and move the chain head to it: on PostgreSQL in one statement (the
    head's UPDATE in a WITH clause of the entry's INSERT), elsewhere in two."""
    from django.db import transaction
    from django.db.models.sql import InsertQuery

    from approvals.models import AuditChainHead, AuditEntry

    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        entry.save()
        AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
        return
    meta = AuditEntry._meta
    query = InsertQuery(AuditEntry)
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    query.insert_values(fields, [entry])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(insert, params)] = compiler.as_sql()
    head = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH head AS (UPDATE {head} SET seq = %s, hash = %s WHERE id = 1) {insert}",
            [entry.seq, entry.hash, *params],
        )
        entry.pk = cursor.fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: str | None  # the first broken or missing link, in words; None if intact

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_chain(entries: Iterable[dict], head: tuple[int, str] | None) -> ChainReport:
    """Walk `entries` (dicts of CHAINED_FIELDS, in seq order) and report the first break.
    `head` is (seq, hash) of the chain head, which catches entries removed from the end; a
    missing head is a break in itself."""
    if head is None:
        return ChainReport(0, "the chain head is missing: the trail was cut or rewritten")
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            missing = f"{expected_seq}"
            if seq > expected_seq + 1:
                missing += f" to {seq - 1}"
            return ChainReport(checked, f"entry {missing} is missing (the next is {seq})")
        if entry["prev_hash"] != prev_hash:
            return ChainReport(checked, f"entry {seq} does not follow entry {seq - 1}")
        if chain_hash(prev_hash, entry) != entry["hash"]:
            return ChainReport(checked, f"entry {seq} was changed after it was written")
        prev_hash, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    head_seq, head_hash = head
    if head_seq != expected_seq - 1 or (head_seq and head_hash != prev_hash):
        return ChainReport(
            checked,
            f"the chain ends at entry {expected_seq - 1} but its head says {head_seq}: "
            "entries were removed from the end",
        )
    return ChainReport(checked, None)


def stored_entries(batch: int = 10_000) -> Iterator[dict]:
    """Every entry in seq order, read in keyset pages (flat memory on any size)."""
    from approvals.models import AuditEntry

    after = 0
    while True:
        page = list(
            AuditEntry.objects.filter(seq__gt=after).order_by("seq").values(*CHAINED_FIELDS)[:batch]
        )
        if not page:
            return
        yield from page
        after = page[-1]["seq"]
