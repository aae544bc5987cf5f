"""Oversight: how the desks are doing. Reads only (selectors), plus the queue-depth sample the
beat writes.

Who sees what (`oversight_scope`): operators (they read the audit trail) and senior reviewers
(they decide appeals from every desk) see every desk and the platform's webhook health; the
audit export, account decisions included, is for those who may read the audit trail
(`approvals.view_auditentry`: operators); a reviewer sees the figures of the desks they
serve and nothing else; anyone else, superusers included, sees nothing (superuser status is
for administering, as everywhere: accounts.roles.holds).

Decisions of whole past days are read from daily rollups (approvals.rollups), the rest (today,
days not rolled yet) live. Every figure is one aggregate query in the database over a bounded
date range (the filter caps it at MAX_DAYS), served by an index: decisions by kind and time by
`audit_decision_idx`, screened posts by `post_screened_idx`, deliveries by their `created_at`
index, the queue by the samples. What the current queue looks like is read from the newest
sample per desk, not counted live, so the page costs the same however long the queues are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from accounts.roles import holds
from approvals import rollups
from approvals.models import (
    QUEUE_STATES,
    AuditEntry,
    Category,
    DecisionCountRollup,
    DecisionTimeRollup,
    Delivery,
    DeliveryStatus,
    Desk,
    Endpoint,
    Post,
    QueueDepthSample,
    ReasonCode,
)
from approvals.permissions import served_desk_ids

# The longest date range the dashboard and the exports accept, in days.
MAX_DAYS = 366
DEFAULT_DAYS = 30
# First decisions (not appeals or takedowns): what "time to decision" measures.
FIRST_DECISIONS = rollups.FIRST_DECISIONS
APPEAL_DECISIONS = ("post.overturn", "post.uphold")
REASONED_DECISIONS = rollups.REASONED_DECISIONS
# Rows in the per-reviewer table (the busiest first); the CSV has the same rows.
MAX_REVIEWERS = 50
MAX_DISABLED_ENDPOINTS = 50


# --- who may see what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The desks whose figures a user may see; `every_desk` also opens the platform-wide
    figures (webhook health) and the audit export."""

    every_desk: bool
    desk_ids: frozenset[int] = frozenset()

    def desks(self) -> QuerySet[Desk]:
        if self.every_desk:
            return Desk.objects.all()
        return Desk.objects.filter(pk__in=self.desk_ids)

    def covers(self, desk: Desk | None) -> bool:
        return desk is None or self.every_desk or desk.pk in self.desk_ids


def oversees_every_desk(user) -> bool:
    """Operators and senior reviewers."""
    return holds(user, "approvals.view_auditentry") or holds(user, "approvals.decide_appeal")


def oversight_scope(*, user) -> Scope | None:
    """What the user may see on the oversight dashboard; None: nothing (no page at all)."""
    if oversees_every_desk(user):
        return Scope(every_desk=True)
    if holds(user, "approvals.review_post"):
        desk_ids = served_desk_ids(user)
        if desk_ids:
            return Scope(every_desk=False, desk_ids=desk_ids)
    return None


def may_oversee(user) -> bool:
    return oversight_scope(user=user) is not None


def may_export_audit(user) -> bool:
    """The whole audit trail, identity and sanction decisions included: only those who may
    read it (operators), not every senior reviewer."""
    return holds(user, "approvals.view_auditentry")


# --- the period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days, `first` to `last` inclusive, in the current time zone."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(first=today - timedelta(days=days - 1), last=today)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def hourly(self) -> bool:
        """Short ranges are drawn hour by hour, longer ones day by day."""
        return self.days <= 2


# --- sections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    # "": a count; "h": hours; "%": a share (0..1); "time", "hour", "day": a moment; "text"
    unit: str = ""

    @property
    def is_number(self) -> bool:
        return self.unit in ("", "h", "%")


@dataclass
class Section:
    """One figure of the dashboard: a table (also its CSV) and how to draw it."""

    key: str
    title: str | Promise
    description: str | Promise
    columns: list[Column]
    rows: list[dict]
    chart: str = "bars"  # "bars": one group per row; "lines": one line per `series` value
    label: str = ""  # the column naming a bar group, or the x axis of lines
    values: list[str] = field(default_factory=list)  # the columns drawn
    series: str = ""  # lines only: the column naming each line
    note: str | Promise = ""


