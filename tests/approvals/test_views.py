"""The author and reviewer pages: set up, log in, call, assert the response, check the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import AuditEntry, Post, State
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def action_url(post, action):
    return reverse("approvals:post_action", args=[post.pk, action])


def test_anonymous_visitors_are_sent_to_log_in(client, author):
    post = PostFactory(author=author)
    for url in (reverse("approvals:queue"), post.get_absolute_url(), reverse("approvals:my_posts")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    response = client.post(action_url(post, "submit"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert Post.objects.get(pk=post.pk).state == State.DRAFT


def test_author_writes_a_draft_and_submits_it(client, author):
    client.force_login(author)
    response = client.post(
        reverse("approvals:post_new"),
        {"title": "Tram line approved", "body": "The council voted 30 to 2.", "category": "news"},
        follow=True,
    )
    assert "Draft saved" in response.content.decode()
    post = Post.objects.get(title="Tram line approved")

    response = client.post(action_url(post, "submit"), follow=True)

    assert "Submitted. The post is now submitted." in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.SUBMITTED


def test_new_post_form_explains_missing_fields(client, author):
    client.force_login(author)
    response = client.post(reverse("approvals:post_new"), {"title": "", "body": "", "category": ""})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 3
    assert not Post.objects.exists()


def test_reviewer_sees_only_posts_of_their_desks(client, author, reviewer, outside_reviewer):
    mine = PostFactory(author=author, title="On my desk", state=State.SUBMITTED)
    client.force_login(outside_reviewer)
    assert "On my desk" not in client.get(reverse("approvals:queue")).content.decode()
    client.force_login(reviewer)
    assert mine.title in client.get(reverse("approvals:queue")).content.decode()


def test_reviewer_outside_desk_cannot_open_or_claim_a_post(client, author, outside_reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(outside_reviewer)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert client.post(action_url(post, "claim")).status_code == 404
    assert Post.objects.get(pk=post.pk).state == State.SUBMITTED


def test_authors_cannot_reach_the_queue(client, author):
    client.force_login(author)
    assert client.get(reverse("approvals:queue")).status_code == 403


def test_reviewer_claims_and_approves_from_the_post_page(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'data-action="claim"' in page and 'data-action="approve"' not in page

    page = client.post(action_url(post, "claim"), follow=True).content.decode()
    assert "Claimed." in page and 'data-action="approve"' in page

    page = client.post(action_url(post, "approve"), {"approve-note": ""}, follow=True)
    assert "Approved." in page.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.APPROVED


def test_htmx_action_redirects_to_the_post_page_it_swaps_in(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    response = client.post(action_url(post, "claim"), headers={"HX-Request": "true"}, follow=True)
    assert response.status_code == 200
    assert 'id="post-panel"' in response.content.decode()


def test_reject_without_a_note_shows_the_message_and_changes_nothing(client, author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    audit_rows = AuditEntry.objects.count()

    response = client.post(
        action_url(post, "reject"), {"reject-reason_code": "spam", "reject-note": " "}
    )

    assert "Write a note for the author." in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW
    assert AuditEntry.objects.count() == audit_rows


def test_reject_with_an_unknown_reason_shows_the_message_and_changes_nothing(
    client, author, reviewer
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)

    response = client.post(
        action_url(post, "reject"), {"reject-reason_code": "nonsense", "reject-note": "No."}
    )

    assert "Choose a reason." in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW


def test_editing_a_submitted_post_is_refused_with_a_message(client, author):
    post = PostFactory(author=author, title="Original", state=State.SUBMITTED)
    client.force_login(author)

    response = client.post(
        reverse("approvals:post_edit", args=[post.pk]),
        {"title": "Changed", "body": "Changed", "category": "news"},
        follow=True,
    )

    assert "it cannot be edited" in response.content.decode()
    assert Post.objects.get(pk=post.pk).title == "Original"


def test_a_tampered_post_id_finds_nothing_and_changes_nothing(client, author, other_author):
    theirs = PostFactory(author=other_author, title="Not yours")
    client.force_login(author)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(action_url(theirs, "withdraw")).status_code == 404
    edit = reverse("approvals:post_edit", args=[theirs.pk])
    assert client.post(edit, {"title": "Mine", "body": "x", "category": "news"}).status_code == 404
    assert client.post(action_url(theirs, "no-such-action")).status_code == 404
    assert client.get(reverse("approvals:post_detail", args=[999999])).status_code == 404
    fresh = Post.objects.get(pk=theirs.pk)
    assert (fresh.title, fresh.state) == ("Not yours", State.DRAFT)


def test_a_second_reviewer_is_told_who_claimed_first(client, author, reviewer, second_reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(second_reviewer)
    response = client.post(action_url(post, "claim"), follow=True)
    assert "Already claimed by Rita Reviewer." in response.content.decode()


def test_author_sees_the_decision_its_reason_and_note(client, author, reviewer):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Rumour or unverified claim" in page and "Unsourced." in page
    assert 'data-action="appeal"' in page


def _queue_queries(client, reviewer) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("approvals:queue")).status_code == 200
    return len(queries)


def test_queue_query_count_does_not_grow_with_the_number_of_posts(
    client, author, other_author, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    for _ in range(3):
        PostFactory(author=author, state=State.SUBMITTED)
    few = _queue_queries(client, reviewer)
    for i in range(40):
        PostFactory(
            author=other_author if i % 2 else author,
            state=State.UNDER_REVIEW if i % 3 == 0 else State.SUBMITTED,
            reviewer=reviewer,
        )
    with django_assert_max_num_queries(few):
        assert client.get(reverse("approvals:queue")).status_code == 200


def test_my_posts_query_count_does_not_grow_with_the_number_of_posts(
    client, author, django_assert_max_num_queries
):
    client.force_login(author)
    PostFactory(author=author)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("approvals:my_posts"))
    for _ in range(30):
        PostFactory(author=author, state=State.SUBMITTED)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("approvals:my_posts"))


def test_the_queue_pages_oldest_first_without_counting(client, author, reviewer, settings):
    settings.REVIEW_QUEUE_PAGE_SIZE = 2
    titles = [f"Waiting {n}" for n in range(3)]
    for title in titles:
        PostFactory(author=author, title=title, state=State.SUBMITTED)
    client.force_login(reviewer)
    first = client.get(reverse("approvals:queue")).content.decode()
    assert first.index("Waiting 0") < first.index("Waiting 1") and "Waiting 2" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(reverse("approvals:queue"), {"page": 2}).content.decode()
    assert "Waiting 2" in second and 'rel="next"' not in second and 'rel="prev"' in second
    assert client.get(reverse("approvals:queue"), {"page": "x"}).status_code == 200
    beyond = client.get(reverse("approvals:queue"), {"page": 99}).content.decode()
    assert "No more posts" in beyond


def test_pages_that_do_not_exist_look_like_the_site(client, author):
    client.force_login(author)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and "My posts" in response.content.decode()
