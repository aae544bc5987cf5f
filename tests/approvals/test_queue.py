"""The reviewer's day: deadlines and markers in the queue, counts per desk, claim next, my
claims, and appeals in a queue of their own."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from approvals import selectors, services
from approvals.models import Category, Post, State
from tests.factories import DeskFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/review/"


def _age(post: Post, hours: float) -> None:
    """As if the post had been submitted `hours` ago (its deadline and place in the queue,
    set at submission, move with it)."""
    post = Post.objects.get(pk=post.pk)
    shift = timezone.now() - timedelta(hours=hours) - post.submitted_at
    Post.objects.filter(pk=post.pk).update(
        submitted_at=F("submitted_at") + shift,
        due_at=F("due_at") + shift,
        priority_at=F("priority_at") + shift,
    )


def test_the_queue_shows_each_deadline_and_marks_the_close_and_the_late(
    client, reviewer, author, desk
):
    desk.target_hours = 8
    desk.save()
    overdue = PostFactory(author=author, state=State.SUBMITTED, title="Late one")
    soon = PostFactory(author=author, state=State.SUBMITTED, title="Close one")
    fresh = PostFactory(author=author, state=State.SUBMITTED, title="Fresh one")
    _age(overdue, 9)
    _age(soon, 7)
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert page.index("Late one") < page.index("Close one") < page.index("Fresh one")
    assert page.count("due-overdue") == 1 and "Overdue" in page
    assert page.count("due-soon") == 1 and "Due soon" in page
    assert Post.objects.get(pk=fresh.pk).deadline_status == ""


def test_a_resubmission_and_a_post_pulled_in_by_screening_are_marked(
    client, reviewer, author, senior
):
    post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    services.post_update(
        post=post, by=author, title=post.title, body="Now sourced: the council.", category="news"
    )
    services.post_resubmit(post=post, by=author)
    services.post_submit(
        post=services.post_create(
            author=author,
            title="Prime minister resigns",
            body="The prime minister announced her resignation at a press conference today.",
            category=Category.OTHER,
        ),
        by=author,
    )
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert "Resubmitted · revision 2" in page
    assert "Pulled in by screening" in page
    assert "Now sourced: the council." in page  # the preview


def test_the_queue_counts_what_waits_on_each_desk(client, reviewer, author):
    PostFactory(author=author, state=State.SUBMITTED)
    PostFactory(author=author, state=State.SUBMITTED)
    PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert "2 waiting" in page
    assert "1 in review" in page


def test_claim_next_takes_the_nearest_deadline_and_opens_it(client, reviewer, author):
    newer = PostFactory(author=author, state=State.SUBMITTED)
    older = PostFactory(author=author, state=State.SUBMITTED)
    _age(older, 3)
    client.force_login(reviewer)
    response = client.post("/review/claim-next/")
    assert response.status_code == 302
    assert response["Location"] == older.get_absolute_url()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.state, older.claimed_by) == (State.UNDER_REVIEW, reviewer)
    assert newer.state == State.SUBMITTED


def test_claim_next_never_takes_the_reviewers_own_post(client, desk):
    writer = UserFactory(username="wendy", reviewer_on=[desk])
    PostFactory(author=writer, state=State.SUBMITTED)
    client.force_login(writer)
    response = client.post("/review/claim-next/", follow=True)
    assert "Nothing is waiting for a claim" in response.content.decode()
    assert not Post.objects.filter(claimed_by=writer).exists()


def test_claim_next_never_takes_a_post_of_a_desk_the_reviewer_does_not_serve(
    author, outside_reviewer
):
    PostFactory(author=author, state=State.SUBMITTED)  # on the General desk
    assert services.post_claim_next(by=outside_reviewer) is None


def test_claim_next_is_for_reviewers_and_takes_no_get(client, author):
    client.force_login(author)
    assert client.post("/review/claim-next/").status_code == 403
    assert client.get("/review/claim-next/").status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_claiming_next_at_once_get_different_posts(desk, author):
    first = UserFactory(username="rita", reviewer_on=[desk])
    second = UserFactory(username="rob", reviewer_on=[desk])
    for _i in range(2):
        PostFactory(author=author, state=State.SUBMITTED)
    claimed, start = {}, threading.Barrier(2)

    def claim(reviewer):
        start.wait()
        try:
            claimed[reviewer.username] = services.post_claim_next(by=reviewer)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert claimed["rita"] is not None and claimed["rob"] is not None
    assert claimed["rita"].pk != claimed["rob"].pk


def test_my_claims_lists_only_what_the_reviewer_holds(client, reviewer, second_reviewer, author):
    mine = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer, title="Mine")
    PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=second_reviewer, title="Rob's")
    PostFactory(author=author, state=State.SUBMITTED, title="Nobody's")
    client.force_login(reviewer)
    page = client.get(QUEUE, {"mine": "1"}).content.decode()
    assert mine.title in page
    assert "Rob&#x27;s" not in page and "Rob's" not in page
    assert "Nobody&#x27;s" not in page and "Nobody's" not in page


def test_appeals_have_a_queue_of_their_own_for_senior_reviewers(client, reviewer, senior, author):
    appealed = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    assert appealed not in selectors.review_queue(user=senior)
    client.force_login(senior)
    page = client.get("/review/appeals/").content.decode()
    assert appealed.title in page
    assert "It is true." in page  # the author's statement
    assert appealed.title not in client.get(QUEUE).content.decode()


def test_a_reviewer_cannot_open_the_appeals_queue(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/review/appeals/").status_code == 403


def test_a_senior_does_not_see_an_appeal_of_their_own_post(client, desk, reviewer):
    sam = UserFactory(username="sam", roles=["reviewer", "senior_reviewer"])
    own = PostFactory(author=sam, state=State.APPEALED, reviewer=reviewer)
    assert own not in selectors.appeal_queue(user=sam)


def test_the_sanctions_desk_counts_post_appeals(client, reviewer, senior, author):
    PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    client.force_login(senior)
    page = client.get("/accounts/sanctions/").content.decode()
    assert "1 appealed rejection of a post is waiting." in page
    assert "/review/appeals/" in page


def test_history_and_messages_say_what_an_appeal_decided(client, reviewer, senior, author):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    client.force_login(senior)
    response = client.post(
        f"/posts/{post.pk}/overturn/", {"overturn-note": "The source checks out."}, follow=True
    )
    page = response.content.decode()
    assert "Overturned on appeal: the post is approved." in page
    assert "overturned on appeal: approved" in page  # the history line

    other = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    page = client.post(
        f"/posts/{other.pk}/uphold/", {"uphold-note": "Still one source."}, follow=True
    ).content.decode()
    assert "Upheld on appeal" in page
    assert "upheld on appeal: rejected" in page


def test_links_in_a_post_are_clickable_and_safe(client, author):
    post = services.post_create(
        author=author,
        title="Sources",
        body=(
            "See https://example.org/report?a=1&b=2 and www.example.com.\n"
            'Not this: javascript:alert(1) nor <a href="javascript:alert(2)">x</a>'
        ),
        category=Category.OTHER,
    )
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert (
        '<a href="https://example.org/report?a=1&amp;b=2" '
        'rel="nofollow ugc noopener noreferrer">' in page
    )
    assert 'href="http://www.example.com"' in page
    assert 'href="javascript' not in page
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;" in page


def test_withdrawing_asks_to_confirm_first(client, author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Withdraw this post for good?" in page
    assert "Yes: Withdraw" in page


def test_the_counts_per_desk_cost_one_query_however_many_desks(
    reviewer, author, desk, django_assert_num_queries
):
    for i in range(5):
        services.desk_assign_reviewer(
            desk=DeskFactory(name=f"Extra {i}", slug=f"extra-{i}"), user=reviewer
        )
    PostFactory(author=author, state=State.SUBMITTED)
    desks = selectors.desks_for_reviewer(user=reviewer)
    list(desks)  # the desks themselves are read by the page anyway
    with django_assert_num_queries(1):
        counts = selectors.waiting_counts(desks=desks.all())
    assert {d.slug: (w, r) for d, w, r in counts}["general"] == (1, 0)
    assert len(counts) == 6


def test_a_senior_does_not_see_an_appeal_of_their_own_decision(reviewer, author, desk):
    sam = UserFactory(username="sam", roles=["reviewer", "senior_reviewer"], reviewer_on=[desk])
    post = PostFactory(author=author, state=State.APPEALED, reviewer=sam)
    assert post not in selectors.appeal_queue(user=sam)
    other = UserFactory(username="sue", roles=["reviewer", "senior_reviewer"])
    assert post in selectors.appeal_queue(user=other)