def _desk_filter(scope: Scope, desk: Desk | None, path: str) -> Q:
    if desk is not None:
        return Q(**{path: desk.pk})
    if scope.every_desk:
        return Q()
    return Q(**{f"{path}__in": sorted(scope.desk_ids)})


def _desk_names(ids: Iterable[int]) -> dict[int, str]:
    return {d.pk: d.local_name for d in Desk.objects.filter(pk__in=set(ids))}


def queue_depth(*, scope: Scope, period: Period, desk: Desk | None = None) -> Section:
    """Waiting and overdue posts per desk over time: the largest sample of each hour or day
    (one GROUP BY over the samples of the range, at most MAX_DAYS × desks rows out)."""
    kind = "hour" if period.hourly else "day"
    rows = (
        QueueDepthSample.objects.filter(
            _desk_filter(scope, desk, "desk_id"), at__gte=period.start, at__lt=period.end
        )
        .annotate(bucket=Trunc("at", kind, tzinfo=timezone.get_current_timezone()))
        .values("bucket", "desk_id")
        .annotate(waiting=Max("waiting"), overdue=Max("overdue"))
        .order_by("bucket", "desk_id")
    )
    rows = list(rows)
    names = _desk_names(r["desk_id"] for r in rows)
    return Section(
        key="queue",
        title=_("Queue depth over time"),
        description=(
            _("Posts waiting for a decision on each desk: the most at any sample of each hour.")
            if period.hourly
            else _("Posts waiting for a decision on each desk: the most at any sample of each day.")
        ),
        columns=[
            Column(
                "at", _("Time") if period.hourly else _("Day"), "hour" if period.hourly else "day"
            ),
            Column("desk", _("Desk"), "text"),
            Column("waiting", _("Waiting")),
            Column("overdue", _("Overdue")),
        ],
        rows=[
            {
                "at": r["bucket"],
                "desk": names.get(r["desk_id"], r["desk_id"]),
                "waiting": r["waiting"],
                "overdue": r["overdue"],
            }
            for r in rows
        ],
        chart="lines",
        label="at",
        values=["waiting"],
        series="desk",
    )


def overdue_now(*, scope: Scope, desk: Desk | None = None) -> Section:
    """Per desk: waiting and overdue posts at the newest sample (at most one
    QUEUE_SAMPLE_SECONDS old), each read off the (desk, at) index, one row per desk; counted
    live only for a desk never sampled yet."""
    desks = scope.desks() if desk is None else Desk.objects.filter(pk=desk.pk)
    newest = QueueDepthSample.objects.filter(desk=OuterRef("pk")).order_by("-at")
    desks = list(
        desks.annotate(
            sampled_at=Subquery(newest.values("at")[:1]),
            waiting=Subquery(newest.values("waiting")[:1]),
            overdue=Subquery(newest.values("overdue")[:1]),
        ).order_by("name")
    )
    unsampled = [d for d in desks if d.sampled_at is None]
    live = queue_depth_now(desks=unsampled) if unsampled else {}
    rows = []
    for d in desks:
        waiting, overdue = (d.waiting, d.overdue) if d.sampled_at else live.get(d.pk, (0, 0))
        rows.append(
            {
                "desk": d.local_name,
                "target_hours": d.target_hours,
                "waiting": waiting,
                "overdue": overdue,
                "at": d.sampled_at or timezone.now(),
            }
        )
    return Section(
        key="overdue",
        title=_("Overdue now"),
        description=_(
            "Posts waiting on each desk and how many are past their deadline (submission plus "
            "the desk's target time), as of the newest sample."
        ),
        columns=[
            Column("desk", _("Desk"), "text"),
            Column("target_hours", _("Target (hours)")),
            Column("waiting", _("Waiting")),
            Column("overdue", _("Overdue")),
            Column("at", _("As of"), "time"),
        ],
        rows=rows,
        label="desk",
        values=["waiting", "overdue"],
    )


