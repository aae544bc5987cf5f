"""`make run` stays up: supervisord with config/supervisord.conf, as `make run` starts it (local
settings, SQLite, the filesystem broker). A worker killed outright is started again while the
web server keeps answering; an interrupt stops everything gracefully."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.e2e.processes import wait_for
from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _children_of(parent: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[1]) == parent:
            found[int(entry.name)] = cmdline
    return found


def _worker(supervisor: int) -> int | None:
    for pid, cmdline in _children_of(supervisor).items():
        if "celery" in cmdline and " worker " in cmdline:
            return pid
    return None


def _web_answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def test_a_crashed_worker_comes_back_and_ctrl_c_stops_everything_gracefully(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "VIRTUAL_ENV_BIN": str(BIN),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "RECEIVER_PORT": str(free_port()),
        "RUN_DIR": str(tmp_path),
    }
    (tmp_path / "metrics").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    log = (tmp_path / "supervisord.out").open("w")
    supervisor = subprocess.Popen(
        [str(BIN / "supervisord"), "-c", "config/supervisord.conf"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/accounts/login/"
    try:
        wait_for(lambda: _web_answers(url), timeout=60, message="the web server")
        first = wait_for(lambda: _worker(supervisor.pid), timeout=60, message="the worker")
        os.kill(first, signal.SIGKILL)
        second = wait_for(
            lambda: (pid := _worker(supervisor.pid)) != first and pid,
            timeout=60,
            message="a new worker",
        )
        assert second and second != first
        assert _web_answers(url), "the web server kept serving"
        wait_for(lambda: "ready." in (tmp_path / "supervisord.out").read_text(), timeout=60)
        supervisor.send_signal(signal.SIGINT)  # what Ctrl-C does
        assert supervisor.wait(timeout=60) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        log.close()
    output = (tmp_path / "supervisord.out").read_text()
    assert "worker" in output and "exited: worker" in output  # told about the crash
    assert "stopped: worker (exit status 0)" in output  # a warm shutdown, not a kill
    assert "stopped: web" in output
    assert _worker(supervisor.pid) is None and not _web_answers(url)
