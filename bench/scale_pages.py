"""The reviewer's and the author's pages on a seeded database (`manage.py seed_load`): the
review queue, search and "my posts", p50/p95 through the whole Django stack (test client, in
process), and the queries each page makes.

Runs against the database BENCH_LOAD_DATABASE names (on DATABASE_URL's server), read only: it
logs in as seeded users (force_login, the second factor marked as passed) and never changes a
post. bench/run.py starts it in a process of its own when BENCH_LOAD_DATABASE is set:

    BENCH_LOAD_DATABASE=imp_load DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.scale_pages          # prints one JSON object
    (with --merge: also stores it under "at_scale" in bench/results.json and prints the rows)

BENCH_LOAD_RUNS (default 60) requests per page kind; search runs each query BENCH_LOAD_RUNS / 4
times per user.

To measure another page at size, add a line to PAGES:
(key, who, urls, target p95 in ms); `who` is one of the users `_users` picks.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (key, who, urls, p95 target in ms). The queue as the busiest desk's reviewer sees it, and
# "my posts" for the author with the most posts.
PAGES: list[tuple[str, str, list[str], float]] = [
    (
        "queue",
        "reviewer",
        ["/review/", "/review/?page=3", "/review/?state=submitted", "/review/?category=news"],
        50,
    ),
    ("my_posts", "author", ["/posts/", "/posts/?page=2", "/posts/?page=40"], 50),
    # The oversight dashboard over its default range, the last 30 days, every desk.
    ("oversight", "senior", ["/review/oversight/"], 200),
]

SEARCH_TARGET_MS = 200


def _percentiles(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def _users() -> dict:
    """Seeded users: the reviewer of the busiest desk (load-reviewer-0 serves it), a senior
    reviewer (every desk) and the author with the most posts."""
    from django.db.models import Count

    from accounts.models import User
    from approvals.models import Post

    busiest = (
        Post.objects.filter(author__username__startswith="load-")
        .values("author")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    # The busiest author is the first account (the author draw is skewed towards it); check
    # only the first few accounts rather than group 10 M posts.
    first = list(
        User.objects.filter(username__in=[f"load-{i}" for i in range(1, 6)]).values_list(
            "pk", flat=True
        )
    )
    author_id = busiest.filter(author__in=first).first()["author"]
    return {
        "reviewer": User.objects.get(username="load-reviewer-0"),
        "senior": User.objects.filter(username__startswith="load-senior-").order_by("pk").first(),
        "author": User.objects.get(pk=author_id),
    }


def _client(user):
    from tests.logins import TwoFactorClient

    client = TwoFactorClient(SERVER_NAME="localhost")  # an allowed host outside the test runner
    client.force_login(user)
    return client


def count_queries(client, url: str) -> int:
    from django.db import connection

    executed = []  # an execute wrapper, since request_started resets connection.queries
    with connection.execute_wrapper(
        lambda run, sql, *args: executed.append(sql) or run(sql, *args)
    ):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(executed)


def page_timings(client, urls: list[str], runs: int) -> dict:
    """Wall time per request (p50/p95), and where it goes at the median: in SQL (from send to
    the last row, as the execute wrapper sees it) and in this process's CPU (Python: the view,
    the ORM turning rows into objects, the template). On a busy machine the wall time grows
    with the load; the CPU time and the SQL time tell which side to work on."""
    from django.db import connection

    for url in urls:  # warm up
        assert client.get(url).status_code == 200, url
    timings, cpu, sql = [], [], []
    spent = [0.0]

    def timed(run, statement, *args):
        t0 = time.perf_counter()
        try:
            return run(statement, *args)
        finally:
            spent[0] += time.perf_counter() - t0

    with connection.execute_wrapper(timed):
        for i in range(runs):
            spent[0] = 0.0
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(urls[i % len(urls)])
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            sql.append(spent[0] * 1000)
            assert response.status_code == 200
    return {
        **_percentiles(timings),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "sql_p50_ms": round(statistics.median(sql), 1),
    }


def _search(users: dict, runs: int) -> dict:
    from approvals.search import post_search
    from bench.search import QUERIES

    rows, worst = [], 0.0
    for label, query in QUERIES:
        row = {"query": label, "text": query}
        for who in ("reviewer", "senior"):
            user = type(users[who]).objects.get(pk=users[who].pk)  # fresh caches
            found = len(list(post_search(user=user, query=query)[:26]))  # warm up
            timings = []
            for _run in range(runs):
                user = type(user).objects.get(pk=user.pk)
                t0 = time.perf_counter()
                list(post_search(user=user, query=query)[:26])
                timings.append((time.perf_counter() - t0) * 1000)
            row[who] = {**_percentiles(timings), "first_page_rows": min(found, 25)}
            worst = max(worst, row[who]["p95_ms"])
        rows.append(row)
    client = _client(users["senior"])
    timings = []
    for i in range(runs * len(QUERIES) // 2):
        query = QUERIES[i % len(QUERIES)][1]
        t0 = time.perf_counter()
        response = client.get("/search/", {"q": query})
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    page = _percentiles(timings)
    return {
        "queries": rows,
        "worst_query_p95_ms": worst,
        "page_senior": page,
        "target": f"p95 <= {SEARCH_TARGET_MS} ms",
        "met": worst <= SEARCH_TARGET_MS and page["p95_ms"] <= SEARCH_TARGET_MS,
    }


def _shape() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'approvals_post'")
        posts = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_user")
        accounts = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM approvals_post WHERE state IN ('submitted', 'under_review')"
        )
        waiting = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = 'approvals_post'::regclass"
        )
        indexes = sorted(r[0] for r in cursor.fetchall())
    return {
        "posts_estimate": posts,
        "accounts": accounts,
        "waiting": waiting,
        "database_gib": round(size / 2**30, 2),
        "search_indexes": [i for i in indexes if i.endswith(("_trgm_idx", "_cjk_idx"))],
    }


def run(runs: int = 60, search: bool = True) -> dict:
    users = _users()
    results: dict = {"database": _shape(), "runs": runs}
    for key, who, urls, target in PAGES:
        client = _client(users[who])
        row = {
            "user": users[who].username,
            "urls": urls,
            "queries_per_page": count_queries(client, urls[0]),
            **page_timings(client, urls, runs),
            "target": f"p95 <= {target} ms",
        }
        row["met"] = row["p95_ms"] <= target
        results[key] = row
    if search and results["database"]["search_indexes"]:
        results["search"] = _search(users, max(5, runs // 4))
    else:
        results["search"] = {"skipped": "the search indexes are not built (yet) on this database"}
    return results


def main() -> None:
    name = os.environ["BENCH_LOAD_DATABASE"]
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()
    results = run(
        runs=int(os.environ.get("BENCH_LOAD_RUNS", 60)),
        search=os.environ.get("BENCH_LOAD_SEARCH", "1") != "0",
    )
    if "--merge" in sys.argv:  # into bench/results.json, without running the whole bench
        from bench.run import scale_rows, table

        path = ROOT / "bench" / "results.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        stored["at_scale"] = results
        path.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
        print(table(scale_rows(results)), file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
