"""The streamed CSV exports keep memory flat: peak RSS exporting 10,000 and 1,000,000 rows.

In a scratch PostgreSQL database (beside DATABASE_URL's) it writes, in SQL, 1,000,000 posts
and one decision each in the audit trail (Chinese titles, notes that start like a formula;
the search indexes, which no export reads, dropped first so the load takes minutes):
10,000 decisions on the first day of the range, the rest over the nine days after. Then, for
each size, a fresh Python process sets Django up, asks for /review/oversight/export/
decisions.csv (and audit.csv) through the whole stack (test client, middleware, view),
reads the streamed body to the end and reports its resident set size before the request and
its peak during it (VmHWM, reset just before the request), beside the process's peak since it
started (ru_maxrss). If memory is flat, the 1,000,000-row
export peaks where the 10,000-row one does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export_memory.py
    (BENCH_EXPORT_ROWS=1000000 by default; BENCH_EXPORT_DATABASE names the scratch database;
    BENCH_EXPORT_REUSE=1 measures again on the rows of the last run)
"""

import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SMALL = 10_000


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Start the peak RSS (VmHWM) afresh from now (Linux 4.0+), so the figure is the
    export's, not Django's start-up's."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _generate(rows: int, first_day, days: int = 9) -> dict:
    """Posts, each with one decision entry, the first SMALL of them on `first_day`, the rest
    over the `days` days after it."""
    from django.db import connection

    from approvals.models import Desk, ReasonCode
    from tests.factories import UserFactory

    desk = Desk.objects.get(slug="general")
    author = UserFactory(username="bench-export-author")
    reviewer = UserFactory(username="bench-export-reviewer", reviewer_on=[desk])
    rumour = ReasonCode.objects.get(code="rumour")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # The search indexes (GIN: trigrams, CJK grams) only slow the load down; no export
        # reads them. Dropped in this scratch database.
        cursor.execute(
            """SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%USING gin%%'
               AND tablename IN ('approvals_post', 'approvals_auditentry')"""
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute(
            """
            INSERT INTO approvals_post (author_id, desk_id, title, body, category, state,
                decided_by_id, decided_at, reason_code_id, submitted_at, created_at,
                updated_at, decision_note, appeal_statement, external_id, screening_matches)
            SELECT %(author)s, %(desk)s, '地铁三号线今日开通 第' || n || '号', 'Body ' || n,
                   'news', CASE WHEN n %% 3 = 0 THEN 'rejected' ELSE 'approved' END,
                   %(reviewer)s, g.at, CASE WHEN n %% 3 = 0 THEN %(reason)s END,
                   g.at - interval '2 hours', g.at, g.at,
                   CASE WHEN n %% 3 = 0 THEN '=HYPERLINK("x") 不实' ELSE '' END, '', '', '[]'
            FROM (SELECT n, CASE WHEN n <= %(small)s
                              THEN %(first)s::timestamptz + make_interval(secs => n)
                              ELSE %(first)s::timestamptz + interval '1 day'
                                   + make_interval(secs => (n * 777) %% (%(days)s * 86400))
                              END AS at
                  FROM generate_series(1, %(rows)s) AS n) AS g
            """,
            {
                "author": author.pk,
                "desk": desk.pk,
                "reviewer": reviewer.pk,
                "reason": rumour.pk,
                "small": SMALL,
                "first": first_day.isoformat(),
                "rows": rows,
                "days": days,
            },
        )
        cursor.execute("SELECT coalesce(max(seq), 0) FROM approvals_auditentry")
        (last_seq,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO approvals_auditentry (seq, post_id, action, actor_id, from_state,
                to_state, reason_code_id, note, data, created_at, prev_hash, hash)
            SELECT %(seq)s + row_number() OVER (ORDER BY p.id), p.id,
                   CASE WHEN p.state = 'rejected' THEN 'post.reject' ELSE 'post.approve' END,
                   p.decided_by_id, 'under_review', p.state, p.reason_code_id,
                   p.decision_note, '{}', p.decided_at, md5('prev' || p.id) || md5('p' || p.id),
                   md5('hash' || p.id) || md5('h' || p.id)
            FROM approvals_post p WHERE p.author_id = %(author)s
            """,
            {"seq": last_seq, "author": author.pk},
        )
        cursor.execute("VACUUM ANALYZE approvals_post")
        cursor.execute("VACUUM ANALYZE approvals_auditentry")
    return {"generated_in_s": round(time.perf_counter() - start, 1)}


def measure(path: str, first: str, last: str) -> dict:
    """In this (fresh) process: stream one export to the end; bytes, rows, time, peak RSS."""
    import django

    django.setup()
    from accounts.models import Role
    from tests.factories import UserFactory
    from tests.logins import TwoFactorClient

    operator = UserFactory(username="bench-export-operator", roles=[Role.OPERATOR])
    client = TwoFactorClient(SERVER_NAME="localhost")
    client.force_login(operator)
    client.get("/review/oversight/export/decisions.csv?from=2000-01-01&to=2000-01-01")  # warm
    before_kib = _status_kib("VmRSS")
    reset = _reset_peak()
    sampled_kib = before_kib
    started = time.perf_counter()
    response = client.get(path, {"from": first, "to": last})
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for piece in response.streaming_content:
        size += len(piece)
        lines += piece.count(b"\n")
        sampled_kib = max(sampled_kib, _status_kib("VmRSS"))
    response.close()
    peak_kib = _status_kib("VmHWM") if reset else sampled_kib
    return {
        "rows": lines - 1,
        "mib": round(size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "rss_before_mib": round(before_kib / 1024, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "peak_rss_since_start_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    rows = int(os.environ.get("BENCH_EXPORT_ROWS", 1_000_000))
    name = os.environ.get("BENCH_EXPORT_DATABASE", "imprimatur_bench_export")
    if os.environ.get("BENCH_EXPORT_REUSE"):  # measure again on the rows made last time
        admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
        os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{name}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        import django

        django.setup()
        from approvals.models import Post

        first_at = Post.objects.filter(author__username="bench-export-author").earliest(
            "decided_at"
        )
        first_day = first_at.decided_at.date()
        result = {"rows_generated": rows, "reused": True}
    else:
        from bench.run import on_scratch_database

        on_scratch_database(name)  # sets DATABASE_URL and the test settings, migrates
        from django.utils import timezone

        first_day = timezone.localdate() - timedelta(days=12)
        result = {"rows_generated": rows, **_generate(rows, first_day)}
    last_day = first_day + timedelta(days=10)
    runs = []
    for path in ("/review/oversight/export/decisions.csv", "/review/oversight/export/audit.csv"):
        for last in (first_day, last_day):
            child = subprocess.run(
                [sys.executable, __file__, "--measure", path, str(first_day), str(last)],
                env=os.environ,
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(
                {"export": path.rsplit("/", 1)[1], **json.loads(child.stdout.splitlines()[-1])}
            )
    result["runs"] = runs
    print(
        f"{'export':<14}{'rows':>10}{'MiB out':>8}{'s':>7}{'RSS before':>12}"
        f"{'peak during':>12}{'peak of process':>16}"
    )
    for r in runs:
        print(
            f"{r['export']:<14}{r['rows']:>10,}{r['mib']:>8}{r['seconds']:>7}"
            f"{r['rss_before_mib']:>12}{r['peak_rss_mib']:>12}{r['peak_rss_since_start_mib']:>16}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(*sys.argv[2:])))
    else:
        main()
