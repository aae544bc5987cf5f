"""Kombu's Redis transport, made to survive Redis going away.

When the connection to Redis drops, the worker closes its channel and opens a new one once
Redis is back. Kombu (5.x) still uses the closed channel in two places, through a client built
from a connection that has already been released, and the AttributeError that follows is an
"Unrecoverable error": the worker exits.

- Closing the channel hands the messages it holds unacknowledged back to Redis.
- A task that was running during the outage finishes after it, and its message is
  acknowledged (or rejected) through the channel it arrived on: the closed one.

Here both are skipped when the channel's connection is gone. The messages stay in Redis's
unacknowledged set and kombu restores them after the visibility timeout; every task is
idempotent and the outbox sweeper re-queues anything still due in any case, so a skipped
acknowledgement costs at most a second, harmless run.
"""

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)


def _released(channel) -> bool:
    transport = channel.connection
    return transport is None or transport.client is None


class QoS(redis.QoS):
    def restore_unacked(self, client=None):
        if _released(self.channel):
            return None
        return super().restore_unacked(client)

    def ack(self, delivery_tag):
        if _released(self.channel):
            log.info("Broker channel closed: message %s is left for redelivery.", delivery_tag)
            return super(redis.QoS, self).ack(delivery_tag)  # forget it here, nothing more
        return super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if _released(self.channel):
            log.info("Broker channel closed: message %s is left for redelivery.", delivery_tag)
            return super(redis.QoS, self).ack(delivery_tag)
        return super().reject(delivery_tag, requeue=requeue)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
