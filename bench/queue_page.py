"""The reviewer queue page with N posts in PostgreSQL: server time and queries per page.

Posts are generated in SQL (generate_series, seeded random): spread evenly over 20 desks,
3 % waiting for review (2 % submitted, 1 % claimed), the rest decided. The reviewer serves
2 desks. Each request goes through the whole Django stack in-process (middleware, view,
template) with the test client.
"""

import statistics
import time

from django.db import connection

from approvals.models import Desk
from tests.factories import UserFactory
from tests.logins import TwoFactorClient


def _generate(posts: int, author_id: int, claimer_id: int, desk_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")  # the same posts on every run
        cursor.execute(
            """
            INSERT INTO approvals_post (author_id, desk_id, title, body, category, state,
                claimed_by_id, claimed_at, submitted_at, due_at, priority_at, created_at,
                updated_at, decision_note, appeal_statement, external_id, screening_matches)
            SELECT %(author)s, (%(desks)s)[1 + floor(d * array_length(%(desks)s, 1))::int],
                   'Post ' || n, 'Body of post ' || n, 'news',
                   CASE WHEN s < 0.02 THEN 'submitted' WHEN s < 0.03 THEN 'under_review'
                        WHEN s < 0.60 THEN 'approved' ELSE 'rejected' END,
                   CASE WHEN s >= 0.02 AND s < 0.03 THEN %(claimer)s END,
                   CASE WHEN s >= 0.02 AND s < 0.03 THEN now() END,
                   now() - make_interval(secs => %(posts)s - n),
                   now() - make_interval(secs => %(posts)s - n) + interval '24 hours',
                   now() - make_interval(secs => %(posts)s - n) + interval '24 hours',
                   now(), now(), '', '', '', '[]'
            FROM (SELECT n, random() AS d, random() AS s
                  FROM generate_series(1, %(posts)s) AS n) AS g
            """,
            {"author": author_id, "claimer": claimer_id, "desks": desk_ids, "posts": posts},
        )
    # What autovacuum does soon after a bulk load: statistics, and the visibility map that
    # lets the counts per desk read the index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE approvals_post")


def run(posts: int = 1_000_000, requests: int = 200) -> dict:
    desks = [Desk.objects.get(slug="general")] + [
        Desk.objects.create(name=f"Desk {i}", slug=f"desk-{i}") for i in range(19)
    ]
    reviewer = UserFactory(username=f"bench-reviewer-{time.time_ns()}", reviewer_on=desks[:2])
    author = UserFactory(username=f"bench-author-{time.time_ns()}")
    started = time.perf_counter()
    _generate(posts, author.pk, reviewer.pk, [d.pk for d in desks])
    generated_s = time.perf_counter() - started

    client = TwoFactorClient(SERVER_NAME="localhost")  # an allowed host outside the test runner
    client.force_login(reviewer)
    pages = ["/review/", "/review/?page=3", "/review/?state=submitted", "/review/?category=news"]
    for url in pages:  # warm up
        assert client.get(url).status_code == 200
    executed = []  # an execute wrapper, since request_started resets connection.queries
    with connection.execute_wrapper(
        lambda run, sql, *args: executed.append(sql) or run(sql, *args)
    ):
        client.get("/review/")
    timings = []
    for i in range(requests):
        t0 = time.perf_counter()
        response = client.get(pages[i % len(pages)])
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return {
        "posts": posts,
        "generated_in_s": round(generated_s, 1),
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "queries_per_page": len(executed),
        "target": "p95 <= 50 ms, queries constant in N",
        "met": p95 <= 50,
    }
