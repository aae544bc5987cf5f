"""The reviewer's live waiting count in the navigation: a cheap polled fragment."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import notifications
from approvals.models import State
from tests.factories import DeskFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_reviewer_sees_the_posts_waiting_on_their_desks(client, reviewer, other_desk):
    PostFactory.create_batch(2, state=State.SUBMITTED)  # on the reviewer's desk
    PostFactory(state=State.UNDER_REVIEW, reviewer=reviewer)  # claimed: not waiting
    elsewhere = PostFactory(state=State.SUBMITTED)
    elsewhere.desk = other_desk
    elsewhere.save()
    client.force_login(reviewer)
    response = client.get(reverse("live_waiting"), headers=HTMX)
    assert response.status_code == 200
    assert "2 waiting" in response.content.decode()
    assert reverse("approvals:queue") in response.content.decode()


def test_the_count_covers_every_desk_the_reviewer_serves(client, desk, other_desk):
    both = UserFactory(username="bo", reviewer_on=[desk, other_desk])
    PostFactory(state=State.SUBMITTED)
    moved = PostFactory(state=State.SUBMITTED)
    moved.desk = other_desk
    moved.save()
    client.force_login(both)
    assert "2 waiting" in client.get(reverse("live_waiting")).content.decode()


def test_someone_who_does_not_review_gets_nothing_and_polling_stops(client, author):
    PostFactory(state=State.SUBMITTED)
    client.force_login(author)
    response = client.get(reverse("live_waiting"), headers=HTMX)
    assert response.status_code == 286 and response.content == b""


def test_a_desk_permission_without_the_reviewer_role_counts_nothing(client, author, desk):
    from approvals.services import desk_assign_reviewer

    desk_assign_reviewer(desk=desk, user=author)
    PostFactory(state=State.SUBMITTED)
    client.force_login(author)
    assert client.get(reverse("live_waiting"), headers=HTMX).status_code == 286


def test_a_signed_out_poll_stops_and_a_browser_is_sent_to_log_in(client):
    assert client.get(reverse("live_waiting"), headers=HTMX).status_code == 286
    response = client.get(reverse("live_waiting"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_fragment_is_only_read(client, reviewer):
    client.force_login(reviewer)
    assert client.post(reverse("live_waiting")).status_code == 405


def test_the_count_is_one_query_then_cached_per_user(
    client, reviewer, second_reviewer, django_assert_max_num_queries
):
    PostFactory.create_batch(3, state=State.SUBMITTED)
    reviewer.language = "en-gb"  # else the first request records it
    reviewer.save()
    client.force_login(reviewer)
    # Session, user, second-factor device, their roles; then the count itself: one query
    # however many desks.
    with django_assert_max_num_queries(5):
        first = client.get(reverse("live_waiting"), headers=HTMX)
    assert "3 waiting" in first.content.decode()
    assert "private" in first.headers["Cache-Control"]
    PostFactory(state=State.SUBMITTED)
    with django_assert_max_num_queries(3):  # session, user, device: the count is cached
        again = client.get(reverse("live_waiting"), headers=HTMX)
    assert "3 waiting" in again.content.decode()
    client.force_login(second_reviewer)  # another user: their own count, fresh
    assert "4 waiting" in client.get(reverse("live_waiting")).content.decode()


def test_the_count_is_capped_like_the_queue(reviewer, monkeypatch):
    from approvals import selectors

    capped = selectors.waiting_counts

    def small_cap(*, desks, cap=1000):
        return capped(desks=desks, cap=2)

    monkeypatch.setattr(selectors, "waiting_counts", small_cap)
    PostFactory.create_batch(4, state=State.SUBMITTED)
    assert notifications.waiting_count(user=reviewer) == 2


def test_the_navigation_polls_for_reviewers_with_the_configured_interval(
    client, reviewer, settings
):
    settings.LIVE_POLL_SECONDS = 17
    client.force_login(reviewer)
    page = client.get(reverse("approvals:queue")).content.decode()
    assert f'hx-get="{reverse("live_waiting")}"' in page
    assert "every 17s" in page
    assert "[" not in page.split('hx-trigger="', 1)[1].split('"', 1)[0]  # no eval'd filter


def test_a_staff_session_before_its_second_factor_does_not_poll(reviewer):
    from django.test import Client

    plain = Client()
    plain.force_login(reviewer)  # password only: every page but the second factor's redirects
    page = plain.get(reverse("two_factor_setup"), follow=True).content.decode()
    assert reverse("live_waiting") not in page and reverse("live_unread") not in page


def test_other_desks_posts_do_not_leak_into_a_reviewers_count(client, outside_reviewer):
    PostFactory.create_batch(2, state=State.SUBMITTED)  # on the General desk
    client.force_login(outside_reviewer)
    assert "0 waiting" in client.get(reverse("live_waiting")).content.decode()


def test_a_desk_served_through_a_group_counts(client, author):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from accounts.models import Role

    team = Group.objects.create(name="night-shift")
    desk = DeskFactory(name="Night", slug="night")
    assign_perm("approvals.review_desk", team, desk)
    member = UserFactory(username="nia", roles=[Role.REVIEWER])
    member.groups.add(team)
    post = PostFactory(state=State.SUBMITTED)
    post.desk = desk
    post.save()
    client.force_login(member)
    assert "1 waiting" in client.get(reverse("live_waiting")).content.decode()
