"""The blind second review: reads. (Writes: approvals.second_review.)

What a second reviewer may list never includes the first decision: `second_reviews_open`
reads only the columns the blind page shows. Agreement rates are for senior reviewers and
operators (the quality page, the oversight dashboard).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.roles import holds
from approvals.models import (
    OPEN_SECOND_REVIEW_STATES,
    Post,
    SecondReview,
    SecondReviewState,
    State,
)
from approvals.permissions import may_second_review, served_desk_ids

# What the blind pages read: the post as decided, its desk, and the claim. Never first_*.
BLIND_FIELDS = (
    "id",
    "state",
    "created_at",
    "claimed_at",
    "desk_id",
    "desk__name",
    "desk__name_zh_hans",
    "author_id",
    "first_reviewer_id",
    "reviewer_id",
    "reviewer__display_name",
    "reviewer__username",
    "post_id",
    "post__category",
    "revision_id",
    "revision__number",
    "revision__title",
    "revision__body",
)

# The states a sampled decision leaves a post in.
DECIDED_AS_SAMPLED = (State.APPROVED, State.REJECTED, State.CHANGES_REQUESTED)

DONE_STATES = (SecondReviewState.AGREED, SecondReviewState.DISAGREED, SecondReviewState.RESOLVED)


def second_reviews_open(*, user: User) -> QuerySet[SecondReview]:
    """Second reviews the user may take or has taken: waiting on a desk they serve, about a
    post they neither wrote nor decided; and their own claims. Oldest first."""
    desks = served_desk_ids(user)
    return (
        SecondReview.objects.filter(desk_id__in=desks, state__in=OPEN_SECOND_REVIEW_STATES)
        .filter(Q(state=SecondReviewState.WAITING) | Q(reviewer=user))
        .exclude(author=user)
        .exclude(first_reviewer=user)
        .select_related("desk", "reviewer", "revision", "post")
        .only(*BLIND_FIELDS)
        .order_by("created_at", "id")
    )


def second_review_blind(*, pk: int) -> SecondReview:
    """One second review, as its blind page reads it (no first decision)."""
    return (
        SecondReview.objects.select_related("desk", "reviewer", "revision", "post")
        .only(*BLIND_FIELDS)
        .get(pk=pk)
    )


def second_review_full(*, pk: int) -> SecondReview:
    """One second review with both decisions, for the senior who resolves it."""
    return SecondReview.objects.select_related(
        "post",
        "revision",
        "desk",
        "author",
        "first_reviewer",
        "first_reason_code",
        "reviewer",
        "reason_code",
        "resolved_by",
    ).get(pk=pk)


def disagreements(*, user: User) -> QuerySet[SecondReview]:
    """Disagreements waiting for a senior reviewer, oldest first, without those the user may
    not resolve (their own post, or a decision of theirs)."""
    return (
        SecondReview.objects.filter(state=SecondReviewState.DISAGREED)
        .exclude(author=user)
        .exclude(first_reviewer=user)
        .exclude(reviewer=user)
        .select_related("revision", "desk", "first_reviewer", "reviewer")
        .order_by("created_at", "id")
    )


def blind_second_review_for(*, post: Post, user: User) -> SecondReview | None:
    """An open second review of `post` the user could take or has taken: while it is open and
    the post still stands as decided, the post's own page (its decision, reviewer, note,
    history) is not for them.

    Not for senior reviewers: they need the post page to take a post down or decide its appeal.
    Nor once the post has moved on (resubmitted, appealed, revoked): its page is where the next
    step is taken."""
    if post.author_id == user.pk or post.desk_id not in served_desk_ids(user):
        return None
    if post.state not in DECIDED_AS_SAMPLED or holds(user, "approvals.revoke_post"):
        return None
    reviews = SecondReview.objects.filter(
        post=post, revision_id=post.current_revision_id, state__in=OPEN_SECOND_REVIEW_STATES
    ).only("id", "desk_id", "author_id", "first_reviewer_id", "reviewer_id", "state")
    for review in reviews:
        if may_second_review(review, user) and review.reviewer_id in (None, user.pk):
            return review
    return None
    for review in SecondReview.objects.filter(post=post, state__in=OPEN_SECOND_REVIEW_STATES).only(
        "id", "desk_id", "author_id", "first_reviewer_id", "reviewer_id", "state"
    ):
        if may_second_review(review, user) and review.reviewer_id in (None, user.pk):
            return review
    return None


# --- agreement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """How often second reviewers agreed with a group of first decisions."""

    label: str
    reviewed: int
    agreed: int

    @property
    def disagreed(self) -> int:
        return self.reviewed - self.agreed

    @property
    def rate(self) -> float | None:
        """Agreed / reviewed, 0 to 1; None when nothing was reviewed."""
        return self.agreed / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class AgreementRates:
    overall: Agreement
    by_reviewer: list[Agreement]
    by_reason: list[Agreement]
    waiting: int
    to_resolve: int


def agreement_rates(*, since: datetime | None = None) -> AgreementRates:
    """Agreement of second reviews with the first decision: overall, per first reviewer and
    per reason (the reason code of a rejection; "approve" and "request changes" as such).
    A resolved disagreement stays a disagreement. Three grouped queries, whatever the size."""
    done = SecondReview.objects.filter(state__in=DONE_STATES)
    if since is not None:
        done = done.filter(decided_at__gte=since)
    agreed = Count("id", filter=Q(state=SecondReviewState.AGREED))

    by_reviewer = [
        Agreement(
            label=row["first_reviewer__display_name"] or row["first_reviewer__username"],
            reviewed=row["reviewed"],
            agreed=row["agreed"],
        )
        for row in done.values(
            "first_reviewer_id", "first_reviewer__display_name", "first_reviewer__username"
        )
        .annotate(reviewed=Count("id"), agreed=agreed)
        .order_by("first_reviewer__display_name", "first_reviewer_id")
    ]
    labels = dict(State.choices)  # "Approved", "Changes requested"
    by_reason = []
    rows = (
        done.values(
            "first_decision",
            "first_reason_code__code",
            "first_reason_code__label",
            "first_reason_code__label_zh_hans",
        )
        .annotate(reviewed=Count("id"), agreed=agreed)
        .order_by("first_decision", "first_reason_code__code")
    )
    for row in rows:
        if row["first_reason_code__code"]:
            label = _local_reason_label(row)
        else:
            label = str(labels[row["first_decision"]])
        by_reason.append(Agreement(label=label, reviewed=row["reviewed"], agreed=row["agreed"]))
    counts = SecondReview.objects.aggregate(
        waiting=Count("id", filter=Q(state__in=OPEN_SECOND_REVIEW_STATES)),
        to_resolve=Count("id", filter=Q(state=SecondReviewState.DISAGREED)),
    )
    overall = Agreement(
        label="",
        reviewed=sum(a.reviewed for a in by_reviewer),
        agreed=sum(a.agreed for a in by_reviewer),
    )
    return AgreementRates(
        overall=overall,
        by_reviewer=by_reviewer,
        by_reason=by_reason,
        waiting=counts["waiting"],
        to_resolve=counts["to_resolve"],
    )


def _local_reason_label(row: dict) -> str:
    from django.utils.translation import get_language

    if (get_language() or "").lower().startswith("zh") and row["first_reason_code__label_zh_hans"]:
        return row["first_reason_code__label_zh_hans"]
    return row["first_reason_code__label"]
