"""The post lifecycle: one function per transition of the graph on approvals.models.Post.

Every function runs in one transaction: lock the row, check who may act and what the
transition needs, fire it, save, append the audit entry and write the outbox event for the
platform. Nothing else changes a post's state. Read this file and you know the lifecycle.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_fsm import can_proceed
from guardian.shortcuts import assign_perm

from accounts.languages import speaking_to, system_text
from accounts.models import User
from accounts.notifications import inbox_add, notify_on_commit
from accounts.roles import holds
from accounts.services.strikes import strike_record, strike_remove
from accounts.time_zones import zone_for
from accounts.validation import required_text
from approvals import metrics
from approvals.audit import audit_record
from approvals.conditions import unmet_conditions
from approvals.embargo import embargo_check
from approvals.exceptions import Conflict, DuplicateExternalId, ServiceError, TransitionRefused
from approvals.models import (
    AUTHOR_NOTE_MAX_LENGTH,
    CONTENT_HASH_ALGORITHM,
    PUBLISHABLE_STATES,
    QUEUE_STATES,
    AuditEntry,
    Category,
    CategoryRoute,
    Desk,
    EventType,
    Platform,
    Post,
    ReasonCode,
    Revision,
    State,
    state_in_sentence,
)
from approvals.permissions import (
    is_author,
    is_claimer,
    may_escalate,
    may_view,
    returned_to_someone_else,
    serves_desk,
)
from approvals.platform.links import UNKNOWN_AUTHOR, linked_account
from approvals.platform.services import post_event_record
from approvals.screening import screen_post
from approvals.second_review import second_review_sample
from approvals.timestamps import wire_time

log = logging.getLogger(__name__)

# The platform hears about a post when it reaches one of these states.
POST_EVENTS = {
    State.CLEARED: EventType.POST_CLEARED,
    State.APPROVED: EventType.POST_APPROVED,
    State.REJECTED: EventType.POST_REJECTED,
    State.CHANGES_REQUESTED: EventType.POST_CHANGES_REQUESTED,
    State.REVOKED: EventType.POST_REVOKED,
}

# Transitions the author hears about by email: every decision someone else takes.
AUTHOR_IS_TOLD = {
    "approve",
    "reject",
    "request_changes",
    "overturn",
    "uphold",
    "revoke",
    "withdraw",
}

DECIDED_STATES = {
    State.APPROVED,
    State.REJECTED,
    State.CHANGES_REQUESTED,
    State.APPEALED,
    State.REVOKED,
}

# --- desks ---------------------------------------------------------------------------------


REJECTION_OVERTURNED = system_text(gettext_noop("Rejection overturned on appeal."))


def desk_assign_reviewer(*, desk: Desk, user: User) -> None:
    """Let a reviewer work the desk's queue (object permission `review_desk`)."""
    assign_perm("approvals.review_desk", user, desk)


# --- creating and editing drafts ----------------------------------------------------------


def desk_for_category(category: str) -> Desk:
    route = CategoryRoute.objects.select_related("desk").filter(category=category).first()
    if route is not None:
        return route.desk
    desk = Desk.objects.order_by("pk").first()
    if desk is None:
        raise ValidationError({"category": _("No review desk is configured yet.")})
    return desk


@transaction.atomic
def post_create(
    *,
    author: User,
    title: str,
    body: str,
    category: str = Category.NEWS,
    repost_of: Post | None = None,
    platform: Platform | None = None,
    external_id: str = "",
) -> Post:
    """A draft, private to its author until submitted."""
    post = _new_post(
        author=author,
        title=title,
        body=body,
        category=category,
        repost_of=repost_of,
        platform=platform,
        external_id=external_id,
    )
    _audit(post, action="post.create", actor=author, from_state=State.DRAFT)
    return post


def _new_post(*, author: User, platform: Platform | None, **fields) -> Post:
    post = Post(
        author=author, platform=platform, desk=desk_for_category(fields["category"]), **fields
    )
    # The related rows are in hand already; only the post's own fields need checking.
    post.full_clean(
        exclude=["desk", "author", "state", "platform", "repost_of"], validate_constraints=False
    )
    post.save()
    return post


