"""After a decision the reviewer goes on: to their next claimed post, else the post "Claim
next" gives them, else the queue. And a claimed post's decisions are open at once."""

import pytest
from django.urls import reverse

from approvals.models import Post, State
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def action_url(post, action):
    return reverse("approvals:post_action", args=[post.pk, action])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_after_approving_the_reviewer_lands_on_their_next_claimed_post(client, author, reviewer):
    first = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    second = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer, title="Next")
    PostFactory(author=author, state=State.SUBMITTED)  # waiting: not claimed while one is held
    client.force_login(reviewer)

    response = client.post(action_url(first, "approve"))

    assert response.status_code == 302 and response.url == second.get_absolute_url()
    assert Post.objects.get(pk=first.pk).state == State.APPROVED
    assert messages_of(response) == ["Approved.", "Next: “Next”, which you have claimed."]
    assert Post.objects.filter(claimed_by=reviewer, state=State.UNDER_REVIEW).count() == 1


def test_with_no_claim_left_the_next_waiting_post_opens_unclaimed(client, author, reviewer):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    waiting = PostFactory(author=author, state=State.SUBMITTED, title="Waiting")
    client.force_login(reviewer)

    response = client.post(
        action_url(held, "reject"), {"reject-reason_code": "rumour", "reject-note": "No source."}
    )

    assert response.url == waiting.get_absolute_url()
    waiting = Post.objects.get(pk=waiting.pk)
    assert waiting.state == State.SUBMITTED and waiting.claimed_by is None  # theirs to claim
    assert "Next: “Waiting”, first in your queue: claim it to decide it." in messages_of(response)


def test_with_nothing_left_the_reviewer_goes_back_to_the_queue(client, author, reviewer):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)

    response = client.post(action_url(held, "request_changes"), {"request_changes-note": "Fix."})

    assert response.url == reverse("approvals:queue")
    assert messages_of(response) == [
        "Changes requested.",
        "That was the last post waiting on your desks.",
    ]


def test_next_post_never_is_the_reviewers_own_or_another_desks(
    client, author, reviewer, outside_reviewer, other_desk
):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    PostFactory(author=reviewer, state=State.SUBMITTED)  # their own post
    elsewhere = PostFactory(author=author, state=State.SUBMITTED)
    Post.objects.filter(pk=elsewhere.pk).update(desk=other_desk)
    client.force_login(reviewer)

    response = client.post(action_url(held, "approve"))

    assert response.url == reverse("approvals:queue")
    assert not Post.objects.filter(claimed_by=reviewer, state=State.UNDER_REVIEW).exists()


def test_a_refused_decision_stays_on_the_post(client, author, reviewer):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)

    response = client.post(action_url(held, "reject"), {"reject-reason_code": "rumour"})

    assert response.status_code == 200  # the form again, with its error
    assert "Write a note for the author." in response.content.decode()
    assert Post.objects.get(pk=held.pk).state == State.UNDER_REVIEW
    assert Post.objects.filter(claimed_by=reviewer).count() == 1  # nothing else claimed


def test_with_htmx_the_next_post_is_loaded_as_a_page(client, author, reviewer):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)

    response = client.post(action_url(held, "approve"), headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"] == reverse("approvals:queue")


def test_claimed_post_shows_its_three_decisions_open_at_once(client, author, reviewer):
    held = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)

    page = client.get(held.get_absolute_url()).content.decode()

    for action in ("approve", "request_changes", "reject"):
        assert f'data-form="{action}"' in page
    for title in ("Approve", "Request changes", "Reject"):
        assert f"<summary>{title}</summary>" not in page  # nothing to expand first
    assert 'id="id_reject-reason_code"' in page and 'id="id_request_changes-note"' in page
    assert "js/shortcuts.js" in page


def test_appeal_decisions_do_not_move_on_to_another_post(client, author, reviewer, senior):
    """Overturn and uphold are not part of the reviewer's run through the queue."""
    appealed = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    client.force_login(senior)
    response = client.post(action_url(appealed, "overturn"), {"overturn-note": "Sourced."})
    assert response.url == appealed.get_absolute_url()
