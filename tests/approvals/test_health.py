"""/healthz: JSON, 200 when the database, broker, worker and beat are alive and webhooks go
out; 503 when any of them is not."""

import functools
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from approvals.health import heartbeat
from approvals.models import Delivery
from approvals.platform import services as platform_services
from config.celery import app
from tests.e2e.stack import RedisServer

# The checks run on threads of their own (their own database connections): commit the data.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    """A private redis-server as the broker /healthz checks."""
    redis = RedisServer().start()
    connect = functools.partial(app.connection_for_write, url=redis.url)
    with mock.patch.object(app, "connection_for_write", connect):
        yield redis
    redis.stop()


@pytest.fixture
def alive(broker):
    heartbeat("worker")
    heartbeat("beat")
    return broker


@pytest.mark.redis
def test_healthy_is_200_json(client, alive):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body.values()) == {"OK"} and len(body) == 5


@pytest.mark.redis
def test_a_stopped_broker_is_503(client, alive):
    alive.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert any("The broker cannot be reached." in v for v in response.json().values())


@pytest.mark.redis
def test_a_silent_worker_or_beat_is_503(client, alive, settings):
    later = timezone.now() + timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS + 5)
    with time_machine.travel(later):
        heartbeat("beat")
        body = client.get("/healthz")
    assert body.status_code == 503
    assert any("worker last reported" in value for value in body.json().values())


@pytest.mark.redis
def test_a_webhook_waiting_too_long_is_503(client, alive, settings, receiver):
    platform = platform_services.platform_create(name="Chirp")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    platform_services.event_record(type="post.approved", platform=platform, data={})
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert any("oldest due webhook" in value for value in response.json().values())
