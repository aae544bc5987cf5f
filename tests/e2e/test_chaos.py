"""Short versions of `make chaos`: each fault under load, and nothing lost, no 5xx."""

import pytest

from bench import chaos

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scenario", list(chaos.SHORT))
def test_a_fault_under_load_loses_nothing_and_answers_no_5xx(scenario):
    tally = chaos.SHORT[scenario]()
    print(chaos.table([tally]))
    assert tally.sent > 0, tally
    assert tally.lost == 0 and tally.emails_lost == 0, tally
    assert tally.server_errors == 0, tally
    assert tally.workers_died == 0, tally  # they reconnect by themselves
    if scenario == "two_workers_one_beat":
        assert tally.duplicates == 0, tally