@transaction.atomic(savepoint=False)
def post_submit_for_platform(
    *,
    platform: Platform,
    author: str,
    title: str,
    body: str,
    category: str,
    repost_of: Post | None = None,
    external_id: str = "",
    note: str = "",
) -> Post:
    """A platform submits a post on behalf of an account linked to it (`author` is the
    username): create and submit, or (if the submission is refused) neither. `note`: the
    author's note to the reviewer, kept with the revision.

    An account that does not exist, is not linked to this platform, or is a staff account all
    get the same answer. A second post with an `external_id` the platform already used is a
    DuplicateExternalId naming the first, also when the two arrive at the same moment (the
    loser's transaction fails on the unique constraint; `post_duplicate_external_id` then
    names the winner).

    The draft exists only inside this transaction, so nobody else can have it: no audit entry
    of its own, no re-read under a lock; the lookup locks the account's row where the daily
    allowance needs it."""
    note = _author_note(note)
    account = linked_account(platform=platform, username=author, for_submission=True)
    if account is None:
        raise ValidationError({"author": UNKNOWN_AUTHOR})
    if external_id:
        _refuse_duplicate_external_id(platform, external_id)
    if repost_of is not None:
        # The original as it is once we hold its share lock: a revoke in progress finishes
        # first, and then this copy sees it taken down (and its own revoke cannot miss it).
        _share_lock(repost_of.pk)
        repost_of = Post.objects.get(pk=repost_of.pk)
    post = _new_post(
        author=account,
        title=title,
        body=body,
        category=category,
        repost_of=repost_of,
        platform=platform,
        external_id=external_id,
    )
    screen_post(post)
    args = {"at": timezone.now()}
    return _fire(post, "submit", by=account, args=args, note=note, new_revision=True)


def post_duplicate_external_id(*, platform: Platform, external_id: str) -> None:
    """Raise DuplicateExternalId if the platform has a post with this external_id (after a
    failed insert: the constraint said so)."""
    if external_id:
        _refuse_duplicate_external_id(platform, external_id)


def _refuse_duplicate_external_id(platform: Platform, external_id: str) -> None:
    existing = (
        Post.objects.filter(platform=platform, external_id=external_id)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise DuplicateExternalId(existing)


@transaction.atomic
def post_update(*, post: Post, by: User, title: str, body: str, category: str) -> Post:
    post = _lock(post, by)
    if not is_author(post, by):
        raise PermissionDenied(_("Only the author may edit a post."))
    if not post.is_editable:
        raise Conflict(
            _("This post is %(state)s; it cannot be edited.")
            % {"state": state_in_sentence(post.state)}
        )
    post.title, post.body = title, body
    if category != post.category and post.state == State.DRAFT:
        post.category = category
        post.desk = desk_for_category(category)
    post.full_clean(exclude=["desk", "author", "state"])
    post.save()
    return post


@transaction.atomic
def post_reclassify(*, post: Post, by: User, category: str, note: str) -> Post:
    """A reviewer who may decide the post corrects its category while it waits for review
    (say, undeclared news filed as "other"). Audited; the state does not change."""
    note = required_text(note, _("Say why the category changes."))
    if category not in Category.values:
        raise ValidationError({"category": _("Choose news, current affairs or other.")})
    post = _lock(post, by)
    if post.state not in QUEUE_STATES:
        raise Conflict(
            _("This post is %(state)s; its category is final.")
            % {"state": state_in_sentence(post.state)}
        )
    if not (serves_desk(post, by) or is_claimer(post, by)):
        raise PermissionDenied(_("Only a reviewer of this post's desk may change its category."))
    if category == post.category:
        return post
    data = {"from_category": post.category, "to_category": category}
    post.category = category
    return _change_recorded(post, "category", by=by, action="post.reclassify", note=note, data=data)


@transaction.atomic
def post_move_desk(*, post: Post, by: User, desk: Desk, note: str) -> Post:
    """An operator moves a waiting, unclaimed post to another desk. Audited; never by the
    post's author (that would be choosing one's own reviewers)."""
    note = required_text(note, _("Say why the post moves."))
    if not holds(by, "approvals.change_desk"):
        raise PermissionDenied(_("Only operators move posts between desks."))
    if post.author_id == by.pk:
        raise PermissionDenied(_("Someone else must move your post."))
    post = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("desk")
        .get(pk=post.pk)
    )
    if post.state != State.SUBMITTED:
        raise Conflict(
            _("This post is %(state)s; it stays on its desk.")
            % {"state": state_in_sentence(post.state)}
        )
    if desk.pk == post.desk_id:
        return post
    data = {"from_desk": post.desk.slug, "to_desk": desk.slug}
    post.desk = desk
    return _change_recorded(post, "desk", by=by, action="post.move_desk", note=note, data=data)


