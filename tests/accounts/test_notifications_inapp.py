"""In-app notifications: written with the decision, read in the reader's language, seen and
marked read only by their holder."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts import notifications, services
from accounts.models import InAppNotification
from approvals import services as post_services
from approvals.models import State
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def _kinds(user) -> list[str]:
    return list(InAppNotification.objects.filter(user=user).values_list("kind", flat=True))


def test_each_decision_on_a_post_tells_its_author_in_the_app(author, reviewer, senior):
    rejected = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    assert _kinds(author) == ["post.reject"]
    post_services.post_appeal(post=rejected, by=author, statement="It is true.")
    post_services.post_overturn(post=rejected, by=senior, note="Sourced after all.")
    post_services.post_revoke(post=rejected, by=senior, reason_code="rumour", note="New facts.")
    changes = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    item = InAppNotification.objects.filter(user=author).first()
    assert item.kind == "post.request_changes"
    assert item.url == changes.get_absolute_url() and item.params == {"title": changes.title}
    assert sorted(_kinds(author)) == sorted(
        ["post.reject", "post.overturn", "post.revoke", "post.request_changes"]
    )
    assert _kinds(reviewer) == [] and _kinds(senior) == []


def test_the_author_does_not_notify_themselves(author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    post_services.post_withdraw(post=post, by=author)
    assert _kinds(author) == []


def test_the_notification_is_written_in_the_deciding_transaction(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with pytest.raises(RuntimeError), transaction.atomic():
        post_services.post_approve(post=post, by=reviewer)
        raise RuntimeError("the request failed after the decision")
    assert _kinds(author) == []


def test_sanctions_and_their_appeals_tell_the_holder_in_the_app(author, senior, second_senior):
    sanction = services.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    services.sanction_appeal(sanction=sanction, by=author, statement="I was careful.")
    services.sanction_appeal_decide(
        sanction=sanction, by=second_senior, overturn=True, note="It was fine."
    )
    assert sorted(_kinds(author)) == ["sanction.appeal_overturned", "sanction.warning"]
    assert InAppNotification.objects.get(user=author, kind="sanction.warning").url == reverse(
        "standing"
    )


def test_the_text_is_in_the_readers_language_when_read(author, reviewer):
    author.language = "en-gb"
    author.save()
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer, title="Harbour")
    item = InAppNotification.objects.get(user=author)
    with translation.override("en-gb"):
        assert item.text == "Your post “Harbour” was approved."
    with translation.override("zh-hans"):
        assert "Harbour" in item.text and "approved" not in item.text
    assert post.title in item.text


def test_the_notifications_page_lists_the_holders_own_newest_first(client, author, reviewer):
    first = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer, title="First")
    PostFactory(author=author, state=State.REJECTED, reviewer=reviewer, title="Second")
    other = UserFactory(username="olga")
    PostFactory(author=other, state=State.APPROVED, reviewer=reviewer, title="Not yours")
    client.force_login(author)
    page = client.get(reverse("notifications")).content.decode()
    assert page.index("Second") < page.index("First") and "Not yours" not in page
    assert first.get_absolute_url() not in page  # opened through a POST that marks it read


def test_the_notifications_page_is_paginated(client, author, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    for n in range(5):
        notifications.inbox_add(user=author, kind="post.approve", params={"title": f"T{n}"})
    client.force_login(author)
    response = client.get(reverse("notifications"), {"page": 3})
    assert list(response.context["page"].object_list.values_list("params", flat=True)) == [
        {"title": "T0"}
    ]


def test_the_notifications_page_needs_a_login(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(client, author, reviewer):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    item = InAppNotification.objects.get(user=author)
    client.force_login(author)
    response = client.post(reverse("notification_read", args=[item.pk]), {"open": "1"})
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    item.refresh_from_db()
    assert item.read_at is not None


def test_marking_read_needs_a_post(client, author):
    notifications.inbox_add(user=author, kind="post.approve", params={"title": "T"})
    item = InAppNotification.objects.get(user=author)
    client.force_login(author)
    assert client.get(reverse("notification_read", args=[item.pk])).status_code == 405
    item.refresh_from_db()
    assert item.read_at is None


def test_marking_read_is_csrf_protected(author):
    from django.test import Client

    notifications.inbox_add(user=author, kind="post.approve", params={"title": "T"})
    item = InAppNotification.objects.get(user=author)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author)
    assert strict.post(reverse("notification_read", args=[item.pk])).status_code == 403
    assert strict.post(reverse("notifications_read_all")).status_code == 403
    item.refresh_from_db()
    assert item.read_at is None


def test_nobody_marks_or_opens_someone_elses_notification(client, author, other_author):
    notifications.inbox_add(
        user=author, kind="post.approve", params={"title": "Private"}, url="/posts/1/"
    )
    item = InAppNotification.objects.get(user=author)
    client.force_login(other_author)
    response = client.post(reverse("notification_read", args=[item.pk]), {"open": "1"})
    assert response.status_code == 404
    client.post(reverse("notifications_read_all"))
    item.refresh_from_db()
    assert item.read_at is None
    assert "Private" not in client.get(reverse("notifications")).content.decode()


def test_mark_all_read_marks_only_the_holders_own(client, author, other_author):
    for user in (author, author, other_author):
        notifications.inbox_add(user=user, kind="post.reject", params={"title": "T"})
    client.force_login(author)
    client.post(reverse("notifications_read_all"))
    assert not InAppNotification.objects.filter(user=author, read_at__isnull=True).exists()
    assert InAppNotification.objects.filter(user=other_author, read_at__isnull=True).count() == 1


def test_the_bell_counts_unread_and_clears_when_read(client, author):
    client.force_login(author)
    assert "badge" not in client.get(reverse("live_unread")).content.decode()
    for _ in range(3):
        notifications.inbox_add(user=author, kind="post.approve", params={"title": "T"})
    bell = client.get(reverse("live_unread"), headers={"HX-Request": "true"})
    assert bell.status_code == 200 and ">3<" in bell.content.decode()
    assert "private" in bell.headers["Cache-Control"]
    client.post(reverse("notifications_read_all"))
    assert "badge" not in client.get(reverse("live_unread")).content.decode()


def test_the_bell_shows_a_capped_count(client, author):
    InAppNotification.objects.bulk_create(
        InAppNotification(user=author, kind="post.approve", params={"title": "T"})
        for _ in range(notifications.UNREAD_CAP + 5)
    )
    client.force_login(author)
    assert f"{notifications.UNREAD_CAP}+" in client.get(reverse("live_unread")).content.decode()


def test_a_signed_out_poll_is_told_to_stop(client):
    response = client.get(reverse("live_unread"), headers={"HX-Request": "true"})
    assert response.status_code == 286 and response.content == b""
    assert client.get(reverse("live_unread")).status_code == 302


def test_the_navigation_offers_the_bell_and_the_notifications_page(client, author):
    client.force_login(author)
    page = client.get(reverse("approvals:my_posts")).content.decode()
    assert reverse("live_unread") in page and reverse("notifications") in page
    assert reverse("live_waiting") not in page  # not a reviewer


def test_an_unknown_kind_is_refused(author):
    with pytest.raises(ValueError):
        notifications.inbox_add(user=author, kind="post.unknown")


class _UnreachableCache:
    """A cache whose server is down, as Django's RedisCache is when Redis stops."""

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return refuse


@pytest.mark.django_db(transaction=True)
def test_decisions_and_live_counts_work_while_the_cache_is_unreachable(
    client, author, reviewer, monkeypatch
):
    monkeypatch.setattr(notifications, "cache", _UnreachableCache())
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)

    post_services.post_approve(post=post, by=reviewer)  # commits; on-commit callbacks run

    assert _kinds(author) == ["post.approve"]
    client.force_login(author)
    assert client.get(reverse("live_unread")).status_code == 200
    assert notifications.inbox_unread_count(user=author) == 1
    client.force_login(reviewer)
    assert client.get(reverse("live_waiting")).status_code == 200
