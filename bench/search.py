"""Search (approvals.search) over N posts in PostgreSQL, Chinese and English: p50/p95.

Posts are generated in SQL (seeded random) from news vocabularies: 60 % Chinese (words run
together, with full-width punctuation, as Chinese is written), 40 % English; 20 desks, 40
authors, 3 % waiting, the rest decided, a third of the decided ones rejected or sent back with
a note (which the audit trail repeats). The search indexes are dropped for the load and built
again afterwards, as migrations 0014 (trigrams) and 0016 (CJK grams) build them; the build
times and sizes are reported.

Each query runs through the selector (the SQL of one results page, 25 rows) as a reviewer of
2 desks and as a senior reviewer (every desk), and through the whole page (test client).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.search
    (BENCH_SEARCH_POSTS=200000 by default; BENCH_SEARCH_RUNS=30 per query and user)
"""

import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import TEXT_PARAMS, text_sql  # noqa: E402 (shared with seed_load)

# (label, query): Chinese of 2 characters (a common word), 1, 3+ characters, two words, a phrase
# that is a whole headline's start; English common, two words, stem, no match; a note word.
QUERIES = [
    ("zh 2 chars, common", "地铁"),
    ("zh 2 chars, a place name", "金港"),
    ("zh 1 char", "港"),
    ("zh 3 chars", "新闻发布会"),
    ("zh 2 words", "台风 航班"),
    ("zh phrase", "地铁三号线延长段今日开通"),
    ("zh in notes", "官方通报"),
    ("en 1 word", "harbour"),
    ("en 2 words", "council budget"),
    ("en word part", "reopen"),
    ("en place name", "Melbridge"),
    ("en no match", "zeppelin"),
]


