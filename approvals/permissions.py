"""Who may fire which transition: the `permission=` callables of the Post state graph.

Each takes (post, user) and answers from data already on the post or cached on the user,
so drawing the buttons for a page costs no query per button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from approvals.models import Post


def _is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_author(post: Post, user) -> bool:
    return _is_signed_in(user) and post.author_id == user.pk


def serves_desk(post: Post, user) -> bool:
    """A reviewer holding `review_desk` on the post's desk (django-guardian object permission)."""
    return (
        _is_signed_in(user)
        and user.has_perm("approvals.review_post")
        and post.desk_id is not None
        and user.has_perm("approvals.review_desk", post.desk)
    )


def may_withdraw(post: Post, user) -> bool:
    """The author; or a senior reviewer, once the author's account is suspended (the
    suspension withdraws what waits for review)."""
    if is_author(post, user):
        return True
    if not (_is_signed_in(user) and user.has_perm("accounts.apply_sanction")):
        return False
    from accounts.selectors import account_standing

    return account_standing(user=post.author).kind == "suspended"


def is_claimer(post: Post, user) -> bool:
    return _is_signed_in(user) and post.claimed_by_id == user.pk


def may_release(post: Post, user) -> bool:
    return is_claimer(post, user) or (
        _is_signed_in(user) and user.has_perm("approvals.release_any_claim")
    )


def may_decide_appeal(post: Post, user) -> bool:
    """A senior reviewer who did not take the decision under appeal."""
    return (
        _is_signed_in(user)
        and user.has_perm("approvals.decide_appeal")
        and post.decided_by_id != user.pk
    )


def may_revoke(post: Post, user) -> bool:
    return _is_signed_in(user) and user.has_perm("approvals.revoke_post")


def may_view(post: Post, user) -> bool:
    """Whoever may act on a post in some state may read it."""
    return (
        is_author(post, user)
        or serves_desk(post, user)
        or is_claimer(post, user)
        or (
            _is_signed_in(user)
            and (user.has_perm("approvals.decide_appeal") or user.has_perm("approvals.view_post"))
        )
    )
