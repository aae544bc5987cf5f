"""Reviewers' opt-in email when their desk's oldest waiting post passes an age: once per
crossing, re-armed when the desk catches up, in the reviewer's language (frozen time)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts import notifications
from accounts.models import Notification, QueueAlert
from accounts.tasks import check_queue_alerts
from approvals import services as post_services
from approvals.models import State
from tests.factories import PostFactory, UserFactory
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def watcher(reviewer):
    notifications.queue_alert_set(user=reviewer, hours=4)
    return reviewer


def _alerts(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, template="queue_alert"))


def test_no_email_before_the_oldest_post_reaches_the_age(watcher):
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=3, minutes=59), tick=False):
        assert check_queue_alerts() == 0
    assert _alerts(watcher) == []


def test_one_email_per_crossing_however_often_the_task_runs(watcher, desk):
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=4), tick=False):
        assert check_queue_alerts() == 1
        assert check_queue_alerts() == 0
    with time_machine.travel(START + timedelta(hours=9), tick=False):
        assert check_queue_alerts() == 0
    [alert] = _alerts(watcher)
    assert alert.context["desk"] == desk.name and alert.context["hours"] == 4
    assert QueueAlert.objects.get(user=watcher).desk == desk


def test_rearmed_once_the_desk_catches_up_then_sent_again(watcher, second_reviewer):
    with time_machine.travel(START, tick=False):
        old = PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        check_queue_alerts()
        post_services.post_claim(post=old, by=second_reviewer)  # the desk catches up
        PostFactory(state=State.SUBMITTED)  # a new one, young
        check_queue_alerts()
    assert not QueueAlert.objects.filter(user=watcher).exists()  # re-armed
    with time_machine.travel(START + timedelta(hours=9, minutes=1), tick=False):
        assert check_queue_alerts() == 1
    assert len(_alerts(watcher)) == 2


def test_a_claimed_post_no_longer_counts_as_waiting(watcher, second_reviewer):
    with time_machine.travel(START, tick=False):
        post = PostFactory(state=State.SUBMITTED)
        post_services.post_claim(post=post, by=second_reviewer)
    with time_machine.travel(START + timedelta(hours=8), tick=False):
        assert check_queue_alerts() == 0


def test_only_reviewers_who_opted_in_hear_and_only_about_their_desks(
    watcher, second_reviewer, outside_reviewer
):
    notifications.queue_alert_set(user=outside_reviewer, hours=1)  # serves another desk
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=6), tick=False):
        assert check_queue_alerts() == 1
    assert len(_alerts(watcher)) == 1
    assert _alerts(second_reviewer) == [] and _alerts(outside_reviewer) == []


def test_an_author_with_hours_set_but_no_reviewer_role_hears_nothing(author, desk):
    from approvals.services import desk_assign_reviewer

    desk_assign_reviewer(desk=desk, user=author)  # the desk, but not the reviewer role
    author.queue_alert_hours = 1
    author.save()
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=6), tick=False):
        assert check_queue_alerts() == 0


def test_turning_alerts_off_forgets_what_was_sent(watcher):
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        check_queue_alerts()
        notifications.queue_alert_set(user=watcher, hours=0)
        assert check_queue_alerts() == 0
    assert not QueueAlert.objects.exists()


def test_the_email_is_written_in_the_reviewers_language(watcher):
    watcher.language = "zh-hans"
    watcher.save()
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
    with time_machine.travel(START + timedelta(hours=4), tick=False):
        check_queue_alerts()
    assert send_waiting_mail() == ["sent"]
    [email] = mail.outbox
    assert email.to == [watcher.email]
    assert "小时" in email.subject and "小时" in email.body
    assert f"{reverse('approvals:queue')}?desk=" in email.body


def test_the_standing_page_offers_reviewers_the_setting(client, reviewer, author):
    client.force_login(reviewer)
    page = client.get(reverse("standing")).content.decode()
    assert 'id="queue-alert"' in page
    response = client.post(reverse("queue_alert_set"), {"hours": "6"})
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.queue_alert_hours == 6
    client.force_login(author)
    assert 'id="queue-alert"' not in client.get(reverse("standing")).content.decode()
    assert client.post(reverse("queue_alert_set"), {"hours": "6"}).status_code == 403
    author.refresh_from_db()
    assert author.queue_alert_hours == 0


@pytest.mark.parametrize("hours", ["-1", "abc", "100000", ""])
def test_bad_hours_are_refused_with_a_message(client, reviewer, hours):
    client.force_login(reviewer)
    response = client.post(reverse("queue_alert_set"), {"hours": hours}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    reviewer.refresh_from_db()
    assert reviewer.queue_alert_hours == 0


def test_the_beat_schedule_runs_the_check(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.check_queue_alerts" in tasks


def test_a_reviewer_on_two_desks_hears_about_each(desk, other_desk):
    both = UserFactory(username="bo", reviewer_on=[desk, other_desk])
    notifications.queue_alert_set(user=both, hours=2)
    with time_machine.travel(START, tick=False):
        PostFactory(state=State.SUBMITTED)
        moved = PostFactory(state=State.SUBMITTED)
        moved.desk = other_desk
        moved.save()
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        assert check_queue_alerts() == 2
        assert check_queue_alerts() == 0
