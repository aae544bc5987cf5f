"""Daily rollups of the decisions for the oversight dashboard.

A closed day (in the server's time zone, TIME_ZONE) is rolled up whole, in one transaction:
its rows are deleted and computed again from the audit trail (DecisionTimeRollup per desk and
reviewer with a histogram of the time to decision; DecisionCountRollup per desk, action and
reason code), and the day is marked done (OversightRollupDay). Rolling a day again gives the
same rows (idempotent). The beat (approvals.tasks.rollup_oversight) re-rolls the last
OVERSIGHT_ROLLUP_REROLL_DAYS closed days every run, so what changes a closed day's figures
after midnight (a decision committed just after midnight with an earlier time, a post moved to
another desk, a resubmission) is picked up; older days are rolled once (and again by
`manage.py rollup_oversight --since DATE`).

The dashboard (approvals.oversight) reads a rolled day from the rollups when the whole day
lies inside the range asked for (in the viewer's time zone), and everything else (today,
days not rolled yet, the partial days at the edges of a range in another time zone) live
from the audit trail.

Times to decision are counted in fixed log-spaced buckets: under a minute, then four buckets
per doubling from one minute to 32 days, then one for longer. Percentiles read off summed
histograms (interpolated inside the bucket) are within one bucket of the exact figure: a
factor 2^(1/4), i.e. +19 % / -16 % at worst, about ±9 % around the bucket's middle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Floor, Least, Ln
from django.utils import timezone

from approvals.models import (
    AuditEntry,
    DecisionCountRollup,
    DecisionTimeRollup,
    OversightRollupDay,
)

# Bucket 0: under FIRST_EDGE seconds; bucket i (1..EDGES-1): [EDGES[i-1], EDGES[i]);
# the last bucket: EDGES[-1] and more.
PER_DOUBLING = 4
FIRST_EDGE = 60.0
EDGES = [FIRST_EDGE * 2 ** (k / PER_DOUBLING) for k in range(63)]  # 1 minute .. 32.2 days
BUCKETS = len(EDGES) + 1
BUCKET_FACTOR = 2 ** (1 / PER_DOUBLING)

FIRST_DECISIONS = ("post.approve", "post.reject", "post.request_changes")
COUNTED_DECISIONS = ("post.reject", "post.uphold", "post.revoke", "post.overturn")
REASONED_DECISIONS = ("post.reject", "post.uphold", "post.revoke")


def bucket_of(seconds: float) -> int:
    if seconds < FIRST_EDGE:
        return 0
    return min(BUCKETS - 1, 1 + math.floor(PER_DOUBLING * math.log2(seconds / FIRST_EDGE)))


def bucket_expression(seconds):
    """bucket_of in SQL."""
    return Case(
        When(**{f"{seconds.name}__lt": FIRST_EDGE}, then=Value(0)),
        default=Least(
            Value(BUCKETS - 1),
            Cast(
                Value(1.0)
                + Floor(Value(PER_DOUBLING / math.log(2)) * Ln(seconds / Value(FIRST_EDGE))),
                IntegerField(),
            ),
        ),
        output_field=IntegerField(),
    )


def bounds(bucket: int) -> tuple[float, float]:
    if bucket == 0:
        return 0.0, FIRST_EDGE
    if bucket >= BUCKETS - 1:
        return EDGES[-1], math.inf
    return EDGES[bucket - 1], EDGES[bucket]


def value_at_rank(histogram: list[int], rank: int) -> float:
    """The `rank`-th smallest time (0-based), placed inside its bucket by its rank there
    (geometrically; linearly in the first bucket; the lower edge in the last)."""
    seen = 0
    for bucket, count in enumerate(histogram):
        if count and seen + count > rank:
            low, high = bounds(bucket)
            share = (rank - seen + 0.5) / count
            if bucket == 0:
                return low + (high - low) * share
            if math.isinf(high):
                return low
            return low * (high / low) ** share
        seen += count
    return bounds(len(histogram) - 1)[0]


def percentile(histogram: list[int], fraction: float) -> float | None:
    """The `fraction` percentile in seconds as percentile_cont computes it (linear between
    the closest ranks), each rank's time known to within its bucket."""
    total = sum(histogram)
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    at_low = value_at_rank(histogram, low)
    if high == low:
        return at_low
    return at_low + (value_at_rank(histogram, high) - at_low) * (position - low)


def add(into: list[int], histogram: list[int]) -> None:
    for bucket, count in enumerate(histogram):
        if count:
            into[bucket] += count


# --- which days are rolled up ---------------------------------------------------------------


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The moments a rollup day starts and ends (exclusive), in the server's time zone."""
    tz = zone()
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


def today() -> date:
    return timezone.now().astimezone(zone()).date()


@dataclass(frozen=True)
class Split:
    """A range of time cut into rolled-up days and the live rest (intervals, end exclusive)."""

    days: tuple[date, ...]
    live: tuple[tuple[datetime, datetime], ...]

    def live_q(self, path: str = "created_at") -> Q:
        q = Q(pk__in=[])
        for start, end in self.live:
            q |= Q(**{f"{path}__gte": start, f"{path}__lt": end})
        return q


