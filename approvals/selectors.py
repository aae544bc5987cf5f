"""Reads: what a user may see, filtered in SQL."""

from django.db.models import Q, QuerySet
from django_fsm import Transition

from accounts.models import User
from accounts.roles import holds
from approvals.models import QUEUE_STATES, AuditEntry, Desk, Post, State
from approvals.permissions import served_desk_ids


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
) -> QuerySet[Post]:
    """Posts waiting on the user's desks, oldest submission first.

    Senior reviewers also see appeals from every desk (they decide those across desks).
    Nobody sees their own posts here: they may not decide them.
    """
    # A literal id list (one small query) lets PostgreSQL walk the queue index in order.
    desk_ids = sorted(served_desk_ids(user)) if holds(user, "approvals.review_post") else []
    waiting = Q(desk__in=desk_ids, state__in=QUEUE_STATES)
    if holds(user, "approvals.decide_appeal"):
        waiting |= Q(state=State.APPEALED)
    posts = Post.objects.filter(waiting).exclude(author=user)
    if desk is not None:
        posts = posts.filter(desk=desk)
    if category:
        posts = posts.filter(category=category)
    if state:
        posts = posts.filter(state=state)
    return posts.select_related("author__identity", "desk", "claimed_by").order_by(
        "submitted_at", "id"
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
