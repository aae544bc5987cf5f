"""Who may fire which transition: the `permission=` callables of the Post state graph.

Each takes (post, user) and answers from data already on the post or cached on the user,
so drawing the buttons for a page costs no query per button.

Separation of duties lives here, for every path (pages, API, admin, commands): nobody claims,
decides or decides the appeal of a post they wrote, and deciding needs a reviewer's role and
desk; superuser status counts for nothing (accounts.roles.holds). The database backs the first
rule with check constraints (a post's claimer and decider are never its author).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.roles import holds

if TYPE_CHECKING:
    from approvals.models import Post


def _is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_other_than_author(post: Post, user) -> bool:
    return _is_signed_in(user) and post.author_id != user.pk


def served_desk_ids(user) -> frozenset[int]:
    """Desks on which the user holds `review_desk` (directly or through a group), read from
    guardian's direct foreign-key tables; superuser status adds none. Cached on the user."""
    if not _is_signed_in(user) or not hasattr(user, "_meta"):
        return frozenset()
    cached = getattr(user, "_served_desk_ids", None)
    if cached is None:
        from approvals.models import DeskGroupObjectPermission, DeskUserObjectPermission

        direct = DeskUserObjectPermission.objects.filter(
            user=user, permission__codename="review_desk"
        ).values_list("content_object_id", flat=True)
        through_groups = DeskGroupObjectPermission.objects.filter(
            group__user=user, permission__codename="review_desk"
        ).values_list("content_object_id", flat=True)
        cached = frozenset(direct.union(through_groups))
        user._served_desk_ids = cached
    return cached


def is_author(post: Post, user) -> bool:
    return _is_signed_in(user) and post.author_id == user.pk


def serves_desk(post: Post, user) -> bool:
    """A reviewer serving the post's desk who did not write it."""
    return (
        _is_other_than_author(post, user)
        and holds(user, "approvals.review_post")
        and post.desk_id in served_desk_ids(user)
    )


def returned_to_someone_else(post: Post, user) -> bool:
    """A resubmission waiting for the reviewer who asked for the changes (while that
    reservation holds), and `user` is not them."""
    return (
        post.reserved_for_id is not None
        and post.reserved_for_id != getattr(user, "pk", None)
        and post.reserved_until is not None
        and post.reserved_until > timezone.now()
    )


def may_claim(post: Post, user) -> bool:
    """A reviewer serving the post's desk who did not write it; a returned resubmission only
    by the reviewer it was returned to, until the reservation lapses."""
    return serves_desk(post, user) and not returned_to_someone_else(post, user)


def may_escalate(post: Post, user) -> bool:
    """Whoever may review the post's desk (never its author) may send it to the senior
    reviewers."""
    return serves_desk(post, user)


def may_withdraw(post: Post, user) -> bool:
    """The author; or a senior reviewer, once the author's account is suspended (the
    suspension withdraws what waits for review)."""
    if is_author(post, user):
        return True
    if not holds(user, "accounts.apply_sanction"):
        return False
    from accounts.selectors import account_standing

    return account_standing(user=post.author).kind == "suspended"


def is_claimer(post: Post, user) -> bool:
    """The reviewer holding the claim, while they still have the role and serve the desk;
    never the author (the database agrees)."""
    return post.claimed_by_id == getattr(user, "pk", None) and serves_desk(post, user)


def may_release(post: Post, user) -> bool:
    """The claimer; or a senior reviewer, unless the post is theirs (releasing a claim on
    your own post would let you choose who reviews it)."""
    return is_claimer(post, user) or (
        _is_other_than_author(post, user) and holds(user, "approvals.release_any_claim")
    )


def may_decide_appeal(post: Post, user) -> bool:
    """A senior reviewer who neither wrote the post nor took the decision under appeal (for
    an appealed takedown: neither the senior who took it down nor the reviewer who approved
    it)."""
    if post.appealed_from == "revoked" and post.revoked_by_id == user.pk:
        return False
    return (
        _is_other_than_author(post, user)
        and holds(user, "approvals.decide_appeal")
        and post.decided_by_id != user.pk
    )


def may_revoke(post: Post, user) -> bool:
    """A senior reviewer who did not write the post. A copy of a post that has just been
    revoked comes down with it whoever wrote the copy (see services.post_revoke)."""
    if not holds(user, "approvals.revoke_post"):
        return False
    return post.author_id != user.pk or _copies_a_revoked_post(post)


def _copies_a_revoked_post(post: Post) -> bool:
    from approvals.models import State

    return post.repost_of_id is not None and post.repost_of.state == State.REVOKED


def may_view(post: Post, user) -> bool:
    """The author always; anyone else only once the post has been submitted (drafts are
    private), and then whoever may act on it in some state, or read posts as an operator."""
    if is_author(post, user):
        return True
    if not _is_signed_in(user) or post.submitted_at is None:
        return False
    return (
        serves_desk(post, user)
        or post.claimed_by_id == user.pk
        or holds(user, "approvals.decide_appeal")
        or holds(user, "approvals.view_post")
    )


# --- the blind second review (approvals.second_review) ------------------------------------


def may_second_review(review, user) -> bool:
    """A reviewer serving the desk who neither wrote the post nor took the first decision
    (the database agrees: check constraints on approvals.SecondReview)."""
    return (
        _is_signed_in(user)
        and user.pk not in (review.author_id, review.first_reviewer_id)
        and holds(user, "approvals.review_post")
        and review.desk_id in served_desk_ids(user)
    )


def is_second_reviewer(review, user) -> bool:
    """The reviewer holding the second review's claim, while they still may hold it."""
    return review.reviewer_id == getattr(user, "pk", None) and may_second_review(review, user)


def may_resolve_second_review(review, user) -> bool:
    """A senior reviewer who is neither the author nor one of the two reviewers."""
    return (
        _is_signed_in(user)
        and user.pk not in (review.author_id, review.first_reviewer_id, review.reviewer_id)
        and holds(user, "approvals.decide_appeal")
    )


def may_see_quality(user) -> bool:
    """Agreement rates and resolved second reviews: senior reviewers and operators."""
    return holds(user, "approvals.decide_appeal") or holds(user, "approvals.view_post")
