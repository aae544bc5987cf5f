"""CSV out: the decisions and the audit trail of a date range, streamed; an oversight table.

The exports read through a server-side cursor (`.iterator(chunk_size=…)`: a named cursor on
PostgreSQL) and write each chunk as soon as it is read, so memory stays flat however many
rows a range holds (bench/export_memory.py measures it). Every file starts with a UTF-8 byte
order mark, so Excel reads Chinese as Chinese, and no cell starts with a character a
spreadsheet would take for a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

from approvals.models import DECISION_ACTIONS, AuditEntry
from approvals.oversight import Period, Scope, Section

BOM = "\ufeff"
CHUNK_SIZE = 2000  # rows per fetch from the server-side cursor, and per piece sent
# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection);
# tab and carriage return start one in some programs too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DECISION_COLUMNS = [
    "decided_at",
    "seq",
    "post_id",
    "title",
    "desk",
    "decision",
    "from_state",
    "to_state",
    "reviewer",
    "reason_code",
    "note",
]
AUDIT_COLUMNS = [
    "seq",
    "created_at",
    "action",
    "actor",
    "post_id",
    "account_id",
    "from_state",
    "to_state",
    "reason_code",
    "note",
    "data",
    "hash",
]


def safe_cell(value) -> str:
    """The value as a CSV cell a spreadsheet shows as text: a leading ' before anything that
    would start a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable], every: int = CHUNK_SIZE
) -> Iterator[str]:
    """The CSV text in pieces of `every` rows, after a byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if n % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]):
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def decision_rows(
    *, scope: Scope, period: Period, desk_id: int | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple]:
    """Every decision about a post in the period, oldest first, on the desks of `scope`."""
    entries = AuditEntry.objects.filter(
        action__in=DECISION_ACTIONS, created_at__gte=period.start, created_at__lt=period.end
    )
    if desk_id is not None:
        entries = entries.filter(post__desk_id=desk_id)
    elif not scope.every_desk:
        entries = entries.filter(post__desk_id__in=sorted(scope.desk_ids))
    rows = entries.order_by("created_at", "seq").values_list(
        "created_at",
        "seq",
        "post_id",
        "post__title",
        "post__desk__slug",
        "action",
        "from_state",
        "to_state",
        "actor__username",
        "reason_code__code",
        "note",
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield (*row[:5], row[5].removeprefix("post."), *row[6:])


def audit_rows(*, period: Period, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """Every audit entry of the period, in chain order (for those who oversee every desk)."""
    rows = (
        AuditEntry.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .order_by("created_at", "seq")
        .values_list(
            "seq",
            "created_at",
            "action",
            "actor__username",
            "post_id",
            "account_id",
            "from_state",
            "to_state",
            "reason_code__code",
            "note",
            "data",
            "hash",
        )
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield (*row[:10], json.dumps(row[10], ensure_ascii=False, sort_keys=True), row[11])


def section_rows(section: Section) -> tuple[list[str], Iterator[list]]:
    """A dashboard table as CSV: its column headings (translated) and raw values."""
    header = [str(c.label) for c in section.columns]
    rows = ([row.get(c.key) for c in section.columns] for row in section.rows)
    return header, rows
