"""Bulk actions from the queue: each post through its own service and transaction, the result
told per post (approvals/bulk.py, views.bulk_action)."""

import pytest
from django.urls import reverse

from approvals import bulk
from approvals.models import AuditEntry, Event, Post, State
from approvals.platform import services as platform_services
from tests.conftest import SENIOR
from tests.factories import PostFactory, UserFactory, link_account
from tests.logins import TwoFactorClient

pytestmark = pytest.mark.django_db

URL = reverse("approvals:bulk_action")


def post_bulk(client, action, posts, **data):
    return client.post(URL, {"action": action, "post": [p.pk for p in posts], **data})


def outcomes_by_post(response) -> dict[int, bulk.Outcome]:
    return {outcome.post_id: outcome for outcome in response.context["outcomes"]}


def fresh(post) -> Post:
    return Post.objects.select_related("decided_by", "claimed_by").get(pk=post.pk)


def test_bulk_approve_decides_each_post_on_its_own_and_says_what_happened(
    client, author, reviewer, second_reviewer, desk, other_desk
):
    """One post already decided by someone else, one written by the reviewer, one on a desk
    the reviewer does not serve, one claimed by someone else: the others are approved."""
    link_account(platform=platform_services.platform_create(name="Chirp"), user=author)
    sam = UserFactory(username="sam", display_name="Sam", reviewer_on=[desk])
    claimed = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    waiting = PostFactory(author=author, state=State.SUBMITTED)
    decided_by_sam = PostFactory(author=author, state=State.APPROVED, reviewer=sam)
    held_by_rob = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=second_reviewer)
    own = PostFactory(author=reviewer, state=State.SUBMITTED, title="My own story")
    elsewhere = PostFactory(author=author, state=State.SUBMITTED, title="Elsewhere")
    Post.objects.filter(pk=elsewhere.pk).update(desk=other_desk)
    events_before = Event.objects.count()
    client.force_login(reviewer)

    response = post_bulk(
        client,
        "approve",
        [claimed, waiting, decided_by_sam, held_by_rob, own, elsewhere],
        note="Checked against the council minutes.",
    )

    assert response.status_code == 200
    result = outcomes_by_post(response)
    assert result[claimed.pk].done and result[claimed.pk].message == "Approved"
    assert result[waiting.pk].done
    assert not result[decided_by_sam.pk].done
    assert result[decided_by_sam.pk].message == "Already decided by Sam (approved)."
    assert result[held_by_rob.pk].message == "Already claimed by Rob Reviewer."
    assert result[own.pk].message == "You wrote this post."
    # A post on a desk the reviewer does not serve is not theirs to see: no title either.
    assert not result[elsewhere.pk].done and result[elsewhere.pk].title == ""
    page = response.content.decode()
    assert "Already decided by Sam (approved)." in page and "Elsewhere" not in page
    assert "2 posts approved." in page and "4 posts were left as they were" in page

    for post in (claimed, waiting):
        post = fresh(post)
        assert post.state == State.APPROVED and post.decided_by == reviewer
        assert post.decision_note == "Checked against the council minutes."
    assert fresh(decided_by_sam).decided_by == sam
    assert fresh(held_by_rob).state == State.UNDER_REVIEW
    assert fresh(own).state == State.SUBMITTED
    assert fresh(elsewhere).state == State.SUBMITTED
    # Each approved post has its own audit entries and its own outbox event.
    assert list(
        AuditEntry.objects.filter(post=waiting).order_by("pk").values_list("action", flat=True)
    )[-2:] == ["post.claim", "post.approve"]
    assert AuditEntry.objects.filter(post=claimed, action="post.approve").count() == 1
    assert Event.objects.count() - events_before == 2
    assert Event.objects.filter(post__in=[claimed, waiting], type="post.approved").count() == 2


def test_bulk_reject_needs_one_reason_and_a_note_and_gives_both_to_each_post(
    client, author, reviewer
):
    posts = [PostFactory(author=author, state=State.SUBMITTED) for _ in range(3)]
    client.force_login(reviewer)

    response = post_bulk(client, "reject", posts, reason_code="rumour", note="")
    assert response.status_code == 302
    assert all(fresh(p).state == State.SUBMITTED for p in posts)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Write a note: the authors will read it." in messages

    response = post_bulk(client, "reject", posts, reason_code="rumour", note="One source.")
    assert all(outcome.done for outcome in response.context["outcomes"])
    for post in posts:
        post = fresh(post)
        assert post.state == State.REJECTED and post.reason_code.code == "rumour"
        assert post.decision_note == "One source."


