"""The oversight dashboard: who sees which desk's figures, what the figures are, the queue
samples the beat writes, and each table as CSV."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from approvals import oversight, services
from approvals.models import Post, QueueDepthSample, State
from approvals.oversight import Period, Scope
from approvals.tasks import sample_queue_depth
from tests.conftest import SENIOR
from tests.factories import DeskFactory, PostFactory, UserFactory

URL = "/review/oversight/"


def decided(*, author, reviewer, hours: float, action: str = "approve", desk=None) -> Post:
    """A post submitted three days ago and decided `hours` later."""
    start = timezone.now() - timedelta(days=3)
    with time_machine.travel(start, tick=False):
        post = PostFactory(author=author)
        if desk is not None:
            Post.objects.filter(pk=post.pk).update(desk=desk)
            post.refresh_from_db()
        post = services.post_submit(post=post, by=author)
    with time_machine.travel(start + timedelta(hours=hours), tick=False):
        post = services.post_claim(post=post, by=reviewer)
        if action == "reject":
            return services.post_reject(post=post, by=reviewer, reason_code="rumour", note="No.")
        return services.post_approve(post=post, by=reviewer)


def scope_all() -> Scope:
    return Scope(every_desk=True)


# --- who sees what -------------------------------------------------------------------------


def test_an_author_cannot_open_the_dashboard_nor_sees_the_link(client, author):
    client.force_login(author)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=csv&section=overdue").status_code == 403
    assert "Oversight" not in client.get("/posts/").content.decode()


def test_a_superuser_without_a_role_cannot_open_the_dashboard(client, db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True, roles=[])
    client.force_login(admin)
    assert client.get(URL).status_code == 403


def test_a_reviewer_sees_the_link_and_the_figures_of_their_desk(client, reviewer, author):
    decided(author=author, reviewer=reviewer, hours=2)
    client.force_login(reviewer)
    assert 'href="/review/oversight/"' in client.get("/review/").content.decode()
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Time to decision per desk" in html
    assert "General" in html
    assert "Webhook delivery health" not in html  # platform-wide: not for a desk's reviewer


def test_a_reviewer_of_another_desk_cannot_see_this_desks_figures(
    client, reviewer, outside_reviewer, author, desk
):
    decided(author=author, reviewer=reviewer, hours=2)
    client.force_login(outside_reviewer)
    asked = client.get(URL, {"desk": desk.pk})
    assert asked.status_code == 400
    assert "Choose one of the desks listed" in asked.content.decode()
    assert (
        client.get(URL, {"desk": desk.pk, "format": "csv", "section": "times-desk"}).status_code
        == 400
    )
    # Without a desk: only their own desk's figures, none of General's.
    for key in ("times-desk", "times-reviewer", "overdue"):
        body = b"".join(
            client.get(URL, {"format": "csv", "section": key}).streaming_content
        ).decode()
        assert "General" not in body and "Rita" not in body, key
    page = client.get(URL).content.decode()
    assert "Rita Reviewer" not in page


def test_a_reviewer_cannot_download_the_platform_tables(client, reviewer):
    client.force_login(reviewer)
    assert client.get(URL, {"format": "csv", "section": "webhooks"}).status_code == 404


def test_seniors_and_operators_see_every_desk_and_the_webhooks(client, desk, other_desk):
    operator = UserFactory(username="olga", roles=[Role.OPERATOR])
    senior = UserFactory(username="sam", roles=SENIOR)
    for user in (operator, senior):
        assert oversight.oversight_scope(user=user).every_desk
        client.force_login(user)
        page = client.get(URL, {"desk": other_desk.pk})
        assert page.status_code == 200
        assert "Webhook delivery health" in page.content.decode()


def test_the_period_is_checked(client, reviewer):
    client.force_login(reviewer)
    assert client.get(URL, {"from": "2026-13-01"}).status_code == 400
    backwards = client.get(URL, {"from": "2026-05-02", "to": "2026-05-01"})
    assert backwards.status_code == 400
    assert "after the end date" in backwards.content.decode()
    too_long = client.get(URL, {"from": "2020-01-01", "to": "2026-01-01"})
    assert too_long.status_code == 400


# --- the figures -----------------------------------------------------------------------------


def test_time_to_decision_p50_and_p90_per_desk_and_per_reviewer(reviewer, second_reviewer, author):
    for hours in (1, 2, 3, 4):
        decided(author=author, reviewer=reviewer, hours=hours)
    decided(author=author, reviewer=second_reviewer, hours=30)  # past the 24 h target
    period = Period.last_days(7)
    by_desk = oversight.decision_times_by_desk(scope=scope_all(), period=period).rows
    assert len(by_desk) == 1
    row = by_desk[0]
    assert row["decisions"] == 5
    assert row["late"] == 1
    assert row["p50"] == pytest.approx(3.0, abs=0.01)
    # percentile_cont: 0.9 of the way from rank 4 (4 h) to rank 5 (30 h) is 4 + 0.6 * 26.
    assert row["p90"] == pytest.approx(19.6, abs=0.01)
    by_reviewer = {
        r["reviewer"]: r
        for r in oversight.decision_times_by_reviewer(scope=scope_all(), period=period).rows
    }
    assert by_reviewer["Rita Reviewer"]["decisions"] == 4
    assert by_reviewer["Rita Reviewer"]["p50"] == pytest.approx(2.5, abs=0.01)
    assert by_reviewer["Rob Reviewer"]["p90"] == pytest.approx(30.0, abs=0.01)


def test_decisions_outside_the_period_are_not_counted(reviewer, author):
    decided(author=author, reviewer=reviewer, hours=1)
    earlier = Period(
        first=timezone.localdate() - timedelta(days=30),
        last=timezone.localdate() - timedelta(days=10),
    )
    assert oversight.decision_times_by_desk(scope=scope_all(), period=earlier).rows == []


def test_decisions_by_reason_code_and_appeal_overturn_rate(reviewer, author, senior):
    second_senior = UserFactory(username="sue", roles=SENIOR)
    posts = [decided(author=author, reviewer=reviewer, hours=1, action="reject") for _ in range(3)]
    for post in posts:
        services.post_appeal(post=post, by=author, statement="It is true.")
    services.post_overturn(post=posts[0], by=senior, note="Sourced after all.")
    services.post_uphold(post=posts[1], by=second_senior, note="Still unsourced.")
    services.post_uphold(post=posts[2], by=senior, note="Still unsourced.")
    period = Period.last_days(7)
    reasons = oversight.decisions_by_reason(scope=scope_all(), period=period).rows
    assert [(r["rejected"], r["upheld"], r["total"]) for r in reasons] == [(3, 2, 5)]
    appeals = oversight.appeal_outcomes(scope=scope_all(), period=period).rows
    assert appeals == [
        {
            "desk": "General",
            "decided": 3,
            "overturned": 1,
            "upheld": 2,
            "rate": pytest.approx(1 / 3),
        }
    ]


def test_screening_flags_count_other_posts_pulled_into_review(author, settings):
    settings.SCREENING_THRESHOLD = 1.0
    for score in (0.2, 1.5, 3.0):
        post = PostFactory(author=author, category="other", state=State.SUBMITTED)
        Post.objects.filter(pk=post.pk).update(screening_score=score)
    rows = oversight.screening_flags(scope=scope_all(), period=Period.last_days(7)).rows
    assert rows == [{"desk": "General", "screened": 3, "flagged": 2, "share": pytest.approx(2 / 3)}]


# --- queue samples (beat) -----------------------------------------------------------------------


def test_the_queue_sample_counts_waiting_and_overdue_per_desk_once_per_bucket(
    author, desk, other_desk, settings
):
    settings.QUEUE_SAMPLE_SECONDS = 300
    with time_machine.travel(timezone.now() - timedelta(hours=30), tick=False):
        PostFactory(author=author, state=State.SUBMITTED)  # past General's 24 h target
    PostFactory(author=author, state=State.SUBMITTED)
    at = timezone.now()
    with time_machine.travel(at, tick=False):
        assert sample_queue_depth() >= 2
        PostFactory(author=author, state=State.SUBMITTED)
        sample_queue_depth()  # the same bucket: the first sample stands
    samples = {s.desk_id: s for s in QueueDepthSample.objects.all()}
    assert (samples[desk.pk].waiting, samples[desk.pk].overdue) == (2, 1)
    assert (samples[other_desk.pk].waiting, samples[other_desk.pk].overdue) == (0, 0)
    assert samples[desk.pk].at == oversight.sample_bucket(at)
    assert samples[desk.pk].at.timestamp() % 300 == 0
    with time_machine.travel(at + timedelta(seconds=300), tick=False):
        sample_queue_depth()
    assert QueueDepthSample.objects.filter(desk=desk).count() == 2


def test_the_database_refuses_two_samples_of_one_desk_in_one_bucket(desk):
    at = oversight.sample_bucket(timezone.now())
    QueueDepthSample.objects.create(desk=desk, at=at, waiting=1, overdue=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueDepthSample.objects.create(desk=desk, at=at, waiting=2, overdue=0)


def test_queue_depth_over_time_and_overdue_now_read_the_samples(client, senior, desk):
    now = timezone.now()
    for hours, waiting in ((3, 4), (2, 9), (1, 6)):
        QueueDepthSample.objects.create(
            desk=desk, at=now - timedelta(hours=hours), waiting=waiting, overdue=1
        )
    period = Period(first=timezone.localdate() - timedelta(days=1), last=timezone.localdate())
    depth = oversight.queue_depth(scope=scope_all(), period=period).rows
    assert sorted(r["waiting"] for r in depth) == [4, 6, 9]
    newest = oversight.overdue_now(scope=scope_all(), desk=desk).rows
    assert newest[0]["waiting"] == 6
    client.force_login(senior)
    html = client.get(URL).content.decode()
    assert '<svg class="chart"' in html
    assert 'aria-labelledby="chart-queue-title"' in html


def test_each_table_downloads_as_csv(client, senior, reviewer, author):
    decided(author=author, reviewer=reviewer, hours=2)
    client.force_login(senior)
    for key in oversight.sections(scope=scope_all(), period=Period.last_days()):
        response = client.get(URL, {"format": "csv", "section": key})
        assert response.status_code == 200, key
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        body = b"".join(response.streaming_content).decode("utf-8")
        assert body.startswith("\ufeff")
    times = b"".join(
        client.get(URL, {"format": "csv", "section": "times-desk"}).streaming_content
    ).decode()
    assert "General" in times.splitlines()[1]


def test_the_dashboard_runs_a_bounded_number_of_queries(
    client, senior, reviewer, author, django_assert_max_num_queries
):
    for desk_no in range(3):
        desk = DeskFactory()
        reviewer_there = UserFactory(reviewer_on=[desk])
        decided(author=author, reviewer=reviewer_there, hours=desk_no + 1, desk=desk)
    decided(author=author, reviewer=reviewer, hours=1)
    client.force_login(senior)
    with django_assert_max_num_queries(40):
        assert client.get(URL).status_code == 200
