"""Takedowns reach every copy: revoking cleared and approved posts, chains of reposts, the
review rules for reposts, and account-wide takedowns worked through in chunks by a task."""

import json
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied

from approvals import enforcement, services
from approvals.exceptions import TransitionRefused
from approvals.models import AuditEntry, Category, Event, Post, State, Takedown
from approvals.platform import services as platform_services
from approvals.tasks import continue_takedown, sweep_outbox
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def chirp(author, other_author):
    platform = platform_services.platform_create(name="Chirp")
    for user in (author, other_author):
        link_account(platform=platform, user=user)
    return platform


def _repost(original, by):
    copy = services.post_create(
        author=by,
        title=original.title,
        body=original.body,
        category=original.category,
        repost_of=original,
    )
    return services.post_submit(post=copy, by=by)


def test_a_cleared_post_can_be_revoked(author, senior):
    post = PostFactory(author=author, category=Category.OTHER, title="Cat", body="My cat.")
    post = services.post_submit(post=post, by=author)
    assert post.state == State.CLEARED
    post = services.post_revoke(post=post, by=senior, reason_code="spam", note="Advert.")
    assert post.state == State.REVOKED and post.decision_note == "Advert."


def test_revoking_an_original_revokes_a_chain_of_reposts_each_with_its_own_event(
    chirp, author, other_author, reviewer, senior
):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    first = _repost(original, other_author)
    second = _repost(first, author)
    third = _repost(second, UserFactory(username="carol"))
    assert {p.state for p in (first, second, third)} == {State.CLEARED}
    Event.objects.all().delete()

    services.post_revoke(post=original, by=senior, reason_code="rumour", note="False.")

    chain = [original, first, second, third]
    assert [Post.objects.get(pk=p.pk).state for p in chain] == [State.REVOKED] * 4
    revocations = AuditEntry.objects.filter(action="post.revoke").order_by("seq")
    assert [e.post_id for e in revocations] == [p.pk for p in chain]
    assert all(e.actor == senior for e in revocations)
    revoked_events = [json.loads(e.body)["data"]["post_id"] for e in Event.objects.all()]
    # Carol is linked to no platform; the three others each make one event for Chirp.
    assert revoked_events == [original.pk, first.pk, second.pk]


def test_a_senior_who_wrote_a_repost_still_sees_it_come_down_with_the_original(
    author, reviewer, senior, second_senior
):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    own_copy = _repost(original, senior)
    with pytest.raises(PermissionDenied):
        services.post_revoke(post=own_copy, by=senior, reason_code="rumour")
    services.post_revoke(post=original, by=senior, reason_code="rumour")
    assert Post.objects.get(pk=own_copy.pk).state == State.REVOKED


def test_reposts_of_revoked_or_rejected_posts_are_refused(author, other_author, reviewer, senior):
    rejected = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    revoked = PostFactory(author=author, state=State.REVOKED, reviewer=reviewer, senior=senior)
    for original in (rejected, revoked):
        with pytest.raises(TransitionRefused, match="rejected or taken down"):
            _repost(original, other_author)


def test_a_repost_of_a_post_still_in_review_waits_for_review_itself(author, other_author, reviewer):
    waiting = PostFactory(author=author, state=State.SUBMITTED)
    assert _repost(waiting, other_author).state == State.SUBMITTED


def test_a_repost_cannot_be_approved_once_its_original_is_taken_down(
    author, other_author, reviewer, second_reviewer, senior
):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    edited = services.post_create(
        author=other_author, title="Edited", body="Edited copy.", repost_of=original
    )
    edited = services.post_submit(post=edited, by=other_author)
    assert edited.state == State.SUBMITTED  # an edited copy is reviewed
    services.post_claim(post=edited, by=second_reviewer)
    services.post_revoke(post=original, by=senior, reason_code="rumour")
    with pytest.raises(TransitionRefused, match="taken down"):
        services.post_approve(post=edited, by=second_reviewer)