def _generate(posts: int, authors: list[int], decider: int, desks: list[int]) -> None:
    from django.db import connection

    params = {
        **TEXT_PARAMS,
        "n": posts,
        "authors": authors,
        "desks": desks,
        "decider": decider,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
        cursor.execute(
            f"""
            INSERT INTO approvals_post (author_id, desk_id, title, body, category, state,
                decided_by_id, decided_at, decision_note, submitted_at, created_at, updated_at,
                appeal_statement, external_id, screening_matches)
            SELECT (%(authors)s::int[])[1 + g.n %% array_length(%(authors)s::int[], 1)],
                   (%(desks)s::int[])[1 + floor(g.d * array_length(%(desks)s::int[], 1))::int],
                   t.title, t.body, 'news',
                   CASE WHEN g.s < 0.02 THEN 'submitted' WHEN g.s < 0.03 THEN 'draft'
                        WHEN g.s < 0.70 THEN 'approved' WHEN g.s < 0.85 THEN 'rejected'
                        ELSE 'changes_requested' END,
                   CASE WHEN g.s >= 0.03 THEN %(decider)s END,
                   CASE WHEN g.s >= 0.03 THEN now() END,
                   CASE WHEN g.s >= 0.70 THEN
                        CASE WHEN g.zh THEN (%(zh_notes)s::text[])[1 + g.n %% 4]
                             ELSE (%(en_notes)s::text[])[1 + g.n %% 4] END
                        ELSE '' END,
                   CASE WHEN g.s < 0.02 OR g.s >= 0.03
                        THEN now() - make_interval(mins => %(n)s - g.n) END,
                   now() - make_interval(mins => %(n)s - g.n), now(), '', '', '[]'
            FROM (SELECT n, random() AS d, random() AS s, random() < 0.6 AS zh,
                         floor(random() * %(topics)s)::int AS t
                  FROM generate_series(1, %(n)s) AS n) AS g,
            {text_sql()}
            """,  # the f-string holds SQL fragments of this module, never input
            params,
        )
        # The history repeats each decision note (one audit entry per decided post).
        cursor.execute(
            """
            INSERT INTO approvals_auditentry (seq, post_id, action, actor_id, from_state,
                to_state, note, data, created_at, prev_hash, hash)
            SELECT (SELECT coalesce(max(seq), 0) FROM approvals_auditentry)
                       + row_number() OVER (ORDER BY id),
                   id, 'post.' || state, decided_by_id, 'under_review', state, decision_note,
                   '{}', decided_at, repeat('0', 64), md5(id::text) || md5('bench' || id)
            FROM approvals_post WHERE decided_by_id IS NOT NULL AND decision_note <> ''
            """
        )


def _indexes(build: bool) -> dict:
    """Drop (build=False) or build the search indexes as migrations 0014 (trigrams) and 0016
    (CJK grams, and their function) make them, not CONCURRENTLY; the seconds each set took."""
    from django.db import connection

    trigrams = importlib.import_module("approvals.migrations.0014_search")
    grams = importlib.import_module("approvals.migrations.0016_search_bigrams")
    took = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for name, (table, column) in trigrams.INDEXES.items():
            if build:
                cursor.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        took["trigram_indexes_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        if build:
            cursor.execute(grams.CREATE_FUNCTION)
        for name, (table, text) in grams.INDEXES.items():
            if build:
                cursor.execute(
                    f"CREATE INDEX {name} ON {table} USING gin (imprimatur_cjk_grams(({text})))"
                )
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        took["cjk_gram_indexes_s"] = round(time.perf_counter() - started, 1)
    return took


def _sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class
               WHERE relname IN ('approvals_post', 'post_title_trgm_idx', 'post_body_trgm_idx',
                                 'post_note_trgm_idx', 'audit_note_trgm_idx',
                                 'post_text_cjk_idx', 'post_note_cjk_idx', 'audit_note_cjk_idx')
               ORDER BY relname"""
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('approvals_post'))")
        sizes["approvals_post (with toast and indexes)"] = cursor.fetchone()[0]
    return sizes


def _percentiles(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def run(posts: int = 200_000, runs: int = 30) -> dict:
    from django.db import connection

    from accounts.models import Role
    from approvals.models import Desk
    from approvals.search import post_search
    from tests.factories import UserFactory
    from tests.logins import TwoFactorClient

    desks = [Desk.objects.get(slug="general")] + [
        Desk.objects.create(name=f"Desk {i}", slug=f"desk-{i}") for i in range(19)
    ]
    authors = [UserFactory(username=f"bench-author-{i}") for i in range(40)]
    reviewer = UserFactory(username="bench-reviewer", reviewer_on=desks[:2])
    senior = UserFactory(
        username="bench-senior", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER], reviewer_on=desks
    )
    decider = UserFactory(username="bench-decider", reviewer_on=desks)
    _indexes(build=False)
    started = time.perf_counter()
    _generate(posts, [a.pk for a in authors], decider.pk, [d.pk for d in desks])
    generated_s = time.perf_counter() - started
    indexed = _indexes(build=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE approvals_post")
        cursor.execute("VACUUM ANALYZE approvals_auditentry")
        cursor.execute("SELECT count(*) FROM approvals_post")
        total = cursor.fetchone()[0]

    results: dict = {
        "posts": total,
        "generated_in_s": round(generated_s, 1),
        "indexes_built_in_s": indexed,
        "sizes": _sizes(),
        "runs_per_query": runs,
        "queries": [],
    }
    for label, query in QUERIES:
        row = {"query": label, "text": query}
        for who, user in (("reviewer", reviewer), ("senior", senior)):
            user = type(user).objects.get(pk=user.pk)  # fresh caches, as in a request
            found = len(list(post_search(user=user, query=query)[:26]))  # warm up
            timings = []
            for _run in range(runs):
                user = type(user).objects.get(pk=user.pk)
                t0 = time.perf_counter()
                list(post_search(user=user, query=query)[:26])
                timings.append((time.perf_counter() - t0) * 1000)
            row[who] = {**_percentiles(timings), "first_page_rows": min(found, 25)}
        results["queries"].append(row)

    client = TwoFactorClient(SERVER_NAME="localhost")
    client.force_login(senior)
    page_timings = []
    for i in range(runs * len(QUERIES)):
        query = QUERIES[i % len(QUERIES)][1]
        t0 = time.perf_counter()
        response = client.get("/search/", {"q": query})
        page_timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    results["page_senior_all_queries"] = _percentiles(page_timings)
    every = [
        t
        for row in results["queries"]
        for who in ("reviewer", "senior")
        for t in [row[who]["p95_ms"]]
    ]
    results["worst_query_p95_ms"] = max(every)
    results["target"] = "search p95 <= 200 ms (issue 11, at 10,000,000 posts)"
    return results


def main() -> None:
    os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-audit-key")
    from bench.run import on_scratch_database

    on_scratch_database("imprimatur_search_bench")
    results = run(
        posts=int(os.environ.get("BENCH_SEARCH_POSTS", 200_000)),
        runs=int(os.environ.get("BENCH_SEARCH_RUNS", 30)),
    )
    out = json.dumps(results, indent=2, ensure_ascii=False)
    (ROOT / "bench" / "search.json").write_text(out + "\n")
    print(out)


if __name__ == "__main__":
    main()
