"""Prometheus in several processes (prometheus_client's multiprocess mode).

Every process of a host that shares PROMETHEUS_MULTIPROC_DIR (gunicorn's, Celery's) writes its
samples to files there, named by process id, and /metrics adds them up. Files of processes
that have died are dropped when gunicorn or a Celery worker starts, so the folder does not
grow without end (their counters restart from zero, which Prometheus's rate() allows for).
"""

import os
from pathlib import Path


def _folder() -> Path | None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(folder) if folder else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def forget_dead_processes() -> None:
    folder = _folder()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def process_exited(pid: int) -> None:
    if _folder() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
