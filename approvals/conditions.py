"""What a transition needs: the `conditions=` of the Post state graph.

Conditions are pure functions of the post. Each carries the sentence shown to whoever tried
the transition when it is not met (see `unmet_conditions`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.eligibility import submission_blockers

if TYPE_CHECKING:
    from approvals.models import Post

Condition = Callable[["Post"], bool]


def explained(message) -> Callable[[Condition], Condition]:
    """`message`: a lazily translated sentence, read in the language active when it is shown."""

    def mark(condition: Condition) -> Condition:
        condition.message = message  # type: ignore[attr-defined]
        return condition

    return mark


@explained(_("The post needs a title and a body."))
def has_content(post: Post) -> bool:
    return bool(post.title.strip() and post.body.strip())


# States of an original that leave nothing to copy: the decision against it stands (or is
# being appealed), or it was taken down.
_TAKEN_DOWN = ("rejected", "appealed", "revoked")


@explained(_("The post this reposts was rejected or taken down; it cannot be reposted."))
def repost_of_allowed(post: Post) -> bool:
    """A repost copies a post that was submitted and has not been rejected or revoked."""
    original = post.repost_of
    return original is None or (
        original.submitted_at is not None and original.state not in _TAKEN_DOWN
    )


@explained(_("The post this reposts has been rejected or taken down since; it cannot go out."))
def original_not_taken_down(post: Post) -> bool:
    original = post.repost_of
    return original is None or original.state not in _TAKEN_DOWN


def _author_blockers(post: Post) -> list[str]:
    """Asked twice per submission (the service's check, then django-fsm's own), answered
    once: the facts cannot change inside the transaction that holds the account's lock."""
    cached = getattr(post, "_author_blockers", None)
    if cached is None:
        cached = submission_blockers(post.author, needs_review=post.needs_review_as_filed())
        post._author_blockers = cached
    return cached


@explained(_("Your account may not submit this post right now."))
def author_may_submit(post: Post) -> bool:
    """Verified identity, the current pledge and a standing that allows it (accounts)."""
    return not _author_blockers(post)


author_may_submit.explain = _author_blockers  # type: ignore[attr-defined]


@explained(_("Nothing has changed since the last submission; edit the post first."))
def has_unsubmitted_changes(post: Post) -> bool:
    last = post.current_revision
    return last is None or last.content_hash != post.content_hash()


@explained(_("Another reviewer has already claimed this post."))
def is_unclaimed(post: Post) -> bool:
    return post.claimed_by_id is None


@explained(_("A decision can be appealed only once."))
def not_appealed_before(post: Post) -> bool:
    return post.appealed_at is None


@explained(_("The appeal window for this decision has closed."))
def within_appeal_window(post: Post) -> bool:
    """APPEAL_WINDOW from the decision being contested: the rejection, or the takedown."""
    closes = post.appeal_window_closes
    return closes is not None and timezone.now() <= closes


def unmet_conditions(post: Post, transition_name: str) -> list[str]:
    """Why the post does not meet the conditions of `transition_name` now: each unmet
    condition's `explain(post)` if it has one, else its fixed message."""
    method = getattr(post, transition_name)
    transition = method._django_fsm.get_transition(post.state)
    if transition is None:
        return []
    reasons: list[str] = []
    for condition in transition.conditions:
        if not condition(post):
            explain = getattr(condition, "explain", None)
            found = explain(post) if explain else [condition.message]
            reasons.extend(str(reason) for reason in found)
    return reasons
