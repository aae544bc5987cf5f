"""Times in the reader's own zone: the one they chose, else their browser's (a cookie set by
static/js/timezone.js), else UTC."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from approvals.models import State
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _history_times(client, post) -> str:
    return client.get(reverse("approvals:post_detail", args=[post.pk])).content.decode()


def test_times_follow_the_zone_the_user_chose(client, author):
    with time_machine.travel(NOON_UTC, tick=False):
        post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(author)
    assert "23 Nov 2026, 12:00:00" in _history_times(client, post)
    answer = client.post(reverse("time_zone_set"), {"time_zone": "Asia/Shanghai"}, follow=True)
    assert "Times are now shown in Asia/Shanghai" in answer.content.decode()
    assert "23 Nov 2026, 20:00:00" in _history_times(client, post)


def test_without_a_choice_the_browser_zone_is_used_and_nonsense_is_ignored(client, author):
    with time_machine.travel(NOON_UTC, tick=False):
        post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(author)
    client.cookies["tz"] = "America/New_York"
    assert "23 Nov 2026, 07:00:00" in _history_times(client, post)
    client.cookies["tz"] = "Mars/Olympus_Mons"
    assert "23 Nov 2026, 12:00:00" in _history_times(client, post)


def test_an_unknown_zone_is_refused_with_a_message(client, author):
    client.force_login(author)
    answer = client.post(reverse("time_zone_set"), {"time_zone": "Nowhere/Special"}, follow=True)
    assert "Choose a time zone from the list" in answer.content.decode()
    author.refresh_from_db()
    assert author.time_zone == ""


def test_every_page_tells_the_browser_to_report_its_zone(client, author):
    client.force_login(author)
    page = client.get(reverse("standing")).content.decode()
    assert "js/timezone.js" in page and 'id="time-zone"' in page
