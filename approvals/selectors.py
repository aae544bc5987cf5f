"""Reads: what a user may see, filtered in SQL."""

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_fsm import Transition

from accounts.models import User
from accounts.roles import holds
from approvals.models import (
    QUEUE_STATES,
    AuditEntry,
    Desk,
    DeskGroupObjectPermission,
    DeskUserObjectPermission,
    Post,
    State,
)
from approvals.permissions import served_desk_ids
from approvals.priority import in_priority_order


def desks_for_reviewer(*, user: User) -> QuerySet[Desk]:
    """Desks on which the user holds `review_desk` (directly or through a group)."""
    if not holds(user, "approvals.review_post"):
        return Desk.objects.none()
    return Desk.objects.filter(pk__in=served_desk_ids(user))


def review_queue(
    *,
    user: User,
    desk: Desk | None = None,
    category: str = "",
    state: str = "",
    mine: bool = False,
) -> QuerySet[Post]:
    """Posts waiting on the user's desks, in priority order (approvals.priority: escalated
    first, then the nearest deadline brought forward by screening, then age); with `mine`,
    only the ones the user has claimed.

    Appeals have their own queue (`appeal_queue`). Nobody sees their own posts here: they may
    not decide them.
    """
    # A literal id list (one small query) lets PostgreSQL walk the queue index in order.
    desk_ids = sorted(served_desk_ids(user)) if holds(user, "approvals.review_post") else []
    # One condition on the state, never two (`IN (…) AND = …` makes PostgreSQL misjudge how
    # many rows match, and sort instead of walking the index).
    if mine:
        state = State.UNDER_REVIEW if state in ("", State.UNDER_REVIEW) else "none"
    if state and state not in QUEUE_STATES:
        return Post.objects.none()
    states = [state] if state else list(QUEUE_STATES)
    posts = Post.objects.filter(desk__in=desk_ids, state__in=states).exclude(author=user)
    if mine:
        posts = posts.filter(claimed_by=user)
    if desk is not None:
        posts = posts.filter(desk=desk)
    if category:
        posts = posts.filter(category=category)
    return in_priority_order(
        posts.select_related(
            "author__identity", "desk", "claimed_by", "current_revision", "reserved_for"
        )
    )


def claimable_queue(*, user: User) -> QuerySet[Post]:
    """What "claim next" may take for `user`, in queue order: waiting for a claim, and not
    a resubmission returned to another reviewer (while that holds)."""
    return review_queue(user=user, state=State.SUBMITTED).filter(
        Q(reserved_for__isnull=True) | Q(reserved_for=user) | Q(reserved_until__lte=timezone.now())
    )


def returned_to(*, user: User) -> QuerySet[Post]:
    """Resubmissions waiting for `user`, who asked for the changes, in queue order."""
    return review_queue(user=user, state=State.SUBMITTED).filter(
        reserved_for=user, reserved_until__gt=timezone.now()
    )


def senior_reviewers_for(*, desk: Desk, excluding: tuple[int, ...] = ()) -> QuerySet[User]:
    """Active senior reviewers (who decide appeals) serving `desk`, other than the users
    `excluding`; if none serves it, every other active senior reviewer, so an escalation
    always reaches someone."""
    seniors = (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename="decide_appeal")
            | Q(user_permissions__codename="decide_appeal")
        )
        .exclude(pk__in=excluding)
    )
    direct = DeskUserObjectPermission.objects.filter(
        content_object=desk, permission__codename="review_desk"
    ).values("user_id")
    through_groups = DeskGroupObjectPermission.objects.filter(
        content_object=desk, permission__codename="review_desk"
    ).values("group__user")
    on_desk = seniors.filter(Q(pk__in=direct) | Q(pk__in=through_groups))
    chosen = on_desk if on_desk.exists() else seniors
    return User.objects.filter(pk__in=chosen.values("pk")).order_by("pk")


def waiting_counts(*, desks: QuerySet[Desk], cap: int = 1000) -> list[tuple[Desk, int, int]]:
    """For each of `desks`: posts waiting for a claim and posts under review, each counted up
    to `cap` (the queue shows "1000+" beyond), in one query however many desks: a count never
    reads the whole queue of a busy desk (post_desk_waiting_idx serves it)."""
    capped = (
        f"SELECT count(*) FROM (SELECT 1 FROM {Post._meta.db_table} p"
        f" WHERE p.desk_id = {Desk._meta.db_table}.id AND p.state = %s LIMIT %s) s"
    )
    annotated = desks.annotate(
        waiting=RawSQL(capped, (State.SUBMITTED, cap)),
        in_review=RawSQL(capped, (State.UNDER_REVIEW, cap)),
    )
    return [(desk, desk.waiting, desk.in_review) for desk in annotated]


def appeal_queue(*, user: User) -> QuerySet[Post]:
    """Appealed rejections and takedowns, from every desk, for senior reviewers; oldest
    appeal first. Never their own posts, nor their own decisions."""
    if not holds(user, "approvals.decide_appeal"):
        return Post.objects.none()
    return (
        Post.objects.filter(state=State.APPEALED)
        .exclude(author=user)
        .exclude(decided_by=user)  # nobody reviews their own decision
        .exclude(appealed_from=State.REVOKED, revoked_by=user)  # nor their own takedown
        .select_related("author__identity", "desk", "decided_by", "reason_code")
        .order_by("appealed_at", "id")
    )


def posts_of_author(*, author: User, state: str = "") -> QuerySet[Post]:
    posts = Post.objects.filter(author=author)
    if state:
        posts = posts.filter(state=state)
    return posts.select_related("desk", "reason_code").order_by("-updated_at", "-id")


def post_history(*, post: Post) -> QuerySet[AuditEntry]:
    return post.audit_entries.select_related("actor", "reason_code", "revision")


def available_actions(*, post: Post, user: User) -> set[str]:
    """Names of the transitions the user may fire now: the buttons to draw."""
    transitions: list[Transition] = list(post.get_available_user_state_transitions(user))
    return {t.name for t in transitions}
