"""A resubmission goes back to the reviewer who asked for the changes, while they are active
and serve the desk, for CLAIM_IDLE_MINUTES; then, or otherwise, to the general pool."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from guardian.shortcuts import remove_perm

from approvals import selectors, services, tasks
from approvals.exceptions import Conflict
from approvals.models import AuditEntry, Post, State
from tests.factories import PostFactory, UserFactory
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(minutes: float = 0):
    return time_machine.travel(T0 + timedelta(minutes=minutes), tick=False)


def resubmitted(author, reviewer, title="Harbour reopens") -> Post:
    """Rita asks for changes at T0; the author edits and resubmits a minute later."""
    with at(0):
        post = PostFactory(
            author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer, title=title
        )
    with at(1):
        services.post_update(
            post=post,
            by=author,
            title=post.title,
            body="Source: the port authority.",
            category="news",
        )
        return services.post_resubmit(post=post, by=author)


@pytest.fixture(autouse=True)
def _idle_window(settings):
    settings.CLAIM_IDLE_MINUTES = 60


def test_a_resubmission_goes_back_to_the_reviewer_who_asked_for_the_changes(
    author, reviewer, second_reviewer
):
    post = resubmitted(author, reviewer)
    assert post.reserved_for == reviewer
    assert post.reserved_until == T0 + timedelta(minutes=61)
    entry = AuditEntry.objects.filter(post=post, action="post.resubmit").get()
    assert entry.data["returned_to"] == reviewer.pk
    with at(2):
        assert services.post_claim_next(by=second_reviewer) is None
        with pytest.raises(Conflict, match="Returned to Rita Reviewer"):
            services.post_claim(post=post, by=second_reviewer)
        claimed = services.post_claim_next(by=reviewer)
    assert claimed.pk == post.pk and claimed.claimed_by == reviewer
    assert (claimed.reserved_for, claimed.reserved_until) == (None, None)


def test_the_reviewer_is_told_the_post_is_back_with_them(author, reviewer):
    resubmitted(author, reviewer)
    send_waiting_mail()
    to_rita = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_rita) == 1
    assert "back with you" in to_rita[0].subject


def test_the_queue_marks_a_returned_post_for_everyone(client, author, reviewer, second_reviewer):
    post = resubmitted(author, reviewer)
    with at(2):
        client.force_login(second_reviewer)
        page = client.get("/review/").content.decode()
        assert "Returned to Rita Reviewer" in page
        assert 'data-action="claim"' not in client.get(post.get_absolute_url()).content.decode()
        client.force_login(reviewer)
        assert "Returned to you" in client.get("/review/").content.decode()
        assert 'data-action="claim"' in client.get(post.get_absolute_url()).content.decode()


def test_claim_next_takes_what_was_returned_to_the_reviewer_first(author, reviewer, desk):
    with at(-600):
        PostFactory(author=author, state=State.SUBMITTED, title="Older, in the pool")
    post = resubmitted(author, reviewer)
    with at(2):
        assert selectors.review_queue(user=reviewer).first().title == "Older, in the pool"
        assert services.post_claim_next(by=reviewer).pk == post.pk


def test_unclaimed_within_the_idle_window_it_falls_back_to_the_pool(
    author, reviewer, second_reviewer
):
    post = resubmitted(author, reviewer)
    with at(62):
        assert services.post_claim_next(by=second_reviewer).pk == post.pk


def test_beat_returns_a_lapsed_reservation_to_the_pool(author, reviewer):
    post = resubmitted(author, reviewer)
    with at(30):
        tasks.release_idle_claims()
        assert Post.objects.get(pk=post.pk).reserved_for == reviewer
    with at(62):
        tasks.release_idle_claims()
    post.refresh_from_db()
    assert (post.reserved_for, post.reserved_until, post.returned_to) == (None, None, None)


def test_a_reviewer_who_left_the_desk_gets_nothing_back(author, reviewer, second_reviewer, desk):
    with at(0):
        post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    remove_perm("approvals.review_desk", reviewer, desk)
    with at(1):
        services.post_update(post=post, by=author, title="Fixed", body="Fixed.", category="news")
        post = services.post_resubmit(post=post, by=author)
        assert post.reserved_for is None
        assert services.post_claim_next(by=second_reviewer).pk == post.pk


def test_a_reviewer_who_loses_the_desk_after_the_resubmission_frees_it_at_the_next_sweep(
    author, reviewer, second_reviewer, desk
):
    post = resubmitted(author, reviewer)
    remove_perm("approvals.review_desk", reviewer, desk)
    with at(5):
        tasks.release_idle_claims()
        assert Post.objects.get(pk=post.pk).reserved_for is None
        assert services.post_claim_next(by=second_reviewer).pk == post.pk


def test_an_inactive_reviewer_gets_nothing_back(author, reviewer, second_reviewer):
    with at(0):
        post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    reviewer.is_active = False
    reviewer.save()
    with at(1):
        services.post_update(post=post, by=author, title="Fixed", body="Fixed.", category="news")
        post = services.post_resubmit(post=post, by=author)
    assert post.reserved_for is None


def test_a_reviewer_deactivated_after_the_resubmission_frees_it_at_the_next_sweep(author, reviewer):
    post = resubmitted(author, reviewer)
    reviewer.is_active = False
    reviewer.save()
    with at(5):
        tasks.release_idle_claims()
    assert Post.objects.get(pk=post.pk).reserved_for is None


def test_the_database_never_reserves_a_post_for_its_author(author, reviewer):
    post = resubmitted(author, reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(reserved_for=author)


def test_a_reviewer_who_writes_a_post_never_has_it_returned_to_them(desk, reviewer):
    writer = UserFactory(username="wendy", reviewer_on=[desk])
    post = resubmitted(writer, reviewer)
    assert post.reserved_for == reviewer
    with at(62):
        assert services.post_claim_next(by=writer) is None  # their own, returned or not
