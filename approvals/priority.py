"""The order of the review queue, defined once: the queue page, "claim next" and anything else
that walks the queue use `in_priority_order`, and `PRIORITY_INDEX` is the index that serves it.

1. Escalated posts first (past their deadline, or escalated by a reviewer).
2. Then by `priority_at`: the post's deadline (`due_at`, its submission plus the desk's target
   time, fixed when it is submitted), brought forward by its screening score
   (QUEUE_SCREENING_HOURS_PER_POINT hours per point, at most QUEUE_SCREENING_MAX_POINTS
   points), so a post that reads strongly like news is looked at sooner.
3. Then by age (`submitted_at`), then id.

Both times are stored on the post when it enters the queue (submit, resubmit), so the order is
an in-order walk of one partial index however many posts there are, never a sort of the whole
queue. A desk's new target time applies to posts submitted after the change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

# False (escalated) sorts before True. The same expression in the index and in ORDER BY, so
# PostgreSQL walks the index in order.
NOT_ESCALATED = ExpressionWrapper(Q(escalated_at__isnull=True), output_field=BooleanField())

QUEUE_ORDER = (NOT_ESCALATED, F("priority_at").asc(nulls_last=True), "submitted_at", "id")


def in_priority_order(posts: QuerySet) -> QuerySet:
    return posts.order_by(*QUEUE_ORDER)


def due_at(*, submitted_at: datetime, target_hours: int) -> datetime:
    """When a decision is due."""
    return submitted_at + timedelta(hours=target_hours)


def screening_lead(screening_score: float | None) -> timedelta:
    """How far the screening score brings a post forward in the queue."""
    points = min(max(screening_score or 0.0, 0.0), settings.QUEUE_SCREENING_MAX_POINTS)
    return timedelta(hours=points * settings.QUEUE_SCREENING_HOURS_PER_POINT)


def priority_at(*, due: datetime, screening_score: float | None) -> datetime:
    """The post's place in the queue: its deadline less its screening lead."""
    return due - screening_lead(screening_score)