def _change_recorded(post: Post, field: str, *, by: User, action: str, note: str, data: dict):
    """Save a change to one field of a post that is not a transition, with its audit entry."""
    post.save(update_fields=[field, "updated_at"])
    _audit(post, action=action, actor=by, from_state=post.state, note=note, data=data)
    return post


# --- the transitions ----------------------------------------------------------------------


@transaction.atomic
def post_submit(*, post: Post, by: User, note: str = "") -> Post:
    """`note`: what the author tells the reviewer (optional), kept with the revision."""
    note = _author_note(note)
    # The author's row first: one submission at a time per account, so the daily allowance
    # of an unverified account holds under concurrent requests.
    User.objects.select_for_update(no_key=True).filter(pk=post.author_id).values_list("pk").first()
    post = _lock(post, by)
    screen_post(post)
    args = {"at": timezone.now()}
    return _fire(post, "submit", by=by, args=args, note=note, new_revision=True)


@transaction.atomic
def post_claim(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    if post.state == State.SUBMITTED and returned_to_someone_else(post, by):
        raise Conflict(
            _(
                "Returned to %(name)s, who asked for the changes; anyone may claim it after "
                "%(time)s."
            )
            % {"name": post.reserved_for.name, "time": _time(post.reserved_until)}
        )
    return _fire(post, "claim", by=by, args={"by": by, "at": timezone.now()})


def post_claim_next(*, by: User) -> Post | None:
    """Claim the first post in the reviewer's queue that they may take (queue order,
    approvals.priority), resubmissions returned to them first; None when nothing is waiting.
    A post someone else claims at the same moment is skipped for the next one: each claim is
    `post_claim`, with its lock and its checks."""
    from approvals.selectors import claimable_queue, returned_to

    for candidates in (returned_to(user=by), claimable_queue(user=by)):
        for candidate in candidates[:CLAIM_NEXT_TRIES]:
            try:
                return post_claim(post=candidate, by=by)
            except (ServiceError, PermissionDenied):
                continue  # claimed a moment ago by someone else, or not theirs to claim
    return None


CLAIM_NEXT_TRIES = 20


@transaction.atomic
def post_release(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    return _fire(post, "release", by=by, args={})


@transaction.atomic
def post_approve(*, post: Post, by: User, note: str = "", not_before=None) -> Post:
    """`not_before`: an embargo (approvals.embargo); the platform hears of it at once."""
    not_before = embargo_check(not_before)
    post = _lock(post, by)
    note = note.strip()
    args = {"by": by, "at": timezone.now(), "note": note, "not_before": not_before}
    data = {"not_before": wire_time(not_before)} if not_before else None
    post = _fire(post, "approve", by=by, args=args, note=note, data=data)
    second_review_sample(post=post)
    return post


@transaction.atomic
def post_reject(*, post: Post, by: User, reason_code: str, note: str) -> Post:
    reason = _reason_code(reason_code)
    note = required_text(note, _("Tell the author why the post was rejected."))
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "reason_code": reason, "note": note}
    post = _fire(post, "reject", by=by, args=args, note=note, reason_code=reason)
    second_review_sample(post=post)
    return post


@transaction.atomic
def post_request_changes(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, _("Tell the author what to change."))
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    post = _fire(post, "request_changes", by=by, args=args, note=note)
    second_review_sample(post=post)
    return post


@transaction.atomic
def post_resubmit(*, post: Post, by: User, note: str = "") -> Post:
    """Back to review; to the reviewer who asked for the changes first (see `_route_back`).
    `note`: what the author tells the reviewer (what changed, say), kept with the revision."""
    note = _author_note(note)
    post = _lock(post, by)
    screen_post(post)
    at = timezone.now()
    reviewer = _route_back(post, at=at)
    routing = {"returned_to": reviewer.pk} if reviewer is not None else None
    post = _fire(
        post, "resubmit", by=by, args={"at": at}, note=note, new_revision=True, data=routing
    )
    if reviewer is not None:
        _tell_returning_reviewer(post, reviewer)
    return post


def _route_back(post: Post, *, at) -> User | None:
    """Reserve a resubmission for the reviewer who asked for the changes, for
    CLAIM_IDLE_MINUTES, while they are active and still serve the desk (never the author);
    None (the general pool) otherwise. Only the post's fields are set here; `_fire` saves
    them with the transition, or nothing at all."""
    reviewer = post.decided_by if post.state == State.CHANGES_REQUESTED else None
    if reviewer is None or reviewer.pk == post.author_id or not serves_desk(post, reviewer):
        post.reserved_for, post.reserved_until = None, None
        return None
    post.reserved_for = reviewer
    post.reserved_until = at + _claim_idle()
    return reviewer


def _tell_returning_reviewer(post: Post, reviewer: User) -> None:
    with speaking_to(reviewer):
        notify_on_commit(
            user=reviewer,
            subject=_("“%(title)s” was resubmitted and is back with you") % {"title": post.title},
            template="post_returned",
            context={
                "title": post.title,
                "until": _time(post.reserved_until, reviewer),
                "url": post.get_absolute_url(),
            },
        )


def _author_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > AUTHOR_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Keep the note to the reviewer under %(limit)d characters.")
                % {"limit": AUTHOR_NOTE_MAX_LENGTH}
            }
        )
    return note