class Seconds(Func):
    """`later - earlier` in seconds, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler, conn, **extra):
        return self.as_sql(
            compiler,
            conn,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float8",
            arg_joiner=" - ",
        )

    def as_sqlite(self, compiler, conn, **extra):
        return self.as_sql(
            compiler,
            conn,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the `fraction` percentile, interpolated."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python (SQLite): linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _first_decisions(scope: Scope, period: Period, desk: Desk | None) -> QuerySet[AuditEntry]:
    """First decisions in the period, with the seconds since the post's submission. A post
    resubmitted since has a later submission time than its old decision: left out."""
    return (
        AuditEntry.objects.filter(
            _desk_filter(scope, desk, "post__desk_id"),
            action__in=FIRST_DECISIONS,
            created_at__gte=period.start,
            created_at__lt=period.end,
            post__submitted_at__lte=F("created_at"),
        )
        .alias(seconds=Seconds(F("created_at"), F("post__submitted_at")))
        .order_by()
    )


def _times(entries: QuerySet[AuditEntry], by: str) -> list[dict]:
    """Per `by` value: decisions, p50 and p90 hours, decisions after the desk's deadline."""
    late = Q(seconds__gt=F("post__desk__target_hours") * 3600)
    if connection.vendor == "postgresql":
        rows = entries.values(by).annotate(
            decisions=Count("id"),
            late=Count("id", filter=late),
            p50=PercentileCont(F("seconds"), 0.5),
            p90=PercentileCont(F("seconds"), 0.9),
        )
        return [
            {
                "key": r[by],
                "decisions": r["decisions"],
                "late": r["late"],
                "p50": r["p50"] / 3600 if r["p50"] is not None else None,
                "p90": r["p90"] / 3600 if r["p90"] is not None else None,
            }
            for r in rows
        ]
    grouped: dict[int, list[float]] = defaultdict(list)
    lates: dict[int, int] = defaultdict(int)
    for key, seconds, is_late in entries.annotate(
        s=F("seconds"), is_late=ExpressionWrapper(late, output_field=BooleanField())
    ).values_list(by, "s", "is_late"):
        grouped[key].append(seconds)
        lates[key] += bool(is_late)
    return [
        {
            "key": key,
            "decisions": len(values),
            "late": lates[key],
            "p50": _percentile(values, 0.5) / 3600,
            "p90": _percentile(values, 0.9) / 3600,
        }
        for key, values in grouped.items()
    ]


TIME_COLUMNS = [
    Column("decisions", _("Decisions")),
    Column("p50", _("p50 (hours)"), "h"),
    Column("p90", _("p90 (hours)"), "h"),
    Column("late", _("After the deadline")),
]


def _time_rows(
    scope: Scope, period: Period, desk: Desk | None, by: str, shared: dict | None = None
) -> list[dict]:
    """_times per desk (`by` "desk") or reviewer ("actor"): exact (percentile_cont) when no
    rolled-up day lies in the period; else the rolled-up days' histograms plus the rest's,
    counted live in the same buckets, percentiles read off the sum (approvals.rollups:
    within one bucket). `shared`, one per page: the per-desk and per-reviewer tables read
    the rollups and the live part once, by (desk, reviewer)."""
    path = "post__desk_id" if by == "desk" else "actor_id"
    cut = rollups.split(period.start, period.end)
    if not cut.days:
        return _times(_first_decisions(scope, period, desk), path)
    table: dict = {}

    def merge(key, decisions, late, histogram):
        row = table.setdefault(key, [0, 0, [0] * rollups.BUCKETS])
        row[0] += decisions
        row[1] += late
        rollups.add(row[2], histogram)

    shared = {} if shared is None else shared
    if "pairs" not in shared:
        pairs = list(
            DecisionTimeRollup.objects.filter(
                _desk_filter(scope, desk, "desk_id"), day__in=cut.days
            ).values_list("desk_id", "actor_id", "decisions", "late", "histogram")
        )
        if cut.live:
            live = AuditEntry.objects.filter(
                _desk_filter(scope, desk, "post__desk_id"), cut.live_q()
            )
            pairs += [
                (desk_id, actor_id, decisions, late, histogram)
                for (desk_id, actor_id), (decisions, late, histogram) in rollups.time_histograms(
                    live, "post__desk_id", "actor_id"
                ).items()
            ]
        shared["pairs"] = pairs
    for desk_id, actor_id, decisions, late, histogram in shared["pairs"]:
        merge(desk_id if by == "desk" else actor_id, decisions, late, histogram)
    return [
        {
            "key": key,
            "decisions": decisions,
            "late": late,
            "p50": _hours(rollups.percentile(histogram, 0.5)),
            "p90": _hours(rollups.percentile(histogram, 0.9)),
        }
        for key, (decisions, late, histogram) in table.items()
        if decisions
    ]


def _hours(seconds: float | None) -> float | None:
    return seconds / 3600 if seconds is not None else None


