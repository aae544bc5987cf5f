"""Webhooks under fire: one sender per delivery, order per post, addresses checked when
connecting, a circuit breaker, attempts on record before they are made, outages that cost
nothing, and an API a platform manages its endpoints with."""

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from accounts.models import Notification
from accounts.notifications import notifications_due, send_notification
from approvals import services
from approvals.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event, Post, State
from approvals.platform import delivery as sending
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send, endpoints_with_due_deliveries
from approvals.tasks import deliver_webhook
from tests.factories import PostFactory, link_account
from tests.mailbox import send_waiting_mail
from tests.receiver import Receiver

pytestmark = pytest.mark.django_db

WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def chirp(author):
    platform = platform_services.platform_create(name="Chirp")
    platform.contact_email = "hooks@chirp.example"
    platform.save()
    link_account(platform=platform, user=author)
    return platform


@pytest.fixture
def endpoint(chirp, receiver):
    return platform_services.endpoint_create(platform=chirp, url=receiver.url)


def _approved(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    return services.post_approve(post=post, by=reviewer, note="Good.")


def _later(seconds: float):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


# --- order per post -----------------------------------------------------------------------


def test_events_of_one_post_reach_an_endpoint_in_order_with_sequence_numbers(
    author, reviewer, senior, endpoint, receiver
):
    receiver.replies = [500]  # the approval fails once
    post = _approved(author, reviewer)
    services.post_revoke(post=post, by=senior, reason_code="rumour")
    approved, revoked = Delivery.objects.order_by("pk")
    assert delivery_send(delivery_id=approved.pk) == "retrying"
    # The revocation waits while the approval is pending, however often it is asked.
    assert delivery_send(delivery_id=revoked.pk) == "skipped"
    assert sending.deliveries_send() == {}
    with _later(10):
        assert sending.deliveries_send() == {"delivered": 1}
        assert sending.deliveries_send() == {"delivered": 1}
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [(b["type"], b["sequence"]) for b in bodies] == [
        ("post.approved", 1),
        ("post.approved", 1),
        ("post.revoked", 2),
    ]


def test_a_batch_sends_the_heads_of_many_streams_at_once(author, reviewer, endpoint, receiver):
    for _ in range(5):
        _approved(author, reviewer)
    assert sending.deliveries_send() == {"delivered": 5}
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 5


# --- addresses checked when connecting ----------------------------------------------------


def _resolving_to(address: str):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.chirp.example":
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
        return real(host, *args, **kwargs)

    return mock.patch("approvals.platform.transport.socket.getaddrinfo", fake)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::127.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "10.0.0.5",
    ],
)
def test_a_name_pointed_at_an_inside_address_after_creation_is_refused_at_send_time(
    author, reviewer, chirp, settings, address
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with _resolving_to("93.184.215.14"):
        platform_services.endpoint_create(platform=chirp, url="https://hooks.chirp.example/in")
    _approved(author, reviewer)
    delivery = Delivery.objects.get()
    with _resolving_to(address):
        assert delivery_send(delivery_id=delivery.pk) == "retrying"
    attempt = Attempt.objects.get()
    assert "not connecting" in attempt.error and attempt.response_excerpt == ""
    assert attempt.status_code is None
    assert address not in attempt.error  # the platform learns nothing of the inside


def test_the_transport_keeps_the_host_name_while_connecting_to_the_checked_address(receiver):
    from approvals.platform.transport import session

    url = receiver.url.replace("127.0.0.1", "localhost")
    response = session().post(url, data=b"{}")
    assert response.status_code == 200
    assert (
        receiver.received[0].headers["Host"]
        == f"localhost:{receiver.url.split(':')[2].split('/')[0]}"
    )


# --- what a receiver answers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "at_most"),
    [("inf", 60), ("nan", 60), ("1e300", 86_400 + 60), ("-5", 60), ("soon", 60)],
)
def test_a_retry_after_header_is_honoured_only_as_a_sane_number(
    author, reviewer, endpoint, receiver, settings, retry_after, at_most
):
    settings.WEBHOOK_RETRY_SCHEDULE = [30] * 5
    receiver.replies, receiver.extra_headers = [503], {"Retry-After": retry_after}
    _approved(author, reviewer)
    delivery = Delivery.objects.get()
    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait <= at_most