def test_bulk_release_frees_own_claims_and_refuses_posts_not_claimed(
    client, author, reviewer, second_reviewer
):
    mine = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    waiting = PostFactory(author=author, state=State.SUBMITTED)
    robs = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=second_reviewer)
    client.force_login(reviewer)

    result = outcomes_by_post(post_bulk(client, "release", [mine, waiting, robs]))

    assert result[mine.pk].done and fresh(mine).state == State.SUBMITTED
    assert result[waiting.pk].message == "You have not claimed this post."
    assert not result[robs.pk].done and fresh(robs).claimed_by == second_reviewer


def test_a_failing_post_does_not_undo_the_others(client, author, reviewer, monkeypatch):
    """Each post in its own transaction: an error on the second leaves the first approved."""
    first, second, third = (PostFactory(author=author, state=State.SUBMITTED) for _ in range(3))
    real_approve = bulk.services.post_approve

    def approve_failing_on_second(*, post, by, note=""):
        result = real_approve(post=post, by=by, note=note)
        if post.pk == second.pk:
            raise RuntimeError("the database went away")
        return result

    monkeypatch.setattr(bulk.services, "post_approve", approve_failing_on_second)
    client.force_login(reviewer)

    result = outcomes_by_post(post_bulk(client, "approve", [first, second, third]))

    assert result[first.pk].done and result[third.pk].done and not result[second.pk].done
    assert fresh(first).state == State.APPROVED and fresh(third).state == State.APPROVED
    # The second post's claim and approval were rolled back together: nothing half done.
    assert fresh(second).state == State.SUBMITTED and fresh(second).claimed_by is None
    assert not AuditEntry.objects.filter(post=second, action__in=["post.claim", "post.approve"])


def test_bulk_batch_is_capped(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    ids = [post.pk, *range(10_000_000, 10_000_000 + bulk.BULK_LIMIT)]

    response = client.post(URL, {"action": "approve", "post": ids}, follow=True)

    assert "at most 100 can be handled at once" in response.content.decode()
    assert fresh(post).state == State.SUBMITTED


def test_bulk_needs_a_selection_and_a_known_action(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    page = client.post(URL, {"action": "approve"}, follow=True).content.decode()
    assert "Select at least one post." in page
    page = client.post(URL, {"action": "publish", "post": [post.pk]}, follow=True)
    assert "Choose what to do with the selected posts." in page.content.decode()
    for bad in ("1; DROP", str(2**64), "-3"):
        page = client.post(URL, {"action": "approve", "post": [bad]}, follow=True)
        assert "The selection is not valid" in page.content.decode(), bad
    assert fresh(post).state == State.SUBMITTED


def test_authors_and_anonymous_visitors_cannot_use_bulk_actions(client, author, other_author):
    post = PostFactory(author=other_author, state=State.SUBMITTED)
    response = post_bulk(client, "approve", [post])
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(author)
    assert post_bulk(client, "approve", [post]).status_code == 403
    assert fresh(post).state == State.SUBMITTED


def test_bulk_actions_need_the_csrf_token(author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client = TwoFactorClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert post_bulk(client, "approve", [post]).status_code == 403
    assert fresh(post).state == State.SUBMITTED


def test_bulk_is_a_post_only_endpoint(client, reviewer):
    client.force_login(reviewer)
    assert client.get(URL).status_code == 405


def test_senior_may_release_someone_elses_claim_in_bulk(client, author, reviewer, desk):
    senior = UserFactory(username="sam", display_name="Sam", roles=SENIOR, reviewer_on=[desk])
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(senior)
    result = outcomes_by_post(post_bulk(client, "release", [held]))
    assert result[held.pk].done and fresh(held).state == State.SUBMITTED


def test_queue_offers_checkboxes_and_the_bulk_form(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    page = client.get(reverse("approvals:queue")).content.decode()
    assert f'name="post" value="{post.pk}" form="bulk"' in page
    assert 'action="/review/bulk/"' in page and 'value="reject"' in page
    assert "js/shortcuts.js" in page and "<dialog" in page
