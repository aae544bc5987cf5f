"""What decisions about an account do to its posts.

Sanctions are the accounts app's (accounts.services.sanctions); taking posts off the queue or
down from the platforms is the post lifecycle's. This module joins the two, so neither
services module imports the other:

- a suspension withdraws the account's posts that wait for review;
- a takedown revokes every live post of the account (with a suspension, or on its own), in
  chunks worked through by a task, each post with its own transition, audit entry and event;
- "always review" sends every post of an account to a reviewer, whatever its category.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.languages import system_text
from accounts.models import Sanction, SanctionKind, SanctionProposal, User
from accounts.roles import holds
from accounts.services import sanctions
from accounts.validation import required_text
from approvals import services as posts
from approvals.audit import audit_record
from approvals.models import PUBLISHABLE_STATES, Post, ReasonCode, State, Takedown
from config.celery import enqueue_on_commit

WAITING_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED)


@transaction.atomic
def sanction_impose(
    *, user: User, by: User, take_down: bool = False, takedown_reason: str = "", **details
) -> Sanction:
    """Apply a sanction (accounts.services.sanctions.sanction_apply takes `details`); a
    suspension also withdraws what waits for review; `take_down` revokes every live post."""
    sanction = sanctions.sanction_apply(user=user, by=by, **details)
    _consequences(sanction, by, take_down, takedown_reason or details.get("reason_code", ""))
    return sanction


@transaction.atomic
def proposal_confirm(*, proposal: SanctionProposal, by: User, note: str, **details) -> Sanction:
    sanction = sanctions.proposal_confirm(proposal=proposal, by=by, note=note, **details)
    _consequences(sanction, by, take_down=False, reason="")
    return sanction


WITHDRAWN_BY_SUSPENSION = system_text(gettext_noop("Withdrawn: the account is suspended."))
TAKEN_DOWN_WITH_ACCOUNT = system_text(
    gettext_noop("Every live post of this account is taken down.")
)


def _consequences(sanction: Sanction, by: User, take_down: bool, reason: str) -> None:
    if sanction.kind == SanctionKind.SUSPENSION:
        _withdraw_waiting_posts(user=sanction.user, by=by)
    if take_down:
        account_takedown(account=sanction.user, by=by, reason_code=reason, note=sanction.note)


def _withdraw_waiting_posts(*, user: User, by: User) -> None:
    waiting = Post.objects.filter(author=user, state__in=WAITING_STATES).order_by("pk")
    for post in waiting:
        if post.state == State.UNDER_REVIEW:
            post = posts.post_release(post=post, by=by)
        posts.post_withdraw(post=post, by=by, note=WITHDRAWN_BY_SUSPENSION)


# --- takedowns ----------------------------------------------------------------------------


@transaction.atomic
def account_takedown(*, account: User, by: User, reason_code: str, note: str = "") -> Takedown:
    """Order every live post of `account` taken down; a task does it in chunks once this
    commits (see takedown_continue)."""
    if not holds(by, "approvals.revoke_post"):
        raise PermissionDenied(_("Only senior reviewers take posts down."))
    if by.pk == account.pk:
        raise PermissionDenied(_("Another senior reviewer must take down your posts."))
    reason = ReasonCode.objects.filter(code=reason_code, active=True).first()
    if reason is None:
        raise ValidationError({"reason_code": _("Choose one of the listed reasons.")})
    takedown = Takedown.objects.create(
        account=account, requested_by=by, reason_code=reason, note=note.strip()
    )
    audit_record(
        action="account.takedown",
        actor=by,
        account=account,
        reason_code=reason,
        note=takedown.note,
        data={"takedown_id": takedown.pk},
    )
    _continue_on_commit(takedown.pk)
    return takedown


def takedown_continue(*, takedown_id: int) -> int:
    """Revoke the next chunk of the account's live posts in one transaction; queue the next
    chunk, or mark the takedown finished. Returns how many were revoked. Idempotent: it only
    ever picks posts that are still live."""
    with transaction.atomic():
        takedown = (
            Takedown.objects.select_for_update(no_key=True, skip_locked=True)
            .select_related("account", "requested_by", "reason_code")
            .filter(pk=takedown_id, finished_at__isnull=True)
            .first()
        )
        if takedown is None:  # finished, or another worker holds it
            return 0
        live = list(
            Post.objects.filter(author=takedown.account, state__in=PUBLISHABLE_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.TAKEDOWN_CHUNK_SIZE]
        )
        note = takedown.note or TAKEN_DOWN_WITH_ACCOUNT
        revoked = 0
        for pk in live:
            post = Post.objects.get(pk=pk)
            if post.state not in PUBLISHABLE_STATES:  # already taken down as a repost
                continue
            posts.post_revoke(
                post=post,
                by=takedown.requested_by,
                reason_code=takedown.reason_code.code,
                note=note,
            )
            revoked += 1
        takedown.revoked_count += revoked
        if live:
            _continue_on_commit(takedown.pk)
        else:
            takedown.finished_at = timezone.now()
        takedown.save(update_fields=["revoked_count", "finished_at"])
    return revoked


def takedowns_unfinished() -> list[int]:
    """Takedowns that no task is working on (a lost message): the sweeper resumes them."""
    return list(Takedown.objects.filter(finished_at__isnull=True).values_list("pk", flat=True))


def _continue_on_commit(takedown_id: int) -> None:
    from approvals.tasks import continue_takedown

    enqueue_on_commit(continue_takedown, takedown_id)


# --- always review ------------------------------------------------------------------------


@transaction.atomic
def account_set_always_review(*, account: User, by: User, on: bool, note: str) -> User:
    """Send every post of the account to review, whatever its category (or stop doing so)."""
    if not holds(by, "accounts.apply_sanction"):
        raise PermissionDenied(_("Only senior reviewers set an account to always review."))
    if by.pk == account.pk:
        raise PermissionDenied(_("Another senior reviewer must decide this about your account."))
    note = required_text(note, _("Say why."))
    account = User.objects.select_for_update(no_key=True).get(pk=account.pk)
    if account.always_review == on:
        return account
    account.always_review = on
    account.save(update_fields=["always_review"])
    audit_record(
        action="account.always_review_on" if on else "account.always_review_off",
        actor=by,
        account=account,
        note=note,
    )
    return account