def decision_times_by_desk(
    *, scope: Scope, period: Period, desk: Desk | None = None, shared: dict | None = None
) -> Section:
    rows = _time_rows(scope, period, desk, "desk", shared)
    names = _desk_names(r["key"] for r in rows)
    for r in rows:
        r["desk"] = names.get(r.pop("key"), "")
    rows.sort(key=lambda r: r["desk"])
    return Section(
        key="times-desk",
        title=_("Time to decision per desk"),
        description=_(
            "Hours from submission to the first decision (approve, reject, request changes): "
            "the median (p50) and the time nine decisions in ten took at most (p90)."
        ),
        columns=[Column("desk", _("Desk"), "text"), *TIME_COLUMNS],
        rows=rows,
        label="desk",
        values=["p50", "p90"],
    )


def decision_times_by_reviewer(
    *, scope: Scope, period: Period, desk: Desk | None = None, shared: dict | None = None
) -> Section:
    rows = _time_rows(scope, period, desk, "actor", shared)
    rows.sort(key=lambda r: -r["decisions"])
    rows = rows[:MAX_REVIEWERS]
    people = {u.pk: u.name for u in User.objects.filter(pk__in=[r["key"] for r in rows])}
    for r in rows:
        r["reviewer"] = people.get(r.pop("key"), "")
    return Section(
        key="times-reviewer",
        title=_("Time to decision per reviewer"),
        description=_(
            "The same figures per reviewer, the busiest %(count)s first, on the desks shown."
        )
        % {"count": MAX_REVIEWERS},
        columns=[Column("reviewer", _("Reviewer"), "text"), *TIME_COLUMNS],
        rows=rows,
        label="reviewer",
        values=["p50", "p90"],
    )