def split(start: datetime, end: datetime) -> Split:
    """The rolled-up days lying wholly inside [start, end), and what is left."""
    if not getattr(settings, "OVERSIGHT_ROLLUPS", True):
        return Split(days=(), live=((start, end),))
    tz = zone()
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    days = []
    for day in OversightRollupDay.objects.filter(day__gte=first, day__lte=last).values_list(
        "day", flat=True
    ):
        day_start, day_end = day_bounds(day)
        if start <= day_start and day_end <= end:
            days.append(day)
    days.sort()
    live, cursor = [], start
    for day in days:
        day_start, day_end = day_bounds(day)
        if cursor < day_start:
            live.append((cursor, day_start))
        cursor = day_end
    if cursor < end:
        live.append((cursor, end))
    return Split(days=tuple(days), live=tuple(live))


# --- rolling a day up -----------------------------------------------------------------------


def first_decisions(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """First decisions with the seconds since submission; a post resubmitted since (submitted
    after the decision) is left out, as on the live dashboard."""
    from approvals.oversight import Seconds

    return (
        entries.filter(action__in=FIRST_DECISIONS, post__submitted_at__lte=F("created_at"))
        .alias(seconds=Seconds(F("created_at"), F("post__submitted_at")))
        .order_by()
    )


def late_q() -> Q:
    return Q(seconds__gt=F("post__desk__target_hours") * 3600)


def time_histograms(entries: QuerySet[AuditEntry], *by: str) -> dict:
    """Per `by` value (a tuple of values if several): [decisions, late, histogram], in one
    GROUP BY (values, bucket)."""
    out: dict = {}
    rows = (
        first_decisions(entries)
        .annotate(bucket=bucket_expression(F("seconds")))
        .values(*by, "bucket")
        .annotate(n=Count("id"), late=Count("id", filter=late_q()))
    )
    for r in rows:
        key = r[by[0]] if len(by) == 1 else tuple(r[b] for b in by)
        row = out.setdefault(key, [0, 0, [0] * BUCKETS])
        row[0] += r["n"]
        row[1] += r["late"]
        row[2][r["bucket"]] += r["n"]
    return out


def reason_counts(entries: QuerySet[AuditEntry]) -> QuerySet:
    """Counted decisions per desk, action and reason (an uphold's entry names no reason: the
    rejection's, on the post, stands)."""
    return (
        entries.filter(action__in=COUNTED_DECISIONS)
        .annotate(
            desk=F("post__desk_id"),
            reason=Case(
                When(
                    action__in=REASONED_DECISIONS,
                    then=Coalesce("reason_code_id", "post__reason_code_id"),
                ),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .values("desk", "action", "reason")
        .annotate(n=Count("id"))
        .order_by()
    )


def roll_day(day: date) -> int:
    """Compute one closed day's rollups afresh, in one transaction. Returns its decisions."""
    if day >= today():
        raise ValueError(f"{day} is not over yet: only closed days are rolled up.")
    start, end = day_bounds(day)
    entries = AuditEntry.objects.filter(created_at__gte=start, created_at__lt=end)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # two runs on one day wait for each other
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7291, day.toordinal()])
        DecisionTimeRollup.objects.filter(day=day).delete()
        DecisionCountRollup.objects.filter(day=day).delete()
        times = time_histograms(entries, "post__desk_id", "actor_id")
        DecisionTimeRollup.objects.bulk_create(
            DecisionTimeRollup(
                day=day, desk_id=desk_id, actor_id=actor_id, decisions=n, late=late,
                histogram=histogram,
            )
            for (desk_id, actor_id), (n, late, histogram) in times.items()
        )  # fmt: skip
        counts = list(reason_counts(entries))
        DecisionCountRollup.objects.bulk_create(
            DecisionCountRollup(
                day=day, desk_id=r["desk"], action=r["action"], reason_code_id=r["reason"],
                decisions=r["n"],
            )
            for r in counts
        )  # fmt: skip
        total = sum(row[0] for row in times.values()) + sum(
            r["n"] for r in counts if r["action"] not in FIRST_DECISIONS
        )
        OversightRollupDay.objects.update_or_create(
            day=day, defaults={"rolled_at": timezone.now(), "decisions": total}
        )
    return total


def roll_up(*, since: date | None = None, until: date | None = None) -> list[date]:
    """Roll up the closed days from `since` (default: the last OVERSIGHT_ROLLUP_REROLL_DAYS,
    plus any day of the last OVERSIGHT_ROLLUP_HORIZON_DAYS never rolled, oldest first, at most
    OVERSIGHT_ROLLUP_BATCH_DAYS of those a run) to `until` (default: yesterday)."""
    yesterday = today() - timedelta(days=1)
    until = min(until or yesterday, yesterday)
    if since is not None:
        days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    else:
        recent = settings.OVERSIGHT_ROLLUP_REROLL_DAYS
        days = [until - timedelta(days=n) for n in range(recent - 1, -1, -1)]
        horizon = until - timedelta(days=settings.OVERSIGHT_ROLLUP_HORIZON_DAYS - 1)
        done = set(
            OversightRollupDay.objects.filter(day__gte=horizon).values_list("day", flat=True)
        )
        missing = [
            horizon + timedelta(days=n)
            for n in range((until - horizon).days + 1)
            if horizon + timedelta(days=n) not in done and horizon + timedelta(days=n) not in days
        ]
        days = missing[: settings.OVERSIGHT_ROLLUP_BATCH_DAYS] + days
    for day in days:
        roll_day(day)
    return days
