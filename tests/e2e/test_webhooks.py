"""Webhooks end to end: a real Celery worker process (Redis in CI, the filesystem broker
otherwise), a real HTTP receiver, and the web app approving a post over HTTP."""

import re

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from approvals import services
from approvals.models import Delivery, DeliveryStatus
from approvals.platform import services as platform_services
from tests.e2e.processes import Worker, wait_for
from tests.factories import UserFactory, link_account
from tests.logins import log_in_over_http

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker():
    workers = []

    def start(**env):
        worker = Worker(**env)
        if not workers:
            worker.purge()
        workers.append(worker.start())
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def scene(desk, receiver):
    """A platform whose endpoint is the test receiver, and a post claimed by a reviewer."""
    platform = platform_services.platform_create(name="Chirp")
    endpoint = platform_services.endpoint_create(platform=platform, url=receiver.url)
    author = UserFactory(username="alice", display_name="Alice Author")
    reviewer = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    link_account(platform=platform, user=author)
    post = services.post_submit_for_platform(
        platform=platform,
        author=author.username,
        title="Tram",
        body="30 to 2.",
        category="news",
        external_id="chirp-77",
    )
    post = services.post_claim(post=post, by=reviewer)
    return {"post": post, "secret": endpoint.secret, "reviewer": reviewer}


def approve_over_http(base_url: str, post) -> None:
    """Log in as the reviewer and press Approve, as the browser does."""
    session = requests.Session()
    log_in_over_http(session, base_url, "rita")
    page = session.get(f"{base_url}/posts/{post.pk}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base_url}/posts/{post.pk}/approve/",
        data={"csrfmiddlewaretoken": token, "approve-note": "Checked."},
        headers={"Referer": f"{base_url}/posts/{post.pk}/"},
    )
    assert "Approved." in response.text


def delivered(post):
    delivery = Delivery.objects.filter(event__post=post).first()
    return delivery if delivery and delivery.status == DeliveryStatus.DELIVERED else None


def test_approving_in_the_ui_sends_one_signed_webhook_with_the_approved_hash(
    live_server, scene, receiver, start_worker
):
    start_worker()
    approve_over_http(live_server.url, scene["post"])

    wait_for(lambda: receiver.received, message="the webhook")
    delivery = wait_for(lambda: delivered(scene["post"]), message="delivered status")
    (request,) = receiver.received
    payload = Webhook(scene["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "post.approved"
    assert payload["data"]["external_id"] == "chirp-77"
    assert payload["data"]["content_hash"] == scene["post"].current_revision.content_hash
    assert request.headers["webhook-id"] == delivery.event.webhook_id


def test_a_500_then_a_200_is_delivered_by_the_worker_with_the_same_webhook_id(
    live_server, scene, receiver, start_worker
):
    receiver.replies = [500]
    start_worker()
    approve_over_http(live_server.url, scene["post"])

    wait_for(lambda: delivered(scene["post"]), message="delivery after a retry")
    assert len(receiver.received) == 2
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_a_receiver_down_then_up_gets_the_webhook_from_the_sweeper(
    live_server, scene, receiver, start_worker
):
    receiver.stop()
    # Retries wait in the database, not the broker: only the sweeper can send them.
    start_worker(WEBHOOK_BROKER_RETRY_MAX_SECONDS="0")
    approve_over_http(live_server.url, scene["post"])
    wait_for(
        lambda: Delivery.objects.filter(event__post=scene["post"], attempt_count__gte=1).exists(),
        message="a failed first attempt",
    )
    receiver.start()

    wait_for(lambda: delivered(scene["post"]), message="delivery once the receiver is back")
    assert len(receiver.received) == 1


def test_a_worker_killed_mid_delivery_loses_nothing(live_server, scene, receiver, start_worker):
    receiver.delay = 2.0  # the worker is still waiting for the answer when it dies
    worker = start_worker()
    approve_over_http(live_server.url, scene["post"])
    receiver.arrived.wait(timeout=30)
    worker.kill()
    assert not delivered(scene["post"])

    receiver.delay = 0
    start_worker()
    wait_for(lambda: delivered(scene["post"]), timeout=60, message="delivery after restart")
    assert len(receiver.received) >= 2
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
