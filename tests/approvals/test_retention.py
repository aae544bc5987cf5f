"""Retention: old idempotency records, attempts of finished deliveries, delivered events'
bodies and expired sessions go, in batches; the audit trail and what is still needed stay."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from approvals import retention
from approvals.models import AuditEntry, Delivery, Event, IdempotencyRecord, State
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send
from tests.factories import PostFactory, link_account

pytestmark = pytest.mark.django_db


def test_old_records_go_in_batches_and_the_audit_trail_stays(author, reviewer, receiver):
    platform = platform_services.platform_create(name="Chirp")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    link_account(platform=platform, user=author)
    long_ago = timezone.now() - timedelta(days=120)
    with time_machine.travel(long_ago):
        for _ in range(3):
            PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
        for delivery in Delivery.objects.all():
            delivery_send(delivery_id=delivery.pk)
        for n in range(7):
            IdempotencyRecord.objects.create(
                platform=platform, key=f"k{n}", request_hash="x", status_code=201, response={}
            )
        session = SessionStore()
        session.set_expiry(60)
        session.create()
    fresh = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)  # not delivered
    audit_rows = AuditEntry.objects.count()

    pruned = retention.prune(batch=2)

    assert (pruned.idempotency_records, pruned.attempts, pruned.event_bodies, pruned.sessions) == (
        7,
        3,
        3,
        1,
    )
    assert not IdempotencyRecord.objects.exists() and not Session.objects.exists()
    assert Event.objects.count() == 4  # rows stay; only old, finished bodies go
    assert Event.objects.get(post=fresh).body != ""
    assert AuditEntry.objects.count() == audit_rows
    assert retention.prune(batch=2) == retention.Pruned()  # nothing left to do
