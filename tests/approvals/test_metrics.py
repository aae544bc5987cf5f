"""/metrics in Prometheus's text format: decisions, screening, webhook attempts, queue depth
and deliveries, request latency; only for a scraper with the token or from an allowed
network."""

import os

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from approvals import services
from approvals.models import Delivery, State
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send
from tests.factories import PostFactory, link_account

pytestmark = pytest.mark.django_db


def _scrape(client=None, **headers) -> dict[tuple, float]:
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_decision_counts_once_it_is_committed(
    author, reviewer, django_capture_on_commit_callbacks
):
    before = _value(_scrape(), "imprimatur_decisions_total", outcome="approve")
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_approve(post=post, by=reviewer, note="Fine.")
    after = _value(_scrape(), "imprimatur_decisions_total", outcome="approve")
    assert after == before + 1


def test_queue_depth_per_desk_comes_from_the_database(author, desk):
    PostFactory.create_batch(3, author=author, state=State.SUBMITTED)
    samples = _scrape()
    assert _value(samples, "imprimatur_queue_depth", desk=desk.slug, state="submitted") == 3
    assert _value(samples, "imprimatur_queue_depth", desk=desk.slug, state="under_review") == 0


def test_webhook_attempts_and_their_duration_are_counted(
    author, reviewer, receiver, django_capture_on_commit_callbacks
):
    chirp = platform_services.platform_create(name="Chirp")
    link_account(platform=chirp, user=author)
    platform_services.endpoint_create(platform=chirp, url=receiver.url)
    before = _scrape()
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    services.post_approve(post=post, by=reviewer, note="Fine.")
    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "delivered"
    after = _scrape()
    for name, labels in [
        ("imprimatur_webhook_attempts_total", {"outcome": "delivered"}),
        ("imprimatur_webhook_attempt_seconds_count", {}),
    ]:
        assert _value(after, name, **labels) == _value(before, name, **labels) + 1, name
    assert _value(after, "imprimatur_webhook_deliveries", status="delivered") == 1


def test_screening_results_are_counted(author, django_capture_on_commit_callbacks):
    before = _value(_scrape(), "imprimatur_screened_total", result="flagged")
    post = services.post_create(
        author=author, title="Breaking", body="The minister resigned.", category="other"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(post=post, by=author)
    assert _value(_scrape(), "imprimatur_screened_total", result="flagged") == before + 1


def test_request_latency_is_a_histogram_by_view(client, author):
    client.force_login(author)
    client.get("/posts/")
    samples = _scrape()
    assert any(
        name == "django_http_requests_latency_seconds_by_view_method_bucket" for name, _ in samples
    )


def test_metrics_are_refused_to_strangers_and_open_to_the_token(settings):
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    assert stranger.get("/metrics").status_code == 403
    wrong = stranger.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    assert _scrape(stranger, HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")


def test_production_lets_no_network_read_metrics_by_default():
    from config.settings import base

    assert base.METRICS_ALLOWED_NETWORKS == [] or "METRICS_ALLOWED_NETWORKS" in os.environ
