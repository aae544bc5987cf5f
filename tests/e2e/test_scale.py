"""The scale-out check of `make scale`, smaller: two gunicorn processes, two workers, two
beats (one standing by), four reviewers; every webhook exactly once."""

import pytest

from bench.scale import scale_out, table

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_two_web_processes_two_workers_and_two_beats_deliver_every_webhook_once():
    run = scale_out(posts=120)
    print(table(run))
    assert run.ok, table(run) + "\n" + "\n".join(run.notes)
