"""`manage.py audit_verify` on a chain of N audit entries (default 1,000,000) in PostgreSQL.

The entries are written with COPY, chained exactly as approvals.audit writes them (account
decisions with a note and a little data), then the whole chain is walked as the command does.
"""

import json
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from approvals.audit import CHAINED_FIELDS, chain_hash, stored_entries, verify_chain
from approvals.models import AuditChainHead


def _write(entries: int) -> None:
    head = AuditChainHead.objects.get(pk=1)
    start = timezone.now() - timedelta(days=365)
    prev, seq = head.hash, head.seq
    connection.ensure_connection()
    columns = ", ".join(CHAINED_FIELDS)
    copy_in = f"COPY approvals_auditentry ({columns}) FROM STDIN"
    with connection.connection.cursor() as raw, raw.copy(copy_in) as copy:
        for n in range(entries):
            seq += 1
            entry = {
                "seq": seq,
                "created_at": start + timedelta(milliseconds=30 * n),
                "action": "account.always_review_on",
                "actor_id": None,
                "post_id": None,
                "account_id": None,
                "from_state": "",
                "to_state": "",
                "reason_code_id": None,
                "note": f"Bench entry {n}: a note of ordinary length for a decision.",
                "revision_id": None,
                "data": {"bench": n},
            }
            entry["prev_hash"] = prev
            entry["hash"] = prev = chain_hash(prev, entry)
            copy.write_row(
                [json.dumps(entry[c]) if c == "data" else entry[c] for c in CHAINED_FIELDS]
            )
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE approvals_auditentry")


def run(entries: int = 1_000_000) -> dict:
    started = time.perf_counter()
    _write(entries)
    written = time.perf_counter() - started
    head = AuditChainHead.objects.values_list("seq", "hash").get(pk=1)
    started = time.perf_counter()
    report = verify_chain(stored_entries(), head=head)
    seconds = time.perf_counter() - started
    return {
        "entries": report.checked,
        "intact": report.intact,
        "verify_seconds": round(seconds, 1),
        "entries_per_second": round(report.checked / seconds),
        "write_seconds": round(written, 1),
    }
