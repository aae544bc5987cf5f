"""Run a real Celery worker (with beat) as a separate process against the test database."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own process group (so a test can signal all of it), its output
    appended to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


class Worker:
    """`celery worker -B` in its own process group, so a test can SIGKILL all of it."""

    def __init__(self, with_beat: bool = True, **env: str):
        self.with_beat = with_beat
        self.dir = Path(tempfile.mkdtemp(prefix="imprimatur-worker-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_DIR": str(settings.BROKER_DIR),
            "WEBHOOK_TIMEOUT_SECONDS": "3",
            "WEBHOOK_RETRY_SCHEDULE": "1,1,1,1,1,1",
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_SWEEP_GRACE_SECONDS": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.log = self.dir / "worker.log"

    def purge(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )

    def start(self, timeout: float = 60) -> "Worker":
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *(["-B"] if self.with_beat else []),
            "--loglevel=INFO",
            f"--pool={self.env.get('CELERY_WORKER_POOL', 'prefork')}",
            f"--concurrency={self.env.get('CELERY_WORKER_CONCURRENCY', '2')}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--schedule",
            str(self.dir / "beat-schedule"),
        ]
        self.process = spawn(command, self.env, self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"worker did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker, its pool and its beat: no chance to ack or clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(predicate, timeout: float = 30, interval: float = 0.1, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