def decisions_by_reason(*, scope: Scope, period: Period, desk: Desk | None = None) -> Section:
    cut = rollups.split(period.start, period.end)
    counts = list(
        AuditEntry.objects.filter(
            _desk_filter(scope, desk, "post__desk_id"),
            cut.live_q(),
            action__in=REASONED_DECISIONS,
        )
        # An uphold's entry names no reason: the rejection's stands on the post.
        .annotate(reason=Coalesce("reason_code_id", "post__reason_code_id"))
        .filter(reason__isnull=False)
        .values("reason", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    if cut.days:
        counts += (
            DecisionCountRollup.objects.filter(
                _desk_filter(scope, desk, "desk_id"),
                day__in=cut.days,
                action__in=REASONED_DECISIONS,
                reason_code__isnull=False,
            )
            .values("action", reason=F("reason_code_id"))
            .annotate(n=Sum("decisions"))
            .order_by()
        )
    table: dict[int, dict] = {}
    for r in counts:
        row = table.setdefault(r["reason"], {"rejected": 0, "upheld": 0, "revoked": 0, "total": 0})
        column = {"post.reject": "rejected", "post.uphold": "upheld", "post.revoke": "revoked"}
        row[column[r["action"]]] += r["n"]
        row["total"] += r["n"]
    labels = {c.pk: c.local_label for c in ReasonCode.objects.filter(pk__in=table)}
    rows = [{"reason": labels.get(pk, ""), **row} for pk, row in table.items()]
    rows.sort(key=lambda r: (-r["total"], r["reason"]))
    return Section(
        key="reasons",
        title=_("Decisions by reason code"),
        description=_("Rejections, rejections upheld on appeal and takedowns, per reason."),
        columns=[
            Column("reason", _("Reason code"), "text"),
            Column("rejected", _("Rejected")),
            Column("upheld", _("Upheld on appeal")),
            Column("revoked", _("Revoked")),
            Column("total", _("Total")),
        ],
        rows=rows,
        label="reason",
        values=["rejected", "upheld", "revoked"],
    )


def screening_flags(*, scope: Scope, period: Period, desk: Desk | None = None) -> Section:
    """Posts filed as "other" that screening scored, and those it pulled into review."""
    rows = (
        Post.objects.filter(
            _desk_filter(scope, desk, "desk_id"),
            category=Category.OTHER,
            screening_score__isnull=False,
            submitted_at__gte=period.start,
            submitted_at__lt=period.end,
        )
        .values("desk_id")
        .annotate(
            screened=Count("id"),
            flagged=Count("id", filter=Q(screening_score__gte=settings.SCREENING_THRESHOLD)),
        )
        .order_by()
    )
    rows = list(rows)
    names = _desk_names(r["desk_id"] for r in rows)
    out = [
        {
            "desk": names.get(r["desk_id"], ""),
            "screened": r["screened"],
            "flagged": r["flagged"],
            "share": r["flagged"] / r["screened"] if r["screened"] else None,
        }
        for r in rows
    ]
    out.sort(key=lambda r: r["desk"])
    return Section(
        key="screening",
        title=_("Screening flags"),
        description=_(
            "Posts filed as “other” and submitted in the period: how many screening read, and "
            "how many it pulled into review because they read like news."
        ),
        columns=[
            Column("desk", _("Desk"), "text"),
            Column("screened", _("Screened")),
            Column("flagged", _("Pulled into review")),
            Column("share", _("Share pulled in"), "%"),
        ],
        rows=out,
        label="desk",
        values=["screened", "flagged"],
    )


def appeal_outcomes(*, scope: Scope, period: Period, desk: Desk | None = None) -> Section:
    cut = rollups.split(period.start, period.end)
    parts = list(
        AuditEntry.objects.filter(
            _desk_filter(scope, desk, "post__desk_id"), cut.live_q(), action__in=APPEAL_DECISIONS
        )
        .values(desk_id=F("post__desk_id"))
        .annotate(
            overturned=Count("id", filter=Q(action="post.overturn")),
            upheld=Count("id", filter=Q(action="post.uphold")),
        )
        .order_by()
    )
    if cut.days:
        parts += (
            DecisionCountRollup.objects.filter(
                _desk_filter(scope, desk, "desk_id"),
                day__in=cut.days,
                action__in=APPEAL_DECISIONS,
            )
            .values("desk_id")
            .annotate(
                overturned=Coalesce(Sum("decisions", filter=Q(action="post.overturn")), 0),
                upheld=Coalesce(Sum("decisions", filter=Q(action="post.uphold")), 0),
            )
            .order_by()
        )
    rows: dict[int, dict] = {}
    for r in parts:
        row = rows.setdefault(r["desk_id"], {"overturned": 0, "upheld": 0})
        row["overturned"] += r["overturned"]
        row["upheld"] += r["upheld"]
    names = _desk_names(rows)
    out = []
    for desk_id, r in rows.items():
        decided = r["overturned"] + r["upheld"]
        out.append(
            {
                "desk": names.get(desk_id, ""),
                "decided": decided,
                "overturned": r["overturned"],
                "upheld": r["upheld"],
                "rate": r["overturned"] / decided if decided else None,
            }
        )
    out.sort(key=lambda r: r["desk"])
    return Section(
        key="appeals",
        title=_("Appeal overturn rate"),
        description=_("Appeals decided in the period, and the share of decisions overturned."),
        columns=[
            Column("desk", _("Desk"), "text"),
            Column("decided", _("Appeals decided")),
            Column("overturned", _("Overturned")),
            Column("upheld", _("Upheld")),
            Column("rate", _("Overturn rate"), "%"),
        ],
        rows=out,
        label="desk",
        values=["overturned", "upheld"],
    )


def webhook_health(*, period: Period) -> Section:
    """Deliveries created in the period, per platform and status (platform-wide: only for
    those who oversee every desk)."""
    counts = (
        Delivery.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("endpoint__platform__name", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, dict] = {}
    for r in counts:
        row = table.setdefault(
            r["endpoint__platform__name"],
            {DeliveryStatus.DELIVERED: 0, DeliveryStatus.FAILED: 0, DeliveryStatus.PENDING: 0},
        )
        row[r["status"]] = r["n"]
    endpoints = Endpoint.objects.values("platform__name").annotate(
        endpoints=Count("id"), disabled=Count("id", filter=Q(active=False))
    )
    for r in endpoints:
        table.setdefault(
            r["platform__name"],
            {DeliveryStatus.DELIVERED: 0, DeliveryStatus.FAILED: 0, DeliveryStatus.PENDING: 0},
        ).update(endpoints=r["endpoints"], disabled=r["disabled"])
    rows = [
        {
            "platform": name,
            "delivered": row[DeliveryStatus.DELIVERED],
            "failed": row[DeliveryStatus.FAILED],
            "pending": row[DeliveryStatus.PENDING],
            "endpoints": row.get("endpoints", 0),
            "disabled": row.get("disabled", 0),
        }
        for name, row in sorted(table.items())
    ]
    return Section(
        key="webhooks",
        title=_("Webhook delivery health"),
        description=_(
            "Deliveries created in the period by what became of them, and endpoints disabled "
            "now, per platform."
        ),
        columns=[
            Column("platform", _("Platform"), "text"),
            Column("delivered", pgettext_lazy("deliveries", "Delivered")),
            Column("failed", pgettext_lazy("deliveries", "Failed")),
            Column("pending", pgettext_lazy("deliveries", "Pending")),
            Column("endpoints", _("Endpoints")),
            Column("disabled", _("Disabled endpoints")),
        ],
        rows=rows,
        label="platform",
        values=["delivered", "failed", "pending"],
    )


def disabled_endpoints() -> Section:
    rows = [
        {
            "platform": e.platform.name,
            "url": e.url,
            "since": e.disabled_at,
            "reason": e.disabled_reason,
        }
        for e in Endpoint.objects.filter(active=False)
        .select_related("platform")
        .order_by("-disabled_at", "id")[:MAX_DISABLED_ENDPOINTS]
    ]
    return Section(
        key="endpoints",
        title=_("Disabled endpoints"),
        description=_("Endpoints that receive nothing until an operator enables them again."),
        columns=[
            Column("platform", _("Platform"), "text"),
            Column("url", _("URL"), "text"),
            Column("since", _("Disabled at"), "time"),
            Column("reason", _("Reason"), "text"),
        ],
        rows=rows,
        chart="",
    )


def sections(*, scope: Scope, period: Period, desk: Desk | None = None) -> dict[str, Callable]:
    """The dashboard's sections, in page order, as functions (a CSV asks for one alone)."""
    shared: dict = {}  # the time-to-decision tables' rows, read once for both
    found: dict[str, Callable[[], Section]] = {
        "queue": lambda: queue_depth(scope=scope, period=period, desk=desk),
        "overdue": lambda: overdue_now(scope=scope, desk=desk),
        "times-desk": lambda: decision_times_by_desk(
            scope=scope, period=period, desk=desk, shared=shared
        ),
        "times-reviewer": lambda: decision_times_by_reviewer(
            scope=scope, period=period, desk=desk, shared=shared
        ),
        "reasons": lambda: decisions_by_reason(scope=scope, period=period, desk=desk),
        "screening": lambda: screening_flags(scope=scope, period=period, desk=desk),
        "appeals": lambda: appeal_outcomes(scope=scope, period=period, desk=desk),
    }
    if scope.every_desk:
        found["webhooks"] = lambda: webhook_health(period=period)
        found["endpoints"] = disabled_endpoints
    return found


# --- the queue-depth sample (beat) -------------------------------------------------------------


def queue_depth_now(*, desks: Iterable[Desk] | None = None) -> dict[int, tuple[int, int]]:
    """Waiting and overdue posts per desk id, counted now, in one GROUP BY query."""
    desks = list(Desk.objects.all() if desks is None else desks)
    if not desks:
        return {}
    # The deadline each post was given when it entered the queue (Post.due_at), as the
    # escalation sweep reads it.
    overdue = Q(due_at__lt=timezone.now())
    counts = {
        r["desk_id"]: (r["waiting"], r["overdue"])
        for r in Post.objects.filter(state__in=QUEUE_STATES, desk__in=desks)
        .values("desk_id")
        .annotate(waiting=Count("id"), overdue=Count("id", filter=overdue))
        .order_by()
    }
    return {d.pk: counts.get(d.pk, (0, 0)) for d in desks}


def sample_bucket(at: datetime, seconds: int | None = None) -> datetime:
    """The start of the QUEUE_SAMPLE_SECONDS bucket `at` falls in."""
    seconds = seconds or settings.QUEUE_SAMPLE_SECONDS
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def queue_depth_sample(*, at: datetime | None = None) -> int:
    """Record every desk's queue depth for the current bucket. Idempotent: a second run in the
    same bucket adds nothing (queue_sample_once_per_bucket). Returns the desks sampled."""
    bucket = sample_bucket(at or timezone.now())
    counts = queue_depth_now()
    QueueDepthSample.objects.bulk_create(
        [
            QueueDepthSample(desk_id=desk_id, at=bucket, waiting=waiting, overdue=overdue)
            for desk_id, (waiting, overdue) in counts.items()
        ],
        ignore_conflicts=True,
    )
    return len(counts)
