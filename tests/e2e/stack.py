"""The whole service as separate processes, for fault injection (`make chaos`, and its short
versions in the test suite): a private redis-server, gunicorn, Celery workers and beat, all
on one PostgreSQL database, a webhook receiver, and load from reviewers and a platform over
HTTP. Each scenario breaks something, then counts what was sent, delivered, duplicated, lost,
and how many requests were answered with a 5xx.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.e2e.processes import Worker, database_url, spawn, wait_for
from tests.receiver import Receiver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own on its own port, to stop and start without touching anyone
    else's."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="imprimatur-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, message="redis-server")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Web:
    """gunicorn serving the app (with production's gunicorn config), in its own process group."""

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkdtemp(prefix="imprimatur-web-")) / "web.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Web:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "config/gunicorn.py",  # production's, with the address and size of this stack
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "60",
        ]
        self.process = spawn(command, self.env, self.log)

        def up():
            try:
                return requests.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout=60, message="gunicorn")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


class Beat:
    """celery beat alone (for a stack with several workers and one beat)."""

    def __init__(self, env: dict[str, str]):
        self.dir = Path(tempfile.mkdtemp(prefix="imprimatur-beat-"))
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Beat:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(self.dir / "schedule"),
        ]
        self.process = spawn(command, self.env, self.dir / "beat.log")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


@dataclass
class Tally:
    """What one scenario did and what came of it."""

    scenario: str
    answers: Counter = field(default_factory=Counter)  # HTTP status (or "error") → count
    sent: int = 0  # deliveries written
    delivered: int = 0  # distinct webhook-ids received
    duplicates: int = 0  # receipts beyond the first of a webhook-id
    lost: int = 0  # deliveries never received
    emails_lost: int = 0
    workers_died: int = 0  # worker processes found dead at the end (none should be)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(
            n for status, n in self.answers.items() if isinstance(status, int) and status >= 500
        )

    @property
    def refused(self) -> int:
        return self.answers.get("error", 0)

    def row(self) -> dict:
        return {
            "scenario": self.scenario,
            "sent": self.sent,
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "lost": self.lost,
            "emails_lost": self.emails_lost,
            "workers_died": self.workers_died,
            "5xx": self.server_errors,
            "requests": sum(self.answers.values()),
            "seconds": round(self.seconds, 1),
        }


class Stack:
    """Everything a scenario needs, started against the current database."""

    def __init__(self, *, workers: int = 1, separate_beat: bool = False, **env: str):
        self.redis = RedisServer().start()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "SHARED_CACHE": "1",  # throttling counts in this Redis, as in production
            "CONN_MAX_AGE": "60",
            "WEBHOOK_TIMEOUT_SECONDS": "3",
            "WEBHOOK_RETRY_SCHEDULE": "1,2,4,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8",
            "WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS": "2",
            "WEBHOOK_CIRCUIT_MAX_PROBE_SECONDS": "10",
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_SWEEP_GRACE_SECONDS": "2",
            "API_RATE_PER_KEY": "100000/minute",
            **env,
        }
        self.receiver = Receiver().start()
        self.web = Web(self.env).start()
        self.workers: list[Worker] = []
        for n in range(workers):
            beat = not separate_beat and n == 0
            self.workers.append(self._worker(beat=beat).start())
        self.beat = Beat(self.env).start() if separate_beat else None

    def _worker(self, *, beat: bool) -> Worker:
        worker = Worker(with_beat=beat)
        worker.env = {**self.env, "DATABASE_APPLICATION_NAME": "imprimatur-worker"}
        return worker

    def restart_worker(self, index: int = 0) -> None:
        old = self.workers[index]
        self.workers[index] = self._worker(beat=old.with_beat).start()

    def stop(self) -> None:
        for part in (*self.workers, self.beat, self.web):
            if part is not None:
                part.stop()
        self.receiver.stop()
        self.redis.stop()


# --- data and load ------------------------------------------------------------------------


@dataclass
class Scene:
    api_key: str
    author: str
    reviewer: str
    endpoint_id: int


def make_scene(stack: Stack) -> Scene:
    """A platform whose endpoint is the stack's receiver, an author linked to it, and a
    reviewer of the General desk (through the services, in this process's database)."""
    from approvals.models import Desk
    from approvals.platform import services as platform_services
    from tests.factories import UserFactory, link_account

    suffix = f"{time.time_ns() % 10**9}"
    platform = platform_services.platform_create(name=f"Chaos {suffix}")
    key = platform_services.api_key_create(platform=platform).key
    endpoint = platform_services.endpoint_create(platform=platform, url=stack.receiver.url)
    author = UserFactory(username=f"author{suffix}")
    link_account(platform=platform, user=author)
    reviewer = UserFactory(username=f"rev{suffix}", reviewer_on=[Desk.objects.get(slug="general")])
    return Scene(key, author.username, reviewer.username, endpoint.endpoint.pk)


