"""The outbox: events written with the state change, delivered by an idempotent task."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Notification
from approvals import services
from approvals.models import Delivery, DeliveryStatus, Endpoint, Event, State
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send, endpoints_with_due_deliveries
from tests.factories import PostFactory, link_account
from tests.mailbox import send_waiting_mail, task_sends

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(db):
    return platform_services.platform_create(name="Chirp")


@pytest.fixture
def author(author, platform):
    """Alice, linked to the platform: her posts' events go to it."""
    link_account(platform=platform, user=author)
    return author


@pytest.fixture
def endpoint(platform, receiver):
    return platform_services.endpoint_create(platform=platform, url=receiver.url)


def _approve(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    return services.post_approve(post=post, by=reviewer, note="Good.")


def test_approving_writes_the_event_and_a_delivery_and_sends_it_on_commit(
    author, reviewer, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        post = _approve(author, reviewer)
    event = Event.objects.get(type="post.approved")
    body = json.loads(event.body)
    assert body["type"] == "post.approved"
    assert body["data"]["post_id"] == post.pk
    assert body["data"]["content_hash"] == post.current_revision.content_hash
    assert body["data"]["revision"] == 1
    assert Delivery.objects.get(event=event).endpoint == endpoint.endpoint
    # The webhook and the author's email are on record now, and queued only once the
    # transaction commits.
    assert Notification.objects.filter(user=post.author, sent_at__isnull=True).exists()
    assert len(task_sends(callbacks)) == 2


def test_a_failed_transition_writes_no_event(author, reviewer, second_reviewer, endpoint):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with pytest.raises(PermissionDenied), transaction.atomic():
        services.post_approve(post=post, by=second_reviewer)
    assert not Event.objects.exists()


def test_endpoints_receive_only_the_types_they_subscribe_to(author, reviewer, platform, receiver):
    platform_services.endpoint_create(
        platform=platform, url=receiver.url, event_types=["post.rejected"]
    )
    _approve(author, reviewer)
    assert Event.objects.filter(type="post.approved").exists()
    assert not Delivery.objects.exists()


def test_a_post_from_one_platform_is_not_sent_to_another(author, reviewer, receiver):
    mine = platform_services.platform_create(name="Mine")
    theirs = platform_services.platform_create(name="Theirs")
    platform_services.endpoint_create(platform=theirs, url=receiver.url)
    link_account(platform=mine, user=author)
    post = services.post_submit_for_platform(
        platform=mine, author=author.username, title="T", body="B", category="news"
    )
    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer)
    assert not Delivery.objects.exists()


def test_a_delivery_is_signed_and_verifies(author, reviewer, endpoint, receiver):
    post = _approve(author, reviewer)
    delivery = Delivery.objects.get()

    assert delivery_send(delivery_id=delivery.pk) == "delivered"

    (request,) = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["data"]["content_hash"] == post.current_revision.content_hash
    assert request.headers["webhook-id"] == delivery.event.webhook_id


def test_running_the_task_twice_sends_one_request(author, reviewer, endpoint, receiver):
    from approvals.tasks import deliver_webhook

    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    assert deliver_webhook(delivery.pk) == {"delivered": 1}
    assert deliver_webhook(delivery.pk) == {}
    assert len(receiver.received) == 1


def test_a_500_then_a_200_is_delivered_with_the_same_webhook_id(
    author, reviewer, endpoint, receiver
):
    receiver.replies = [500]
    _approve(author, reviewer)
    delivery = Delivery.objects.get()

    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at > timezone.now()
    assert delivery_send(delivery_id=delivery.pk) == "skipped"  # not due

    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        assert delivery_send(delivery_id=delivery.pk) == "delivered"

    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 2 and len(ids) == 1
    assert [a.status_code for a in delivery.attempts.all()] == [500, 200]


def test_retry_after_is_honoured_on_429(author, reviewer, endpoint, receiver):
    receiver.replies = [429]
    receiver.extra_headers = {"Retry-After": "120"}
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=115)


def test_410_gone_disables_the_endpoint(author, reviewer, endpoint, receiver):
    receiver.replies = [410]
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    endpoint = Endpoint.objects.get()
    assert not endpoint.active and "410" in endpoint.disabled_reason


def test_an_endpoint_failing_for_too_long_is_disabled_and_the_operator_told(
    author, reviewer, endpoint, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Ops", "ops@example.org")]
    receiver.replies = [500] * 20
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    delivery_send(delivery_id=delivery.pk)
    later = timezone.now() + settings.WEBHOOK_DISABLE_AFTER + timedelta(minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert delivery_send(delivery_id=delivery.pk) == "retrying"
    assert not Endpoint.objects.get().active
    send_waiting_mail()
    (alert,) = [m for m in mailoutbox if "disabled" in m.subject]
    assert endpoint.endpoint.url in alert.subject
    assert "ops@example.org" in alert.to
    # Nothing is dropped: the delivery waits for the endpoint to be enabled again.
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_receiver_down_leaves_the_delivery_due_for_the_sweeper(
    author, reviewer, endpoint, receiver, settings
):
    receiver.stop()
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    assert delivery.last_error == "Could not connect (refused, reset or unreachable)."
    assert delivery.attempts.get().outcome == "failed"
    due_at = delivery.next_attempt_at + settings.OUTBOX_SWEEP_GRACE + timedelta(seconds=1)
    with time_machine.travel(due_at):
        assert endpoints_with_due_deliveries() == [delivery.endpoint_id]


def test_the_sweeper_skips_deliveries_a_worker_holds(author, reviewer, endpoint, settings):
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    later = timezone.now() + settings.OUTBOX_SWEEP_GRACE + timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(leased_until=later + timedelta(minutes=1))
    with time_machine.travel(later):
        assert endpoints_with_due_deliveries() == []


def test_after_the_last_scheduled_retry_the_delivery_fails(
    author, reviewer, endpoint, receiver, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 1]
    receiver.replies = [500, 500, 500]
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    outcomes = []
    for step in range(3):
        with time_machine.travel(timezone.now() + timedelta(seconds=5 * step)):
            outcomes.append(delivery_send(delivery_id=delivery.pk))
    assert outcomes == ["retrying", "retrying", "failed"]
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_redelivery_sends_a_failed_delivery_again(author, reviewer, endpoint, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver.replies = [500]
    _approve(author, reviewer)
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert platform_services.deliveries_redeliver(deliveries=Delivery.objects.all()) == 1
    assert delivery_send(delivery_id=delivery.pk) == "delivered"


def test_rotating_a_secret_signs_with_both_until_the_overlap_ends(
    author, reviewer, endpoint, receiver
):
    new_secret = platform_services.endpoint_rotate_secret(
        endpoint=endpoint.endpoint, overlap=timedelta(hours=1)
    )
    _approve(author, reviewer)
    delivery_send(delivery_id=Delivery.objects.get().pk)
    (request,) = receiver.received
    assert Webhook(endpoint.secret).verify(request.body, request.headers)
    assert Webhook(new_secret).verify(request.body, request.headers)
    assert len(request.headers["webhook-signature"].split()) == 2
