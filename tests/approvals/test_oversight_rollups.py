"""Daily rollups of the oversight figures: a closed day rolled twice gives the same rows, a
decision recorded late for a closed day is counted by the next run, and the dashboard shows
from rollups what it computes live (counts exactly, percentiles within one bucket)."""

import math
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from approvals import oversight, rollups, services
from approvals.models import DecisionCountRollup, DecisionTimeRollup, OversightRollupDay
from approvals.oversight import Period, Scope
from approvals.tasks import rollup_oversight
from tests.approvals.test_oversight import decided
from tests.factories import DeskFactory, UserFactory

URL = "/review/oversight/"
ALL = Scope(every_desk=True)


def snapshot() -> tuple:
    times = sorted(
        DecisionTimeRollup.objects.values_list(
            "day", "desk_id", "actor_id", "decisions", "late", "histogram"
        )
    )
    counts = sorted(
        DecisionCountRollup.objects.values_list(
            "day", "desk_id", "action", "reason_code_id", "decisions"
        ),
        key=repr,
    )
    return times, counts


def figures(period: Period) -> dict:
    return {
        "desk": oversight.decision_times_by_desk(scope=ALL, period=period).rows,
        "reviewer": oversight.decision_times_by_reviewer(scope=ALL, period=period).rows,
        "reasons": oversight.decisions_by_reason(scope=ALL, period=period).rows,
        "appeals": oversight.appeal_outcomes(scope=ALL, period=period).rows,
    }


def within_one_bucket(rolled: float, live: float) -> bool:
    return abs(math.log(rolled / live)) <= math.log(rollups.BUCKET_FACTOR) + 1e-9


@pytest.fixture
def history(reviewer, second_reviewer, author, senior):
    """Decisions over the last three days on two desks, times from minutes to days, with
    rejections, appeals upheld and overturned."""
    desk = DeskFactory()
    elsewhere = UserFactory(username="eve", display_name="Eve Elsewhere", reviewer_on=[desk])
    for hours in (0.01, 0.3, 1, 2, 3, 5, 8, 13, 21, 34, 50):
        decided(author=author, reviewer=reviewer, hours=hours)
    for hours in (0.5, 4, 30):
        decided(author=author, reviewer=second_reviewer, hours=hours, action="reject")
    for hours in (1.5, 2.5, 60):
        decided(author=author, reviewer=elsewhere, hours=hours, desk=desk)
    rejected = [decided(author=author, reviewer=reviewer, hours=1, action="reject")]
    rejected.append(decided(author=author, reviewer=reviewer, hours=2, action="reject"))
    with time_machine.travel(timezone.now() - timedelta(hours=30), tick=False):
        for post in rejected:
            services.post_appeal(post=post, by=author, statement="It is true.")
        services.post_overturn(post=rejected[0], by=senior, note="Sourced after all.")
        services.post_uphold(post=rejected[1], by=senior, note="Still unsourced.")


def test_the_buckets_are_log_spaced_from_a_minute_to_a_month():
    assert rollups.bucket_of(59) == 0
    assert rollups.bucket_of(60) == 1
    assert rollups.bucket_of(120) == 1 + rollups.PER_DOUBLING
    assert rollups.bucket_of(40 * 86400) == rollups.BUCKETS - 1
    assert rollups.EDGES[-1] > 30 * 86400


def test_rolling_a_day_twice_gives_the_same_rows(history):
    yesterday = rollups.today() - timedelta(days=1)
    rollups.roll_up(since=yesterday - timedelta(days=4))
    first = snapshot()
    assert first[0] and first[1]
    rollups.roll_up(since=yesterday - timedelta(days=4))
    assert snapshot() == first
    assert OversightRollupDay.objects.filter(day=yesterday).count() == 1


def test_today_is_not_rolled_up(db):
    with pytest.raises(ValueError):
        rollups.roll_day(rollups.today())
    with pytest.raises(CommandError):
        call_command("rollup_oversight", since=rollups.today().isoformat())


