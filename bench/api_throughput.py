"""API submissions per second under gunicorn with production settings, against a trivial
authenticated endpoint (GET /api/v1/whoami/) on the same server in the same run. Load comes
from wrk, a separate process (Debian's package), with a Lua script that gives every submission
its own external_id."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.processes import database_url
from tests.e2e.stack import Web
from tests.factories import UserFactory, link_account

LUA = """
local counter, tid = 0, 0
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  tid = wrk.thread:get("tid")
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"author":"%s","title":"Bench %d-%d","body":"The council voted 30 to 2 for the tram.",'
    .. '"category":"news","external_id":"bench-%s-%d-%d"}', AUTHOR, tid, counter, RUN, tid,
    counter)
  return wrk.format("POST", "/api/v1/posts/", nil, body)
end
"""


def _wrk(url: str, key: str, seconds: int, script: Path | None = None) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", f"Authorization: Bearer {key}",
               "-H", "Content-Type: application/json", "--latency"]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", output)
    return {
        "per_s": round(rate, 1),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "p50": f"{p50.group(1)}{p50.group(2)}" if p50 else "",
    }


def _queries_per_submission(key: str, author: str) -> int:
    """SQL statements one submission runs (transaction control aside), counted in this
    process through the same view."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for n in range(2):  # the second, once the process has cached what it caches
        payload = {"author": author, "title": "Counted", "body": "Counted.", "category": "news"}
        payload["external_id"] = f"counted-{os.getpid()}-{n}"
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/posts/", payload, format="json", HTTP_HOST=settings.ALLOWED_HOSTS[0]
            )
        assert response.status_code == 201, response.content
    control = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
    return sum(1 for q in queries.captured_queries if q["sql"].split()[0].upper() not in control)


def run(seconds: int = 10, web_workers: int = 3) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "needs wrk (apt-get install wrk)"}
    from approvals.platform import services as platform_services

    platform = platform_services.platform_create(name="API bench")
    key = platform_services.api_key_create(platform=platform).key
    author = UserFactory(username="benchauthor")
    link_account(platform=platform, user=author)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "60",
        "API_RATE_PER_KEY": "10000000/minute",
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "false",  # wrk speaks plain http to gunicorn
    }
    web = Web(env, workers=web_workers).start()
    try:
        script = Path(tempfile.mkdtemp()) / "submit.lua"
        script.write_text(
            LUA.replace("AUTHOR", f'"{author.username}"').replace("RUN", f'"{os.getpid()}"')
        )
        _wrk(f"{web.url}/api/v1/whoami/", key, 2)  # warm up
        trivial = _wrk(f"{web.url}/api/v1/whoami/", key, seconds)
        submissions = _wrk(f"{web.url}/api/v1/posts/", key, seconds, script)
    finally:
        web.stop()
    ratio = submissions["per_s"] / trivial["per_s"]
    queries = _queries_per_submission(key, author.username)
    return {
        "gunicorn_workers": web_workers,
        "trivial_per_s": trivial["per_s"],
        "submissions_per_s": submissions["per_s"],
        "submission_errors": submissions["non_2xx"],
        "submission_p50": submissions["p50"],
        "ratio": round(ratio, 2),
        "queries_per_submission": queries,
        "target": "submissions >= 50 % of the trivial endpoint; <= 12 queries each",
        "met": ratio >= 0.5 and submissions["non_2xx"] == 0 and queries <= 12,
    }