@transaction.atomic
def post_withdraw(*, post: Post, by: User, note: str = "") -> Post:
    post = _lock(post, by)
    return _fire(post, "withdraw", by=by, args={}, note=note)


@transaction.atomic
def post_appeal(*, post: Post, by: User, statement: str) -> Post:
    """The author contests a rejection or a takedown: once, within APPEAL_WINDOW of it."""
    statement = required_text(statement, _("Say why the decision should change."), "statement")
    post = _lock(post, by)
    args = {"at": timezone.now(), "statement": statement}
    return _fire(post, "appeal", by=by, args=args, note=statement)


@transaction.atomic
def post_overturn(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, _("Explain why the decision is overturned."))
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    post = _fire(post, "overturn", by=by, args=args, note=note)
    # Approved again: post.approved goes out (the next number of the post's event stream).
    strike_remove(post=post, reason=REJECTION_OVERTURNED)
    return post


@transaction.atomic
def post_uphold(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, _("Explain why the decision stands."))
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    post = _fire(post, "uphold", by=by, args=args, note=note)
    if post.state == State.REJECTED:
        strike_record(post=post)  # the rejection is final now
    # An upheld takedown stays down (post.revoked again) and is no strike: a takedown never
    # was one, and appealing it must not make it one.
    return post


@transaction.atomic
def post_revoke(*, post: Post, by: User, reason_code: str, note: str = "") -> Post:
    """Take a published post down, and every live repost of it, recursively: each copy with
    its own transition, audit entry and `post.revoked` event, in this one transaction."""
    reason = _reason_code(reason_code)
    note = note.strip()
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "reason_code": reason, "note": note}
    post = _fire(post, "revoke", by=by, args=args, note=note, reason_code=reason)
    _revoke_live_copies(post, by=by, reason=reason)
    return post