def test_the_rolled_up_figures_equal_the_live_ones_within_one_bucket(history, settings):
    period = Period.last_days(7)
    settings.OVERSIGHT_ROLLUPS = False
    live = figures(period)
    settings.OVERSIGHT_ROLLUPS = True
    call_command("rollup_oversight", since=(rollups.today() - timedelta(days=7)).isoformat())
    assert rollups.split(period.start, period.end).days  # the rollups are read
    rolled = figures(period)
    assert rolled["reasons"] == live["reasons"]
    assert rolled["appeals"] == live["appeals"]
    for key, name in (("desk", "desk"), ("reviewer", "reviewer")):
        by_live = {r[name]: r for r in live[key]}
        by_rolled = {r[name]: r for r in rolled[key]}
        assert by_rolled.keys() == by_live.keys()
        for who, row in by_live.items():
            other = by_rolled[who]
            assert (other["decisions"], other["late"]) == (row["decisions"], row["late"])
            for p in ("p50", "p90"):
                assert within_one_bucket(other[p], row[p]), (who, p, other[p], row[p])


def test_today_is_counted_live_beside_the_rolled_up_days(history, reviewer, author):
    rollups.roll_up(since=rollups.today() - timedelta(days=7))
    period = Period.last_days(7)
    before = oversight.decision_times_by_desk(scope=ALL, period=period).rows
    # A decision made just now is today's: counted live.
    today_post = decided(author=author, reviewer=reviewer, hours=71.9)
    assert today_post.decided_at > timezone.now() - timedelta(hours=1)
    after = oversight.decision_times_by_desk(scope=ALL, period=period).rows
    general = {r["desk"]: r for r in after}["General"]
    assert general["decisions"] == {r["desk"]: r for r in before}["General"]["decisions"] + 1


def test_a_decision_recorded_late_for_a_closed_day_is_counted_by_the_next_run(
    reviewer, author, settings
):
    settings.OVERSIGHT_ROLLUP_REROLL_DAYS = 3
    decided(author=author, reviewer=reviewer, hours=2)  # three days ago
    rollup_oversight()
    period = Period.last_days(7)
    assert oversight.decision_times_by_desk(scope=ALL, period=period).rows[0]["decisions"] == 1
    # Another decision dated that day reaches the audit trail after the day was rolled up
    # (say, committed just after midnight): the rollup does not have it yet...
    decided(author=author, reviewer=reviewer, hours=3)
    day = (timezone.now() - timedelta(days=3) + timedelta(hours=3)).astimezone(rollups.zone())
    assert day.date() in rollups.split(period.start, period.end).days
    assert oversight.decision_times_by_desk(scope=ALL, period=period).rows[0]["decisions"] == 1
    # ...the next run re-rolls the last OVERSIGHT_ROLLUP_REROLL_DAYS days and counts it.
    rollup_oversight()
    assert oversight.decision_times_by_desk(scope=ALL, period=period).rows[0]["decisions"] == 2


def test_the_beat_rolls_up_days_never_rolled_in_batches(db, settings):
    settings.OVERSIGHT_ROLLUP_REROLL_DAYS = 2
    settings.OVERSIGHT_ROLLUP_HORIZON_DAYS = 10
    settings.OVERSIGHT_ROLLUP_BATCH_DAYS = 3
    # Each run: the last 2 days again, and at most 3 of the 8 before them never rolled.
    assert rollup_oversight() == 5
    assert rollup_oversight() == 5
    assert rollup_oversight() == 4
    assert OversightRollupDay.objects.count() == 10
    assert rollup_oversight() == 2


def test_a_reviewer_sees_only_their_desks_rolled_up_figures(
    client, history, outside_reviewer, reviewer
):
    rollups.roll_up(since=rollups.today() - timedelta(days=7))
    client.force_login(outside_reviewer)
    for key in ("times-desk", "times-reviewer", "reasons", "appeals"):
        body = b"".join(
            client.get(URL, {"format": "csv", "section": key}).streaming_content
        ).decode()
        assert "General" not in body and "Rita" not in body and "Eve" not in body, key
    client.force_login(reviewer)
    page = client.get(URL).content.decode()
    assert "Rita Reviewer" in page and "Eve Elsewhere" not in page


def test_an_author_still_cannot_open_the_dashboard(client, author, history):
    rollups.roll_up(since=rollups.today() - timedelta(days=7))
    client.force_login(author)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv", "section": "times-desk"}).status_code == 403


def test_the_dashboard_on_rollups_runs_a_bounded_number_of_queries(
    client, history, senior, django_assert_max_num_queries
):
    rollups.roll_up(since=rollups.today() - timedelta(days=7))
    client.force_login(senior)
    with django_assert_max_num_queries(40):
        page = client.get(URL)
    assert page.status_code == 200
    assert "Eve Elsewhere" in page.content.decode()
