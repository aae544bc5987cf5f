"""Exactly one beat schedules, even when two are started; the other takes over when it dies."""

import os
import time

import pytest
from django.conf import settings

from tests.e2e.processes import database_url, wait_for
from tests.e2e.stack import Beat

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _sent(beat: Beat) -> int:
    log = beat.dir / "beat.log"
    return log.read_text(errors="replace").count("Sending due task") if log.exists() else 0


def test_two_beats_schedule_once_and_the_second_takes_over():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "OUTBOX_SWEEP_SECONDS": "1",
    }
    first, second = Beat(env).start(), Beat(env).start()
    try:
        wait_for(lambda: _sent(first) + _sent(second) >= 6, timeout=60, message="sweeps sent")
        time.sleep(2)
        assert min(_sent(first), _sent(second)) == 0, (_sent(first), _sent(second))
        scheduling, standing_by = (first, second) if _sent(first) else (second, first)
        scheduling.stop()
        wait_for(lambda: _sent(standing_by) >= 2, timeout=30, message="the other beat taking over")
    finally:
        first.stop()
        second.stop()