def _revoke_live_copies(original: Post, *, by: User, reason: ReasonCode) -> None:
    """Breadth-first through the reposts of `original` that are live (approved or cleared)."""
    note = f"Taken down with the post it copies (#{original.pk})."
    revoked = [original]
    while revoked:
        copies = Post.objects.filter(
            repost_of__in=[p.pk for p in revoked], state__in=PUBLISHABLE_STATES
        ).order_by("pk")
        sources = {p.pk: p for p in revoked}
        revoked = []
        for copy in copies.values_list("pk", "repost_of_id"):
            copy = _lock(Post(pk=copy[0]), by, repost_of=sources[copy[1]])
            if copy.state not in PUBLISHABLE_STATES:
                continue  # changed while we waited for the lock
            args = {"by": by, "at": original.revoked_at, "reason_code": reason, "note": note}
            revoked.append(_fire(copy, "revoke", by=by, args=args, note=note, reason_code=reason))


# --- the queue's keeping: escalation, idle claims, returned posts --------------------------

ESCALATED_OVERDUE = system_text(
    gettext_noop("Past its deadline: escalated to the senior reviewers.")
)
RELEASED_IDLE = system_text(gettext_noop("The claim was left idle; released back to the queue."))


@transaction.atomic
def post_escalate(*, post: Post, by: User, note: str) -> Post:
    """A reviewer of the post's desk (never its author) sends a waiting post to the senior
    reviewers, with a note. The post's state does not change, and it still needs a decision
    like any other: escalation only moves it to the front of the queue and tells the seniors."""
    note = required_text(note, _("Say why the post needs a senior reviewer."))
    post = _lock(post, by)
    if post.state not in QUEUE_STATES:
        raise Conflict(
            _("This post is %(state)s; it cannot be escalated now.")
            % {"state": state_in_sentence(post.state)}
        )
    if not may_escalate(post, by):
        raise PermissionDenied(_("You may not escalate this post."))
    if post.escalated_at is not None:
        raise Conflict(_("This post has already been escalated."))
    return _escalate(post, by=by, note=note, data={"automatic": False})


