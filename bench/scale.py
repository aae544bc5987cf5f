"""Scale-out, proven: two gunicorn processes, two Celery workers and two beats (one of which
must stand by) on one PostgreSQL and one Redis. A platform submits `posts` posts over the API,
four reviewers claim and approve every one of them over HTTP, and every webhook must arrive
exactly once.

`make scale` runs it with 1,000 posts (bench/run_scale.py); the test suite with fewer.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import requests

from tests.e2e.stack import Beat, Stack, Tally, make_scene, settle


@dataclass
class ScaleRun:
    posts: int
    web_processes: int = 2
    workers: int = 2
    beats_started: int = 2
    reviewers: int = 4
    submitted: int = 0
    approved: int = 0
    deliveries: int = 0
    received: int = 0
    duplicates: int = 0
    lost: int = 0
    server_errors: int = 0
    beats_scheduling: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.submitted == self.posts
            and self.approved == self.posts
            and self.received == self.deliveries
            and self.duplicates == 0
            and self.lost == 0
            and self.server_errors == 0
            and self.beats_scheduling == 1
        )

    def row(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "notes"}


def scale_out(posts: int = 1000, reviewers: int = 4) -> ScaleRun:
    started = time.monotonic()
    run = ScaleRun(posts=posts, reviewers=reviewers)
    stack = Stack(workers=2, separate_beat=True)
    second_beat = Beat(stack.env).start()  # must stand by: one beat at a time
    tally = Tally(scenario="scale-out")
    try:
        scene = make_scene(stack)
        names = [scene.reviewer, *_more_reviewers(reviewers - 1)]
        ids = _submit(stack, scene, posts, tally)
        run.submitted = len(ids)
        run.approved = _review(stack, names, ids, tally)
        settle(stack, scene, tally, timeout=180)
        run.beats_scheduling = sum(
            "holds the scheduling lock" in (b.dir / "beat.log").read_text(errors="replace")
            for b in (stack.beat, second_beat)
        )
    finally:
        second_beat.stop()
        stack.stop()
    run.deliveries, run.received = tally.sent, tally.delivered
    run.duplicates, run.lost = tally.duplicates, tally.lost
    run.server_errors = tally.server_errors
    run.notes = tally.notes
    run.seconds = round(time.monotonic() - started, 1)
    return run


def _more_reviewers(count: int) -> list[str]:
    from approvals.models import Desk
    from tests.factories import UserFactory

    general = Desk.objects.get(slug="general")
    suffix = time.time_ns() % 10**9
    return [
        UserFactory(username=f"scale{suffix}r{n}", reviewer_on=[general]).username
        for n in range(count)
    ]


def _submit(stack: Stack, scene, posts: int, tally: Tally) -> list[int]:
    url = f"{stack.web.url}/api/v1/posts/"
    local = threading.local()
    lock = threading.Lock()

    def one(n: int) -> int | None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["Authorization"] = f"Bearer {scene.api_key}"
        body = {
            "author": scene.author,
            "title": f"Tram line vote {n}",
            "body": "The council votes on the new tram line tonight.",
            "category": "news",
            "external_id": f"scale-{n}",
        }
        response = local.session.post(url, json=body, timeout=60)
        with lock:
            tally.answers[response.status_code] += 1
        return response.json()["id"] if response.status_code == 201 else None

    with ThreadPoolExecutor(4) as pool:
        return [pk for pk in pool.map(one, range(posts)) if pk is not None]


def _review(stack: Stack, reviewers: list[str], ids: list[int], tally: Tally) -> int:
    """Each reviewer, in a thread of their own, claims and approves posts from one shared
    pile until it is empty."""
    from django.db import connection

    from tests.logins import csrf_token, log_in_over_http

    pile: queue.SimpleQueue[int] = queue.SimpleQueue()
    for pk in ids:
        pile.put(pk)
    lock = threading.Lock()
    approved = 0

    def work(username: str) -> None:
        nonlocal approved
        session = requests.Session()
        try:
            home = log_in_over_http(session, stack.web.url, username)
        finally:
            connection.close()  # the login made a recovery code in this thread's connection
        token = csrf_token(home.text)
        while True:
            try:
                pk = pile.get_nowait()
            except queue.Empty:
                return
            page = f"{stack.web.url}/posts/{pk}/"
            for action, data in (("claim", {}), ("approve", {"approve-note": "Checked."})):
                response = session.post(
                    f"{page}{action}/",
                    data={"csrfmiddlewaretoken": token, **data},
                    headers={"Referer": page},
                    timeout=60,
                )
                with lock:
                    tally.answers[response.status_code] += 1
            if "Approved." in response.text:
                with lock:
                    approved += 1

    with ThreadPoolExecutor(len(reviewers)) as pool:
        list(pool.map(work, reviewers))
    return approved


def table(run: ScaleRun) -> str:
    row = run.row()
    width = max(len(k) for k in row)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in row.items())
