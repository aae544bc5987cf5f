"""The oversight dashboard with 1,000,000 decisions in its 30-day range: p50/p95 of the page
over BENCH_OVERSIGHT_REQUESTS requests, computed live from the audit trail (rollups off), then
after rolling the closed days up (approvals.rollups), with the time the rollup took.

The rows are bench/export_memory.py's generator's (posts, one decision each in the audit trail,
written in SQL), spread over the 31 days up to today, in a scratch database beside
DATABASE_URL's:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/oversight_page.py
    (BENCH_OVERSIGHT_ROWS=1000000, BENCH_OVERSIGHT_REQUESTS=20, BENCH_OVERSIGHT_DATABASE)
"""

import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timings(client, requests: int) -> dict:
    client.get("/review/oversight/")  # warm
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/review/oversight/")
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


def run(rows: int, requests: int, name: str) -> dict:
    from bench.export_memory import _generate
    from bench.run import on_scratch_database

    on_scratch_database(name)
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.models import Role
    from approvals import rollups
    from tests.factories import UserFactory
    from tests.logins import TwoFactorClient

    today = timezone.localdate()
    first_day = today - timedelta(days=31)
    result = {"decisions": rows, **_generate(rows, first_day, days=31)}
    operator = UserFactory(username="bench-oversight-operator", roles=[Role.OPERATOR])
    client = TwoFactorClient(SERVER_NAME="localhost")
    client.force_login(operator)
    with override_settings(OVERSIGHT_ROLLUPS=False):
        result["live"] = _timings(client, requests)
    started = time.perf_counter()
    days = rollups.roll_up(since=first_day)
    result["rollup"] = {"days": len(days), "seconds": round(time.perf_counter() - started, 1)}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE approvals_decisiontimerollup")
        cursor.execute("VACUUM ANALYZE approvals_decisioncountrollup")
    result["rolled_up"] = _timings(client, requests)
    return result


def main() -> None:
    rows = int(os.environ.get("BENCH_OVERSIGHT_ROWS", 1_000_000))
    requests = int(os.environ.get("BENCH_OVERSIGHT_REQUESTS", 20))
    name = os.environ.get("BENCH_OVERSIGHT_DATABASE", "imprimatur_bench_oversight")
    result = run(rows, requests, name)
    for key in ("live", "rolled_up"):
        r = result[key]
        print(f"{key:<10} p50 {r['p50_ms']:>9} ms  p95 {r['p95_ms']:>9} ms  ({r['requests']} req.)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