def posts_escalate_overdue(*, limit: int | None = None) -> int:
    """Escalate waiting posts past their deadline (beat). Each post in its own transaction;
    running this twice escalates each post once. Returns how many it escalated."""
    limit = limit or settings.QUEUE_SWEEP_BATCH
    overdue = (
        Post.objects.filter(
            state__in=QUEUE_STATES, escalated_at__isnull=True, due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_each(post_escalate_overdue, pk) for pk in list(overdue))


@transaction.atomic
def post_escalate_overdue(*, post_id: int) -> bool:
    """Escalate this post if it still waits, past its deadline and not yet escalated. A post
    someone holds the lock on (being decided this moment) is left for the next run."""
    post = (
        Post.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("desk", "author", "current_revision")
        .filter(
            pk=post_id,
            state__in=QUEUE_STATES,
            escalated_at__isnull=True,
            due_at__lte=timezone.now(),
        )
        .first()
    )
    if post is None:
        return False
    _escalate(
        post,
        by=None,
        note=ESCALATED_OVERDUE,
        data={"automatic": True, "due_at": post.due_at.isoformat()},
    )
    return True


def _escalate(post: Post, *, by: User | None, note: str, data: dict) -> Post:
    post.escalated_at = timezone.now()
    post.save(update_fields=["escalated_at", "updated_at"])
    _audit(post, action="post.escalate", actor=by, from_state=post.state, note=note, data=data)
    _tell_seniors(post, by=by, note=note)
    return post


def _tell_seniors(post: Post, *, by: User | None, note: str) -> None:
    """Every senior reviewer of the post's desk, in their own language; never the post's
    author, nor whoever escalated it."""
    from approvals.selectors import senior_reviewers_for

    excluding = (post.author_id,) if by is None else (post.author_id, by.pk)
    for senior in senior_reviewers_for(desk=post.desk, excluding=excluding):
        with speaking_to(senior):
            notify_on_commit(
                user=senior,
                subject=_("Escalated: “%(title)s”") % {"title": post.title},
                template="post_escalated",
                context={
                    "title": post.title,
                    "desk": post.desk.local_name,
                    "by": by.name if by is not None else "",
                    "note": note if by is not None else "",
                    "deadline": _time(post.deadline, senior),
                    "url": post.get_absolute_url(),
                },
            )


def claims_release_idle(*, limit: int | None = None) -> int:
    """Release claims older than CLAIM_IDLE_MINUTES (beat), and return lapsed reservations to
    the pool. Returns how many claims it released."""
    limit = limit or settings.QUEUE_SWEEP_BATCH
    cutoff = timezone.now() - _claim_idle()
    idle = (
        Post.objects.filter(state=State.UNDER_REVIEW, claimed_at__lt=cutoff)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )
    released = sum(_each(post_release_idle, pk) for pk in list(idle))
    reservations_lapse()
    return released


@transaction.atomic
def post_release_idle(*, post_id: int) -> bool:
    """The release transition, by the system: the claim on this post has been idle longer
    than CLAIM_IDLE_MINUTES. A post being decided this moment is locked, so it is skipped;
    a post decided a moment ago is no longer under review, so it is left alone."""
    cutoff = timezone.now() - _claim_idle()
    post = (
        Post.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("claimed_by", "author", "current_revision")
        .filter(pk=post_id, state=State.UNDER_REVIEW, claimed_at__lt=cutoff)
        .first()
    )
    if post is None:
        return False
    reviewer, claimed_at = post.claimed_by, post.claimed_at
    post.release()  # the same transition as a reviewer's release; the system may always
    post.save()
    metrics.decision_made("release")
    _audit(
        post,
        action="post.release",
        actor=None,
        from_state=State.UNDER_REVIEW,
        note=RELEASED_IDLE,
        data={
            "automatic": True,
            "claimed_by": reviewer.pk,
            "claimed_at": claimed_at.isoformat(),
        },
    )
    with speaking_to(reviewer):
        notify_on_commit(
            user=reviewer,
            subject=_("Your claim on “%(title)s” was released") % {"title": post.title},
            template="claim_released",
            context={
                "title": post.title,
                "claimed_at": _time(claimed_at, reviewer),
                "url": post.get_absolute_url(),
            },
        )
    return True


def reservations_lapse() -> int:
    """Return to the pool the resubmissions whose reviewer did not claim them in time, is
    no longer active, or no longer serves the desk. (Queue and claim next already ignore a
    reservation past its time; this also catches the reviewer who left.)"""
    now = timezone.now()
    lapsed = 0
    reserved = Post.objects.filter(reserved_for__isnull=False).select_related("reserved_for")
    for post in reserved:
        reviewer = post.reserved_for
        if (
            post.state == State.SUBMITTED
            and post.reserved_until is not None
            and post.reserved_until > now
            and reviewer.is_active
            and serves_desk(post, reviewer)
        ):
            continue
        lapsed += Post.objects.filter(
            pk=post.pk, reserved_for=reviewer, reserved_until=post.reserved_until
        ).update(reserved_for=None, reserved_until=None)
    return lapsed


def _each(service, post_id: int) -> bool:
    """One post of a sweep: a post that fails is logged and left for the next run, so one
    bad row never stops the sweep of the others."""
    try:
        return service(post_id=post_id)
    except Exception:
        log.exception("%s failed for post %s", service.__name__, post_id)
        return False


def _claim_idle() -> timedelta:
    return timedelta(minutes=settings.CLAIM_IDLE_MINUTES)


def _time(at, reader: User | None = None) -> str:
    """A moment as the reader writes it: the active language, the reader's time zone (else
    the active one: a page's reader's)."""
    if at is None:
        return ""
    zone = zone_for(reader) if reader is not None else timezone.get_current_timezone()
    return date_format(timezone.localtime(at, zone), "DATETIME_FORMAT")


# --- the shared steps ---------------------------------------------------------------------


def _lock(post: Post, by: User, repost_of: Post | None = None) -> Post:
    """Re-read the post under a row lock; refuse anyone who may not even see it.

    `repost_of`: the original, already in hand (taking down copies), instead of reading it."""
    # A copy's original first (a share lock), then the copy: revoking an original locks it,
    # then its copies, in the same order, so a copy cannot be submitted or approved on a stale
    # reading of an original that is being taken down.
    original_id = _original_id(post)
    if original_id is not None and repost_of is None:
        _share_lock(original_id)
    # The post's own row, locked and read in one statement (after waiting on the lock,
    # PostgreSQL hands back the row as it is now). Related rows come in the same statement
    # only for what every transition uses (author, current revision); the rest is read when
    # needed, fresh, which also keeps the statement cheap to plan.
    locked = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("author", "current_revision")
        .get(pk=post.pk)
    )
    if repost_of is not None:
        locked.repost_of = repost_of
    if not may_view(locked, by):
        raise PermissionDenied(_("You may not act on this post."))
    return locked


