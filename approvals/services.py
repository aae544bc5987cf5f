"""The post lifecycle: one function per transition of the graph on approvals.models.Post.

Every function runs in one transaction: lock the row, check who may act and what the
transition needs, fire it, save, append the audit entry and write the outbox event for the
platform. Nothing else changes a post's state. Read this file and you know the lifecycle.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.notifications import notify_on_commit
from accounts.services import strike_record, strike_remove
from accounts.validation import required_text
from approvals.conditions import unmet_conditions
from approvals.exceptions import Conflict, TransitionRefused
from approvals.models import (
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
)
from approvals.permissions import is_author, may_view
from approvals.platform.services import event_record

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
        raise ValidationError({"category": "No review desk is configured yet."})
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
    post = Post(
        author=author,
        title=title,
        body=body,
        category=category,
        repost_of=repost_of,
        platform=platform,
        external_id=external_id,
        desk=desk_for_category(category),
    )
    post.full_clean(exclude=["desk", "author", "state"])
    post.save()
    _audit(post, action="post.create", actor=author, from_state=State.DRAFT)
    return post


@transaction.atomic
def post_submit_for_platform(
    *,
    platform: Platform,
    author: User,
    title: str,
    body: str,
    category: str,
    repost_of: Post | None = None,
    external_id: str = "",
) -> Post:
    """A platform submits a post on behalf of one of its users: create and submit, or
    (if the submission is refused) neither."""
    post = post_create(
        author=author,
        title=title,
        body=body,
        category=category,
        repost_of=repost_of,
        platform=platform,
        external_id=external_id,
    )
    return post_submit(post=post, by=author)


@transaction.atomic
def post_update(*, post: Post, by: User, title: str, body: str, category: str) -> Post:
    post = _lock(post, by)
    if not is_author(post, by):
        raise PermissionDenied("Only the author may edit a post.")
    if not post.is_editable:
        raise Conflict(f"This post is {post.get_state_display().lower()}; it cannot be edited.")
    post.title, post.body = title, body
    if category != post.category and post.state == State.DRAFT:
        post.category = category
        post.desk = desk_for_category(category)
    post.full_clean(exclude=["desk", "author", "state"])
    post.save()
    return post


# --- the transitions ----------------------------------------------------------------------


@transaction.atomic
def post_submit(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    return _fire(post, "submit", by=by, args={"at": timezone.now()}, new_revision=True)


@transaction.atomic
def post_claim(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    return _fire(post, "claim", by=by, args={"by": by, "at": timezone.now()})


@transaction.atomic
def post_release(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    return _fire(post, "release", by=by, args={})


@transaction.atomic
def post_approve(*, post: Post, by: User, note: str = "") -> Post:
    post = _lock(post, by)
    note = note.strip()
    return _fire(
        post, "approve", by=by, args={"by": by, "at": timezone.now(), "note": note}, note=note
    )


@transaction.atomic
def post_reject(*, post: Post, by: User, reason_code: str, note: str) -> Post:
    reason = _reason_code(reason_code)
    note = required_text(note, "Tell the author why the post was rejected.")
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "reason_code": reason, "note": note}
    return _fire(post, "reject", by=by, args=args, note=note, reason_code=reason)


@transaction.atomic
def post_request_changes(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, "Tell the author what to change.")
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    return _fire(post, "request_changes", by=by, args=args, note=note)


@transaction.atomic
def post_resubmit(*, post: Post, by: User) -> Post:
    post = _lock(post, by)
    return _fire(post, "resubmit", by=by, args={"at": timezone.now()}, new_revision=True)


@transaction.atomic
def post_withdraw(*, post: Post, by: User, note: str = "") -> Post:
    post = _lock(post, by)
    return _fire(post, "withdraw", by=by, args={}, note=note)


@transaction.atomic
def post_appeal(*, post: Post, by: User, statement: str) -> Post:
    statement = required_text(statement, "Say why the decision should change.", "statement")
    post = _lock(post, by)
    args = {"at": timezone.now(), "statement": statement}
    return _fire(post, "appeal", by=by, args=args, note=statement)


@transaction.atomic
def post_overturn(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, "Explain why the decision is overturned.")
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    post = _fire(post, "overturn", by=by, args=args, note=note)
    strike_remove(post=post, reason="Rejection overturned on appeal.")
    return post


@transaction.atomic
def post_uphold(*, post: Post, by: User, note: str) -> Post:
    note = required_text(note, "Explain why the decision stands.")
    post = _lock(post, by)
    args = {"by": by, "at": timezone.now(), "note": note}
    post = _fire(post, "uphold", by=by, args=args, note=note)
    strike_record(post=post)  # the rejection is final now
    return post


@transaction.atomic
def post_revoke(*, post: Post, by: User, reason_code: str, note: str = "") -> Post:
    reason = _reason_code(reason_code)
    post = _lock(post, by)
    args = {"reason_code": reason}
    return _fire(post, "revoke", by=by, args=args, note=note.strip(), reason_code=reason)


# --- the shared steps ---------------------------------------------------------------------


def _lock(post: Post, by: User) -> Post:
    """Re-read the post under a row lock; refuse anyone who may not even see it."""
    # Lock first, then read with joins in a new statement: after waiting on a lock,
    # PostgreSQL re-reads the locked row but not the rows joined to it, so a joined
    # claimer would still be the one from before the wait.
    Post.objects.select_for_update().filter(pk=post.pk).values_list("pk").get()
    locked = Post.objects.select_related(
        "desk", "author__identity", "claimed_by", "decided_by", "current_revision"
    ).get(pk=post.pk)
    if not may_view(locked, by):
        raise PermissionDenied("You may not act on this post.")
    return locked


def _fire(
    post: Post,
    name: str,
    *,
    by: User,
    args: dict,
    note: str = "",
    reason_code: ReasonCode | None = None,
    new_revision: bool = False,
) -> Post:
    """Check, fire and record one transition on a locked post.

    `args` go to the transition method; `note` and `reason_code` go to the audit entry.
    The checks run in the order that gives the most useful answer: a post that moved on
    (409, naming who moved it), then who may act (403), then what the transition needs (400).
    """
    method = getattr(post, name)
    if not can_proceed(method, check_conditions=False):
        raise _conflict(post, name, by)
    if not _permitted(post, method, by):
        raise PermissionDenied(f"You may not {name.replace('_', ' ')} this post.")
    unmet = unmet_conditions(post, name)
    if unmet:
        raise TransitionRefused(unmet)

    from_state = post.state
    method(**args)
    if new_revision:
        post.current_revision = _freeze_revision(post)
    post.save()
    _audit(
        post,
        action=f"post.{name}",
        actor=by,
        from_state=from_state,
        reason_code=reason_code,
        note=note,
    )
    if post.state in POST_EVENTS:
        _publish(post)
    if name in AUTHOR_IS_TOLD and by.pk != post.author_id:
        _tell_author(post, name, note)
    return post


def _tell_author(post: Post, name: str, note: str) -> None:
    notify_on_commit(
        user=post.author,
        subject=f"“{post.title}”: {post.get_state_display().lower()}",
        template="post_decision",
        context={
            "title": post.title,
            "state": post.get_state_display(),
            "reason": post.reason_code.label if post.reason_code else "",
            "note": note,
            "url": post.get_absolute_url(),
        },
    )


def _publish(post: Post) -> None:
    """The outbox event for the platform, in the transaction that changed the post."""
    revision = post.current_revision
    event_record(
        type=POST_EVENTS[post.state],
        platform=post.platform,
        post=post,
        data={
            "post_id": post.pk,
            "external_id": post.external_id or None,
            "author": post.author.username,
            "category": post.category,
            "state": post.state,
            "revision": revision.number if revision else None,
            "content_hash": revision.content_hash if revision else None,
            "reason_code": post.reason_code.code if post.reason_code else None,
            "note": post.decision_note,
            "decided_at": post.decided_at,
        },
    )


def _permitted(post: Post, method, by: User) -> bool:
    """The transition's `permission=` alone. (django-fsm's has_transition_perm also evaluates
    the conditions; they are checked next, once, with their explanations.)"""
    return method._django_fsm.has_transition_perm(post, post.state, by)


def _conflict(post: Post, name: str, by: User) -> Conflict:
    state = post.get_state_display().lower()
    if post.claimed_by_id and post.claimed_by_id != by.pk:
        return Conflict(f"Already claimed by {post.claimed_by.name}.")
    if post.state in DECIDED_STATES and post.decided_by_id and post.decided_by_id != by.pk:
        return Conflict(f"Already decided by {post.decided_by.name} ({state}).")
    return Conflict(f"This post is {state}; it cannot be {_past(name)} now.")


def _past(name: str) -> str:
    verb = name.replace("_", " ")
    irregular = {"withdraw": "withdrawn", "request changes": "sent back for changes"}
    if verb in irregular:
        return irregular[verb]
    return verb + ("d" if verb.endswith("e") else "ed")


def _freeze_revision(post: Post) -> Revision:
    number = post.current_revision.number + 1 if post.current_revision else 1
    return Revision.objects.create(
        post=post,
        number=number,
        title=post.title,
        body=post.body,
        content_hash=post.content_hash(),
    )


def _audit(
    post: Post,
    *,
    action: str,
    actor: User | None,
    from_state: str,
    reason_code: ReasonCode | None = None,
    note: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        post=post,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=post.state,
        reason_code=reason_code,
        note=note,
        revision=post.current_revision,
    )


def _reason_code(code: str) -> ReasonCode:
    reason = ReasonCode.objects.filter(code=code, active=True).first()
    if reason is None:
        raise ValidationError({"reason_code": "Choose one of the listed reasons."})
    return reason