def test_an_account_takedown_revokes_every_live_post_in_chunks(
    author, reviewer, senior, settings, django_capture_on_commit_callbacks
):
    settings.TAKEDOWN_CHUNK_SIZE = 4
    live = [PostFactory(author=author, state=State.APPROVED, reviewer=reviewer) for _ in range(6)]
    for n in range(3):
        post = services.post_create(
            author=author, title=f"Cat {n}", body="My cat.", category=Category.OTHER
        )
        live.append(services.post_submit(post=post, by=author))
    waiting = PostFactory(author=author, state=State.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        takedown = enforcement.account_takedown(account=author, by=senior, reason_code="spam")
    assert len(queued) == 1  # the first chunk is queued once the order commits
    # The task queues itself for each next chunk; here each run is the next message.
    chunks = [continue_takedown(takedown.pk) for _ in range(4)]
    takedown.refresh_from_db()
    assert chunks == [4, 4, 1, 0]
    assert takedown.finished_at is not None and takedown.revoked_count == 9
    assert {p.state for p in Post.objects.filter(pk__in=[p.pk for p in live])} == {State.REVOKED}
    assert Post.objects.get(pk=waiting.pk).state == State.SUBMITTED
    assert AuditEntry.objects.filter(action="account.takedown", account=author).count() == 1
    assert continue_takedown(takedown.pk) == 0  # idempotent once finished


def test_the_sweeper_resumes_a_takedown_whose_message_was_lost(
    author, reviewer, senior, django_capture_on_commit_callbacks
):
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        takedown = enforcement.account_takedown(account=author, by=senior, reason_code="spam")
    with mock.patch.object(continue_takedown, "delay") as delay:
        sweep_outbox()
    delay.assert_called_once_with(takedown.pk)
    assert Takedown.objects.get().finished_at is None


def test_a_suspension_can_take_down_every_live_post(
    author, reviewer, senior, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        enforcement.sanction_impose(
            user=author,
            by=senior,
            kind="suspension",
            note="Coordinated rumours.",
            reason_code="rumour",
            take_down=True,
        )
    takedown = Takedown.objects.get()
    continue_takedown(takedown.pk)
    continue_takedown(takedown.pk)
    assert Post.objects.get(pk=post.pk).state == State.REVOKED
    assert Takedown.objects.get().finished_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_copy_submitted_while_its_original_is_revoked_does_not_stay_live():
    """Submit of an unedited repost racing the revoke of its original, on PostgreSQL."""
    from approvals.models import Desk
    from tests.approvals.test_races import _race
    from tests.conftest import SENIOR

    desk = Desk.objects.get(slug="general")
    author, copier = UserFactory(username="alice"), UserFactory(username="oscar")
    reviewer = UserFactory(username="rita", reviewer_on=[desk])
    senior = UserFactory(username="sam", roles=SENIOR, reviewer_on=[desk])
    for _ in range(10):
        original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
        copy = services.post_create(
            author=copier, title=original.title, body=original.body, repost_of=original
        )
        _race(
            lambda c=copy: services.post_submit(post=c, by=copier),
            lambda o=original: services.post_revoke(post=o, by=senior, reason_code="rumour"),
        )
        assert Post.objects.get(pk=original.pk).state == State.REVOKED
        assert Post.objects.get(pk=copy.pk).state != State.CLEARED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_copy_a_platform_submits_while_its_original_is_revoked_does_not_stay_live():
    """The API's create-and-submit of an unedited repost racing the revoke of its original."""
    from approvals.models import Desk
    from tests.approvals.test_races import _race
    from tests.conftest import SENIOR

    desk = Desk.objects.get(slug="general")
    author, copier = UserFactory(username="alice"), UserFactory(username="oscar")
    reviewer = UserFactory(username="rita", reviewer_on=[desk])
    senior = UserFactory(username="sam", roles=SENIOR, reviewer_on=[desk])
    chirp = platform_services.platform_create(name="Chirp")
    link_account(platform=chirp, user=copier)
    for _ in range(10):
        original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
        submitted, _ = _race(
            lambda o=original: services.post_submit_for_platform(
                platform=chirp,
                author="oscar",
                title=o.title,
                body=o.body,
                category=o.category,
                repost_of=o,
            ),
            lambda o=original: services.post_revoke(post=o, by=senior, reason_code="rumour"),
        )
        assert Post.objects.get(pk=original.pk).state == State.REVOKED
        if isinstance(submitted, Post):  # it got in first, so the takedown reached it
            assert Post.objects.get(pk=submitted.pk).state != State.CLEARED
        else:
            assert isinstance(submitted, TransitionRefused), submitted
