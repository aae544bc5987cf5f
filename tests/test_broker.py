"""The worker's Redis transport outlives a Redis restart (config/broker.py)."""

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Producer, Queue

pytestmark = pytest.mark.redis


@pytest.fixture
def channel():
    connection = Connection(settings.REDIS_URL, transport="config.broker:Transport")
    channel = connection.channel()
    yield channel
    connection.release()


def _lose_the_connection(channel) -> None:
    """What kombu leaves behind when Redis drops: the channel closed, its pools let go."""
    channel.close()
    channel._pool = channel._async_pool = None
    channel.connection = None


def test_a_task_finishing_after_redis_dropped_leaves_its_message_instead_of_killing_the_worker(
    channel,
):
    queue = Queue("broker-test", Exchange("broker-test"), "broker-test", channel=channel)
    queue.declare()
    Producer(channel).publish({"post": 1}, exchange=queue.exchange, routing_key="broker-test")
    message = queue.get(no_ack=False)
    _lose_the_connection(channel)
    message.ack()  # kombu's own transport raises AttributeError here: "Unrecoverable error"
    assert message.acknowledged


def test_a_task_rejected_after_redis_dropped_leaves_its_message_too(channel):
    queue = Queue("broker-test", Exchange("broker-test"), "broker-test", channel=channel)
    queue.declare()
    Producer(channel).publish({"post": 2}, exchange=queue.exchange, routing_key="broker-test")
    message = queue.get(no_ack=False)
    _lose_the_connection(channel)
    message.reject(requeue=True)
    assert message.acknowledged