def test_an_answer_with_null_bytes_is_kept_as_an_excerpt_without_them(
    author, reviewer, endpoint, receiver
):
    receiver.replies, receiver.answer = [500], b"bad\x00news" + b"x" * 200_000
    _approved(author, reviewer)
    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "retrying"
    attempt = Attempt.objects.get()
    assert attempt.status_code == 500 and attempt.response_excerpt.startswith("badnews")
    assert len(attempt.response_excerpt) <= 500


@pytest.fixture
def dripping_receiver():
    """Answers 200 with a body that arrives one byte every 0.2 s, for a minute."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve():
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65_536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n")
                for _ in range(300):
                    if done.wait(0.2):
                        return
                    conn.sendall(b".")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/in"
    done.set()
    listener.close()


def test_a_receiver_that_answers_byte_by_byte_cannot_hold_a_delivery_past_its_deadline(
    author, reviewer, chirp, dripping_receiver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1  # each byte comes in time; the whole answer does not
    platform_services.endpoint_create(platform=chirp, url=dripping_receiver)
    _approved(author, reviewer)
    delivery = Delivery.objects.get()
    started = time.monotonic()
    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    assert time.monotonic() - started < sending.batch_deadline(1) + 2
    delivery.refresh_from_db()
    assert delivery.last_error == sending.LATE
    assert delivery.leased_until is None or delivery.leased_until > timezone.now()


def test_events_written_while_an_endpoint_is_paused_go_out_in_order_once_it_is_enabled(
    author, reviewer, senior, endpoint, receiver, django_capture_on_commit_callbacks
):
    platform_services.endpoint_update(endpoint=endpoint.endpoint, active=False)
    post = _approved(author, reviewer)
    services.post_revoke(post=post, by=senior, reason_code="rumour")
    assert Delivery.objects.filter(endpoint=endpoint.endpoint).count() == 2  # kept, not dropped
    assert sending.deliveries_send() == {}  # nothing goes to a paused endpoint
    with django_capture_on_commit_callbacks(execute=True):
        platform_services.endpoint_update(endpoint=endpoint.endpoint, active=True)
    while sending.deliveries_send():
        pass
    kinds = [json.loads(r.body)["type"] for r in receiver.received]
    assert kinds == ["post.approved", "post.revoked"]


# --- the circuit breaker ------------------------------------------------------------------


def test_a_failing_endpoint_is_left_alone_then_probed_then_sent_the_rest(
    author, reviewer, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_CIRCUIT_FAILURES = 2
    settings.WEBHOOK_CIRCUIT_FIRST_PROBE_SECONDS = 60
    settings.WEBHOOK_RETRY_SCHEDULE = [1] * 10
    receiver.replies = [500, 500]
    for _ in range(4):
        _approved(author, reviewer)
    first, second, *_ = Delivery.objects.order_by("pk")
    delivery_send(delivery_id=first.pk)
    delivery_send(delivery_id=second.pk)
    assert Endpoint.objects.get().circuit == "open"
    with _later(5):
        assert sending.deliveries_send() == {}  # open: nothing goes, however due
    assert len(receiver.received) == 2
    with _later(61), django_capture_on_commit_callbacks(execute=True):
        assert sending.deliveries_send(limit=1) == {"delivered": 1}  # the probe
        assert Endpoint.objects.get().circuit == "closed"
        sending.deliveries_send()
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 4
    send_waiting_mail()
    recovered = [m for m in mail.outbox if "receiving again" in m.subject]
    assert {tuple(m.to) for m in recovered} >= {("hooks@chirp.example",)}


def test_a_disabled_endpoint_tells_its_platform_and_keeps_what_waits(
    author, reviewer, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.replies = [410]
    _approved(author, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_id=Delivery.objects.get().pk)
    assert not Endpoint.objects.get().active
    send_waiting_mail()
    (told,) = [m for m in mail.outbox if m.to == ["hooks@chirp.example"]]
    assert "disabled" in told.subject and "410" in told.body


# --- attempts on record -------------------------------------------------------------------


def test_an_attempt_cut_off_by_a_dead_worker_is_recorded_as_interrupted(
    author, reviewer, endpoint, receiver
):
    _approved(author, reviewer)
    delivery = Delivery.objects.get()
    batch = sending._lease(first=delivery.pk, endpoint_id=None, limit=1, only=True)
    assert Attempt.objects.get().outcome == "sending"  # written before anything is sent
    # ... and the worker dies here. After the lease runs out, another worker sends it.
    assert delivery_send(delivery_id=delivery.pk) == "skipped"  # still leased
    with _later(60):
        assert delivery_send(delivery_id=delivery.pk) == "delivered"
    assert [(a.number, a.outcome) for a in delivery.attempts.all()] == [
        (1, "interrupted"),
        (2, "delivered"),
    ]
    assert batch.leased[0].webhook_id == receiver.received[0].headers["webhook-id"]


def test_timestamps_have_one_format_in_webhooks_and_the_api(
    author, reviewer, chirp, endpoint, receiver
):
    _approved(author, reviewer)
    delivery_send(delivery_id=Delivery.objects.get().pk)
    body = json.loads(receiver.received[0].body)
    assert WIRE_TIME.match(body["timestamp"]) and WIRE_TIME.match(body["data"]["decided_at"])
    api = _api(chirp)
    (post,) = api.get("/api/v1/posts/").json()["results"]
    assert WIRE_TIME.match(post["updated_at"]) and WIRE_TIME.match(post["decision"]["decided_at"])
    seen = api.get(f"/api/v1/deliveries/{Delivery.objects.get().pk}/").json()
    assert WIRE_TIME.match(seen["created_at"]) and WIRE_TIME.match(
        seen["attempts"][0]["started_at"]
    )


# --- outages cost nothing -----------------------------------------------------------------


def test_a_decision_answers_normally_when_the_broker_is_down(
    client, author, reviewer, endpoint, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    with (
        mock.patch.object(deliver_webhook, "apply_async", side_effect=ConnectionError("down")),
        mock.patch.object(send_notification, "apply_async", side_effect=ConnectionError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("approvals:post_action", args=[post.pk, "approve"]))
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).state == State.APPROVED
    # Both are on record and swept once due.
    with _later(30):
        assert endpoints_with_due_deliveries() == [endpoint.endpoint.pk]
        assert notifications_due() == [Notification.objects.get().pk]


def test_api_throttling_lets_requests_through_when_its_cache_is_down(chirp, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017 - the cache really is down
        cache.get("anything")
    response = _api(chirp).get("/api/v1/posts/")
    assert response.status_code == 200


def test_an_email_that_fails_to_send_is_kept_and_sent_later(author, reviewer, settings):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    services.post_reject(post=post, by=reviewer, reason_code="rumour", note="Source?")
    notification = Notification.objects.get()
    with mock.patch("accounts.notifications.send_mail", side_effect=OSError("SMTP down")):
        assert send_notification(notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.sent_at is None and "SMTP down" in notification.last_error
    assert notifications_due() == []  # not yet
    with _later(60):
        assert notifications_due() == [notification.pk]
        assert send_notification(notification.pk) == "sent"
    assert mail.outbox[-1].to == [author.email]


def test_an_endpoint_alert_that_fails_to_send_is_kept_and_sent_later(
    author, reviewer, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.replies = [410]
    _approved(author, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_id=Delivery.objects.get().pk)
    alert = Notification.objects.get(to="hooks@chirp.example")
    assert alert.user is None  # addressed to the platform, not to an account
    with mock.patch("accounts.notifications.send_mail", side_effect=OSError("SMTP down")):
        assert send_notification(alert.pk) == "failed"
    with _later(60):
        assert alert.pk in notifications_due()
        assert send_notification(alert.pk) == "sent"
    assert mail.outbox[-1].to == ["hooks@chirp.example"]


# --- the platform manages its endpoints ---------------------------------------------------


def _api(platform):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=platform).key}"
    )
    return client


def test_a_platform_manages_its_endpoints_through_the_api(chirp, receiver):
    api = _api(chirp)
    created = api.post(
        "/api/v1/endpoints/", {"url": receiver.url, "event_types": ["post.approved"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    endpoint_id, secret = created.json()["id"], created.json()["secret"]
    assert secret.startswith("whsec_")
    listed = api.get("/api/v1/endpoints/").json()["results"]
    assert [e["id"] for e in listed] == [endpoint_id] and "secret" not in listed[0]

    changed = api.patch(
        f"/api/v1/endpoints/{endpoint_id}/",
        {"event_types": ["post.approved", "post.revoked"]},
        format="json",
    )
    assert changed.json()["event_types"] == ["post.approved", "post.revoked"]
    bad = api.patch(f"/api/v1/endpoints/{endpoint_id}/", {"event_types": ["nope"]}, format="json")
    assert bad.status_code == 400 and "event_types" in bad.json()

    ping = api.post(f"/api/v1/endpoints/{endpoint_id}/test/")
    assert ping.status_code == 202
    assert delivery_send(delivery_id=ping.json()["delivery_id"]) == "delivered"
    request = receiver.received[-1]
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "ping"

    rotated = api.post(
        f"/api/v1/endpoints/{endpoint_id}/rotate-secret/", {"overlap_hours": 2}, format="json"
    )
    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    assert api.post(f"/api/v1/endpoints/{endpoint_id}/retry/").json() == {"queued": 0}

    other = platform_services.platform_create(name="Other")
    assert _api(other).get(f"/api/v1/endpoints/{endpoint_id}/").status_code == 404


def test_retry_now_makes_everything_pending_due_and_closes_the_circuit(
    author, reviewer, endpoint, chirp
):
    _approved(author, reviewer)
    later = timezone.now() + timedelta(hours=5)
    Delivery.objects.update(next_attempt_at=later)
    Endpoint.objects.update(circuit="open", probe_at=later, failure_streak=9)
    answer = _api(chirp).post(f"/api/v1/endpoints/{endpoint.endpoint.pk}/retry/").json()
    assert answer == {"queued": 1}
    assert Endpoint.objects.get().circuit == "closed"
    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "delivered"


def test_the_events_feed_always_says_where_to_resume(author, reviewer, chirp):
    api = _api(chirp)
    empty = api.get("/api/v1/events/", {"after": 7}).json()
    assert empty == {"events": [], "last_id": 7, "next_after": None}
    _approved(author, reviewer)
    page = api.get("/api/v1/events/").json()
    assert page["last_id"] == Event.objects.get().pk and page["next_after"] is None


def test_the_schema_documents_every_webhook_with_its_payload(client):
    import yaml

    schema = yaml.safe_load(client.get(reverse("schema")).content)
    assert schema["openapi"].startswith("3.1")
    assert set(schema["webhooks"]) == {
        "post.cleared",
        "post.approved",
        "post.rejected",
        "post.changes_requested",
        "post.revoked",
        "account.sanctioned",
        "account.reinstated",
        "ping",
    }
    payload = schema["components"]["schemas"]["PostEvent"]["properties"]
    assert {"type", "timestamp", "sequence", "data"} <= set(payload)


# --- one sender per delivery, across processes --------------------------------------------


SENDER = """
import os, sys, time
import django
django.setup()
from approvals.platform.delivery import deliveries_send
start, ids = float(sys.argv[1]), [int(i) for i in sys.argv[2:]]
time.sleep(max(0, start - time.time()))
for delivery_id in ids:
    deliveries_send(first=delivery_id)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_processes_on_fifteen_due_deliveries_send_each_exactly_once(tmp_path):
    from tests.e2e.processes import database_url

    receiver = Receiver(delay=0.05).start()
    try:
        platform = platform_services.platform_create(name="Chirp")
        platform_services.endpoint_create(platform=platform, url=receiver.url)
        for n in range(15):
            platform_services.event_record(
                type="post.approved",
                platform=platform,
                data={"n": n},
                stream=f"post:{n}",
                sequence=1,
            )
        ids = [str(pk) for pk in Delivery.objects.values_list("pk", flat=True)]
        script = tmp_path / "sender.py"
        script.write_text(SENDER)
        env = {
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[2]),
        }
        start = time.time() + 3
        senders = [
            subprocess.Popen([sys.executable, str(script), str(start), *ids], env=env)
            for _ in range(6)
        ]
        for sender in senders:
            assert sender.wait(timeout=90) == 0
    finally:
        receiver.stop()
    sent = [r.headers["webhook-id"] for r in receiver.received]
    assert len(sent) == 15 and len(set(sent)) == 15
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 15
    assert Attempt.objects.count() == 15
    connection.close()
