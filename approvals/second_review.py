"""The blind second review: writes. (Reads: approvals.quality.)

A share of decisions (SECOND_REVIEW_SHARE) is sampled in the transaction that takes the
decision (`second_review_sample`, called by services.post_approve / post_reject /
post_request_changes). Another reviewer of the desk claims it, reads the post as it was decided
without seeing that decision, and decides for themselves; the same decision (for a rejection,
with the same reason) is an agreement. A disagreement waits for a senior reviewer, who sees
both and resolves it; siding with the second reviewer against an approval, they may take the
post down through services.post_revoke. Nothing here changes a post by itself or holds back
its publication.

Each function runs in one transaction: lock the row, check (the `permission=` of the
transition on approvals.models.SecondReview), fire, save, audit. The audit entries name the
post in their data, not as their post: the post's history (which its author and the desk's
reviewers read) does not show that it was sampled.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from accounts.models import User
from accounts.validation import required_text
from approvals.audit import audit_record
from approvals.exceptions import Conflict
from approvals.models import (
    Post,
    ReasonCode,
    Resolution,
    ReviewDecision,
    SecondReview,
    SecondReviewState,
    State,
)

# The decisions that may be sampled, by the state they leave the post in.
SAMPLED = {
    State.APPROVED: ReviewDecision.APPROVED,
    State.REJECTED: ReviewDecision.REJECTED,
    State.CHANGES_REQUESTED: ReviewDecision.CHANGES_REQUESTED,
}


def is_sampled(*, post_id: int, revision: int, share: float | None = None) -> bool:
    """Deterministic: the first 8 bytes of SHA-256("post_id:revision") as a fraction of 2**64,
    below the share. The same decision is always in or always out; about `share` of all are in."""
    share = settings.SECOND_REVIEW_SHARE if share is None else share
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{post_id}:{revision}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def second_review_sample(*, post: Post) -> SecondReview | None:
    """Inside the transaction of a decision on `post` (locked, just saved): if this decision
    is sampled, the second review that waits for another reviewer of the desk."""
    decision = SAMPLED.get(post.state)
    revision = post.current_revision
    if decision is None or revision is None or post.decided_by_id is None:
        return None
    if not is_sampled(post_id=post.pk, revision=revision.number):
        return None
    review = SecondReview.objects.create(
        post=post,
        revision=revision,
        desk_id=post.desk_id,
        author_id=post.author_id,
        first_decision=decision,
        first_reason_code=post.reason_code if decision == ReviewDecision.REJECTED else None,
        first_note=post.decision_note,
        first_reviewer_id=post.decided_by_id,
        first_decided_at=post.decided_at,
    )
    _audit(review, "second_review.sample", actor=None)
    return review


@transaction.atomic
def second_review_claim(*, review: SecondReview, by: User) -> SecondReview:
    review = _lock(review)
    return _fire(review, "claim", by=by, args={"by": by, "at": timezone.now()})


@transaction.atomic
def second_review_release(*, review: SecondReview, by: User) -> SecondReview:
    review = _lock(review)
    return _fire(review, "release", by=by, args={})


@transaction.atomic
def second_review_decide(
    *, review: SecondReview, by: User, decision: str, reason_code: str = "", note: str = ""
) -> SecondReview:
    """The second reviewer's own decision. A rejection needs a reason; a decision other than
    the first one needs a note for the senior who will look at both."""
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Choose approve, reject or request changes.")})
    reason = None
    if decision == ReviewDecision.REJECTED:
        reason = ReasonCode.objects.filter(code=reason_code, active=True).first()
        if reason is None:
            raise ValidationError({"reason_code": _("Choose one of the listed reasons.")})
    note = note.strip()
    if note:
        note = required_text(note, "")  # refuses null characters, as every note does
    review = _lock(review)
    if _may_fire(review, "decide", by) and not review.agrees(decision, reason) and not note:
        raise ValidationError({"note": _("Say why you decide this way; a senior will read it.")})
    args = {"at": timezone.now(), "decision": decision, "reason_code": reason, "note": note}
    return _fire(review, "decide", by=by, args=args, note=note)


@transaction.atomic
def second_review_resolve(
    *,
    review: SecondReview,
    by: User,
    resolution: str,
    note: str,
    revoke_reason_code: str = "",
) -> SecondReview:
    """A senior settles a disagreement. Siding with the second reviewer against an approval,
    they may take the post down: services.post_revoke, in this same transaction (a refused
    revoke leaves the disagreement open)."""
    from approvals import services

    if resolution not in Resolution.values:
        raise ValidationError({"resolution": _("Choose which decision is right.")})
    note = required_text(note, _("Explain the resolution."))
    review = _lock(review)
    revoke = bool(revoke_reason_code)
    if revoke and not (
        resolution == Resolution.SECOND and review.first_decision == ReviewDecision.APPROVED
    ):
        raise ValidationError(
            {
                "revoke_reason_code": _(
                    "Only an approval the second reviewer disagreed with can be taken down here."
                )
            }
        )
    args = {
        "by": by,
        "at": timezone.now(),
        "resolution": resolution,
        "note": note,
        "revoked": revoke,
    }
    review = _fire(review, "resolve", by=by, args=args, note=note)
    if revoke:
        services.post_revoke(post=review.post, by=by, reason_code=revoke_reason_code, note=note)
    return review


# --- the shared steps ---------------------------------------------------------------------


def _lock(review: SecondReview) -> SecondReview:
    return SecondReview.objects.select_for_update(no_key=True).get(pk=review.pk)


def _may_fire(review: SecondReview, name: str, by: User) -> bool:
    method = getattr(review, name)
    return can_proceed(method) and method._django_fsm.has_transition_perm(review, review.state, by)


def _fire(review: SecondReview, name: str, *, by: User, args: dict, note: str = "") -> SecondReview:
    method = getattr(review, name)
    if not can_proceed(method):
        raise _conflict(review, by)
    if not method._django_fsm.has_transition_perm(review, review.state, by):
        raise PermissionDenied(str(NOT_PERMITTED[name]))
    from_state = review.state
    method(**args)
    review.save()
    _audit(review, f"second_review.{name}", actor=by, from_state=from_state, note=note)
    return review


def _conflict(review: SecondReview, by: User) -> Conflict:
    if review.state == SecondReviewState.CLAIMED and review.reviewer_id != by.pk:
        # Read afresh: a join made before waiting on the row lock shows the row as it was.
        claimer = User.objects.get(pk=review.reviewer_id)
        return Conflict(_("Already claimed by %(name)s.") % {"name": claimer.name})
    if review.state == SecondReviewState.RESOLVED:
        return Conflict(_("This second review has been resolved already."))
    if review.state in (SecondReviewState.AGREED, SecondReviewState.DISAGREED):
        return Conflict(_("This second review has been decided already."))
    return Conflict(_("This second review cannot do that now."))


NOT_PERMITTED = {
    "claim": gettext_lazy(
        "You may not take this second review: it needs another reviewer of the desk than the "
        "author and the first reviewer."
    ),
    "release": gettext_lazy("You may not release this second review."),
    "decide": gettext_lazy("Only the reviewer who claimed this second review may decide it."),
    "resolve": gettext_lazy(
        "A senior reviewer who is neither the author nor one of the two reviewers resolves this."
    ),
}


def _audit(review: SecondReview, action: str, *, actor, from_state: str = "", note: str = ""):
    data = {
        "second_review": review.pk,
        "post": review.post_id,
        "revision": review.revision_id,
        "from": from_state,
        "to": review.state,
    }
    if review.decision:
        data["decision"] = review.decision
        data["reason_code"] = review.reason_code.code if review.reason_code else None
    if review.resolution:
        data["resolution"] = review.resolution
        data["revoked"] = review.revoked
    return audit_record(action=action, actor=actor, note=note, data=data)
