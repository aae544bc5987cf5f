"""Reads: what a user may see, filtered in SQL."""

from django.db.models import Q, QuerySet
from django_fsm import Transition
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from approvals.models import QUEUE_STATES, AuditEntry, Desk, Post, State


def desks_for_reviewer(*, user: User) -> QuerySet[Desk]:
    """Desks on which the user holds `review_desk` (directly or through a group)."""
    if not user.has_perm("approvals.review_post"):
        return Desk.objects.none()
    return get_objects_for_user(
        user, "approvals.review_desk", klass=Desk, accept_global_perms=False
    )


def review_queue(
    *,
    user: User,
    desk: Desk | None = None,
    category: str = "",
    state: str = "",
) -> QuerySet[Post]:
    """Posts waiting on the user's desks, oldest submission first.

    Senior reviewers also see appeals from every desk (they decide those across desks).
    """
    # A literal id list (one small query) lets PostgreSQL walk the queue index in order.
    desk_ids = list(desks_for_reviewer(user=user).values_list("pk", flat=True))
    waiting = Q(desk__in=desk_ids, state__in=QUEUE_STATES)
    if user.has_perm("approvals.decide_appeal"):
        waiting |= Q(state=State.APPEALED)
    posts = Post.objects.filter(waiting)
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