class Load:
    """A platform submitting posts and a reviewer approving them, over HTTP, until stopped."""

    def __init__(self, stack: Stack, scene: Scene, tally: Tally, *, threads: int = 2):
        self.stack, self.scene, self.tally = stack, scene, tally
        self.threads = threads
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.submitted: list[int] = []
        self.approved: set[int] = set()
        self._pool: ThreadPoolExecutor | None = None

    def _answer(self, status) -> None:
        with self.lock:
            self.tally.answers[status] += 1

    def _request(self, session: requests.Session, method: str, url: str, **kwargs):
        try:
            response = session.request(method, url, timeout=30, **kwargs)
        except requests.RequestException:
            self._answer("error")
            return None
        self._answer(response.status_code)
        return response

    def _submitter(self, n: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.scene.api_key}"
        i = 0
        while not self.stop_event.is_set():
            i += 1
            body = {
                "author": self.scene.author,
                "title": f"Chaos {n}-{i}",
                "body": "A council vote on the new tram line.",
                "category": "news",
                "external_id": f"chaos-{n}-{i}-{time.time_ns()}",
            }
            response = self._request(
                session, "POST", f"{self.stack.web.url}/api/v1/posts/", json=body
            )
            if response is not None and response.status_code == 201:
                with self.lock:
                    self.submitted.append(response.json()["id"])
            time.sleep(0.05)

    def _reviewer(self) -> None:
        try:
            self._review()
        finally:
            from django.db import connection

            connection.close()

    def _review(self) -> None:
        session = requests.Session()
        base = self.stack.web.url
        while not self.stop_event.is_set() and not _log_in(session, base, self.scene.reviewer):
            time.sleep(0.5)
        while not self.stop_event.is_set():
            with self.lock:
                todo = [pk for pk in self.submitted if pk not in self.approved]
            if not todo:
                time.sleep(0.05)
                continue
            pk = todo[0]
            page = self._request(session, "GET", f"{base}/posts/{pk}/")
            token = _csrf(page.text) if page is not None and page.status_code == 200 else None
            if token is None:
                time.sleep(0.2)
                continue
            headers = {"Referer": f"{base}/posts/{pk}/"}
            for action, data in (("claim", {}), ("approve", {"approve-note": "Checked."})):
                self._request(
                    session,
                    "POST",
                    f"{base}/posts/{pk}/{action}/",
                    data={"csrfmiddlewaretoken": token, **data},
                    headers=headers,
                )
            from approvals.models import Post

            if Post.objects.filter(pk=pk, state="approved").exists():
                with self.lock:
                    self.approved.add(pk)

    def start(self) -> Load:
        self._pool = ThreadPoolExecutor(self.threads + 1)
        for n in range(self.threads):
            self._pool.submit(self._submitter, n)
        self._pool.submit(self._reviewer)
        return self

    def stop(self) -> None:
        self.stop_event.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _csrf(text: str) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    return match.group(1) if match else None


def _log_in(session: requests.Session, base: str, username: str) -> bool:
    from tests.logins import log_in_over_http  # needs Django set up, as make_scene does

    try:
        return "Log out" in log_in_over_http(session, base, username).text
    except requests.RequestException:
        return False


def settle(stack: Stack, scene: Scene, tally: Tally, *, timeout: float) -> Tally:
    """Wait until every delivery of the scene is delivered (or the time is up); count."""
    from accounts.models import Notification
    from approvals.models import Delivery, DeliveryStatus

    deliveries = Delivery.objects.filter(endpoint_id=scene.endpoint_id)

    def drained():
        return not deliveries.exclude(status=DeliveryStatus.DELIVERED).exists()

    try:
        wait_for(drained, timeout=timeout, interval=0.5, message="every delivery")
    except AssertionError:
        tally.notes.append("not every delivery arrived in time")
    ids = [r.headers.get("webhook-id") for r in stack.receiver.received]
    tally.sent = deliveries.count()
    tally.delivered = len(set(ids))
    tally.duplicates = len(ids) - len(set(ids))
    tally.lost = max(0, tally.sent - tally.delivered)
    with contextlib.suppress(AssertionError):  # counted just below
        wait_for(
            lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
            timeout=30,
            interval=0.5,
        )
    tally.emails_lost = Notification.objects.filter(sent_at__isnull=True).count()
    dead = [w for w in stack.workers if w.process.poll() is not None]
    tally.workers_died = len(dead)
    for worker in dead:  # say why, so a failure on CI can be read from its output
        last_lines = worker.log.read_text(errors="replace").splitlines()[-40:]
        tally.notes.append("worker log:\n" + "\n".join(last_lines))
    return tally