def _original_id(post: Post) -> int | None:
    """The post this one copies, if any. Set when the post is created and never changed, so a
    post read from the database already says; one built from an id alone is asked."""
    if not post._state.adding and "repost_of_id" not in post.get_deferred_fields():
        return post.repost_of_id
    return Post.objects.filter(pk=post.pk).values_list("repost_of_id", flat=True).get()


def _share_lock(post_id: int) -> None:
    """FOR SHARE on PostgreSQL: many copies may hold it at once; a revoke waits for them."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time anyway
    table = connection.ops.quote_name(Post._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [post_id])


def _fire(
    post: Post,
    name: str,
    *,
    by: User,
    args: dict,
    note: str = "",
    reason_code: ReasonCode | None = None,
    new_revision: bool = False,
    data: dict | None = None,
) -> Post:
    """Check, fire and record one transition on a locked post.

    `args` go to the transition method; `note`, `reason_code` and `data` go to the audit
    entry.
    The checks run in the order that gives the most useful answer: a post that moved on
    (409, naming who moved it), then who may act (403), then what the transition needs (400).
    """
    method = getattr(post, name)
    if not can_proceed(method, check_conditions=False):
        raise _conflict(post, name, by)
    if not _permitted(post, method, by):
        raise PermissionDenied(str(NOT_PERMITTED[name]))
    unmet = unmet_conditions(post, name)
    if unmet:
        raise TransitionRefused(unmet)

    from_state = post.state
    method(**args)
    metrics.decision_made(name)
    if new_revision:  # the note, if any, is the author's to the reviewer
        post.current_revision = _freeze_revision(post, author_note=note)
    post.save()
    if post.state in POST_EVENTS:
        _publish(post)
    if name in AUTHOR_IS_TOLD and by.pk != post.author_id:
        _tell_author(post, name, note)
    screening = (
        {"screening_score": post.screening_score, "screening_matches": post.screening_matches}
        if new_revision
        else {}
    )
    if data:
        screening = {**(screening or {}), **data}
    # Last: appending to the audit chain holds its head until the commit.
    _audit(
        post,
        action=f"post.{name}",
        actor=by,
        from_state=from_state,
        reason_code=reason_code,
        note=note,
        data={**screening, **(data or {})},
    )
    return post


def _tell_author(post: Post, name: str, note: str) -> None:
    # In the app (rendered when read, in the reader's language) and by email.
    inbox_add(
        user=post.author,
        kind=f"post.{name}",
        params={"title": post.title},
        url=post.get_absolute_url(),
    )
    with speaking_to(post.author):
        notify_on_commit(
            user=post.author,
            subject=_("“%(title)s”: %(state)s")
            % {"title": post.title, "state": post.get_state_display()},
            template="post_decision",
            context={
                "title": post.title,
                "state": post.get_state_display(),
                "reason": post.reason_code.local_label if post.reason_code else "",
                "note": note,
                "url": post.get_absolute_url(),
            },
        )


def _publish(post: Post) -> None:
    """The outbox events for the platforms that may see the post, in the transaction that
    changed it."""
    revision = post.current_revision
    post_event_record(
        type=POST_EVENTS[post.state],
        post=post,
        data={
            "post_id": post.pk,
            "external_id": post.external_id or None,
            "category": post.category,
            "state": post.state,
            "repost_of": post.repost_of_id,
            "revision": revision.number if revision else None,
            "content_hash": revision.content_hash if revision else None,
            "content_hash_algorithm": (
                revision.content_hash_algorithm if revision else CONTENT_HASH_ALGORITHM
            ),
            "reason_code": post.reason_code.code if post.reason_code else None,
            "note": post.decision_note,
            "decided_at": post.decided_at,
            "not_before": post.embargoed_until,
        },
    )


def _permitted(post: Post, method, by: User) -> bool:
    """The transition's `permission=` alone. (django-fsm's has_transition_perm also evaluates
    the conditions; they are checked next, once, with their explanations.)"""
    return method._django_fsm.has_transition_perm(post, post.state, by)


def _conflict(post: Post, name: str, by: User) -> Conflict:
    state = state_in_sentence(post.state)
    if post.claimed_by_id and post.claimed_by_id != by.pk:
        return Conflict(_("Already claimed by %(name)s.") % {"name": post.claimed_by.name})
    if post.state in DECIDED_STATES and post.decided_by_id and post.decided_by_id != by.pk:
        return Conflict(
            _("Already decided by %(name)s (%(state)s).")
            % {"name": post.decided_by.name, "state": state}
        )
    return Conflict(str(TOO_LATE[name]) % {"state": state})


# Refusals per transition, whole sentences (their word order differs between languages).
NOT_PERMITTED = {
    "submit": gettext_lazy("You may not submit this post."),
    "claim": gettext_lazy("You may not claim this post."),
    "release": gettext_lazy("You may not release this post."),
    "approve": gettext_lazy("You may not approve this post."),
    "reject": gettext_lazy("You may not reject this post."),
    "request_changes": gettext_lazy("You may not request changes to this post."),
    "resubmit": gettext_lazy("You may not resubmit this post."),
    "withdraw": gettext_lazy("You may not withdraw this post."),
    "appeal": gettext_lazy("You may not appeal this post."),
    "overturn": gettext_lazy("You may not overturn this post."),
    "uphold": gettext_lazy("You may not uphold this post."),
    "revoke": gettext_lazy("You may not revoke this post."),
}

# %(state)s: the post's state, as a sentence names it (models.state_in_sentence).
TOO_LATE = {
    "submit": gettext_lazy("This post is %(state)s; it cannot be submitted now."),
    "claim": gettext_lazy("This post is %(state)s; it cannot be claimed now."),
    "release": gettext_lazy("This post is %(state)s; it cannot be released now."),
    "approve": gettext_lazy("This post is %(state)s; it cannot be approved now."),
    "reject": gettext_lazy("This post is %(state)s; it cannot be rejected now."),
    "request_changes": gettext_lazy(
        "This post is %(state)s; it cannot be sent back for changes now."
    ),
    "resubmit": gettext_lazy("This post is %(state)s; it cannot be resubmitted now."),
    "withdraw": gettext_lazy("This post is %(state)s; it cannot be withdrawn now."),
    "appeal": gettext_lazy("This post is %(state)s; it cannot be appealed now."),
    "overturn": gettext_lazy("This post is %(state)s; it cannot be overturned now."),
    "uphold": gettext_lazy("This post is %(state)s; it cannot be upheld now."),
    "revoke": gettext_lazy("This post is %(state)s; it cannot be revoked now."),
}


def _freeze_revision(post: Post, *, author_note: str = "") -> Revision:
    number = post.current_revision.number + 1 if post.current_revision else 1
    return Revision.objects.create(
        post=post,
        number=number,
        title=post.title,
        body=post.body,
        content_hash=post.content_hash(),
        author_note=author_note,
    )


def _audit(
    post: Post,
    *,
    action: str,
    actor: User | None,
    from_state: str,
    reason_code: ReasonCode | None = None,
    note: str = "",
    data: dict | None = None,
) -> AuditEntry:
    return audit_record(
        post=post,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=post.state,
        reason_code=reason_code,
        note=note,
        revision=post.current_revision,
        data=data,
    )


def _reason_code(code: str) -> ReasonCode:
    reason = ReasonCode.objects.filter(code=code, active=True).first()
    if reason is None:
        raise ValidationError({"reason_code": _("Choose one of the listed reasons.")})
    return reason
