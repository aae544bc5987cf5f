"""Bulk actions from the review queue: approve, reject (one reason and note) or release many
posts at once.

Each post goes through its own service (`services.post_approve`, …), in its own transaction,
with its own transition, audit entry and outbox event: one post that fails (decided by
someone else a moment ago, written by the reviewer, on a desk they do not serve) is reported
and does not undo the others. The services stay the authority on who may do what; the checks
here only choose the clearest sentence for a refusal the service would give anyway.

Approving or rejecting a post the reviewer has not claimed yet claims it first, then decides
it, both in one transaction: the graph is kept (submitted → under review → decided, two audit
entries, "claimed" and the decision), the claim's checks (desk, not the author) apply, and a
post that cannot be decided is not left claimed. A post someone else holds is left to them
("Already claimed by Rob").
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import holds
from approvals import services
from approvals.exceptions import ServiceError, TransitionRefused
from approvals.forms import _reason_choices
from approvals.models import Post, State
from approvals.permissions import may_view, serves_desk

logger = logging.getLogger(__name__)

BULK_LIMIT = 100  # posts per request: a page of the queue is far fewer
MAX_ID = 2**63 - 1  # a primary key (bigint); anything larger is no post, and no query

ACTIONS = {
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "release": gettext_lazy("Release"),
}

DONE = {
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
    "release": gettext_lazy("Released"),
}


class BulkForm(forms.Form):
    """The queue's bulk form: which posts, what to do, and for a rejection why."""

    action = forms.ChoiceField(
        choices=list(ACTIONS.items()),
        error_messages={
            "required": gettext_lazy("Choose what to do with the selected posts."),
            "invalid_choice": gettext_lazy("Choose what to do with the selected posts."),
        },
    )
    post = forms.Field(required=False, widget=forms.MultipleHiddenInput)  # ids: clean_post
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason"), required=False, choices=())
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = _reason_choices

    def clean_post(self) -> list[int]:
        # Any integer id is accepted here; whether it is a post the reviewer may act on is
        # answered per post, by the services.
        raw = self.cleaned_data.get("post") or []
        if isinstance(raw, str):
            raw = [raw]
        try:
            ids = list(dict.fromkeys(int(value) for value in raw))  # unique, in order
        except (TypeError, ValueError):
            ids = None
        if ids is None or any(not 0 < pk <= MAX_ID for pk in ids):
            raise ValidationError(_("The selection is not valid; reload the queue."))
        if not ids:
            raise ValidationError(_("Select at least one post."))
        if len(ids) > BULK_LIMIT:
            raise ValidationError(
                _(
                    "You selected %(count)d posts; at most %(limit)d can be handled at once. "
                    "Select fewer and try again."
                )
                % {"count": len(ids), "limit": BULK_LIMIT}
            )
        return ids

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject":
            if not data.get("reason_code"):
                self.add_error("reason_code", _("Choose a reason for the rejection."))
            if not (data.get("note") or "").strip():
                self.add_error("note", _("Write a note: the authors will read it."))
        return data


@dataclass(frozen=True)
class Outcome:
    """What happened to one post: shown as one line of the result."""

    post_id: int
    title: str  # empty when the reviewer may not see the post
    url: str
    done: bool
    message: str


def bulk_act(
    *, by: User, action: str, post_ids: Iterable[int], reason_code: str = "", note: str = ""
) -> list[Outcome]:
    """Apply `action` to each post in turn, each through its own service and transaction."""
    post_ids = list(post_ids)
    if action not in ACTIONS:
        raise ValueError(action)
    if len(post_ids) > BULK_LIMIT:
        raise ValidationError(_("At most %(limit)d posts at once.") % {"limit": BULK_LIMIT})
    posts = Post.objects.select_related("author", "desk", "claimed_by", "decided_by").in_bulk(
        post_ids
    )
    return [
        _act_on_one(posts.get(pk), pk, by=by, action=action, reason_code=reason_code, note=note)
        for pk in post_ids
    ]


def _act_on_one(
    post: Post | None, pk: int, *, by: User, action: str, reason_code: str, note: str
) -> Outcome:
    if post is None or not may_view(post, by):
        # Not a word about a post the reviewer may not see, not even its title.
        return Outcome(pk, "", "", False, _("Not found among the posts you may act on."))
    refusal = _refusal(post, by=by, action=action)
    if refusal:
        return _outcome(post, False, refusal)
    try:
        _run(post, by=by, action=action, reason_code=reason_code, note=note)
    except TransitionRefused as error:
        return _outcome(post, False, " ".join(error.reasons))
    except ServiceError as error:  # Conflict: "Already decided by Sam (approved)."
        return _outcome(post, False, error.message)
    except PermissionDenied as error:
        return _outcome(post, False, str(error) or _("You may not act on this post."))
    except ValidationError as error:
        return _outcome(post, False, " ".join(error.messages))
    except Exception:  # one broken post must not hide what happened to the others
        logger.exception("bulk %s failed on post %s", action, post.pk)
        return _outcome(post, False, _("Something went wrong; nothing was changed. Try again."))
    return _outcome(post, True, str(DONE[action]))


def _refusal(post: Post, *, by: User, action: str) -> str:
    """The clearest sentence for a post the service would refuse; "" to let it decide."""
    if post.author_id == by.pk:
        return _("You wrote this post.")
    held_by_another = post.state == State.UNDER_REVIEW and post.claimed_by_id != by.pk
    if action == "release":
        if post.state == State.SUBMITTED:
            return _("You have not claimed this post.")
        if held_by_another and not holds(by, "approvals.release_any_claim"):
            return _("Already claimed by %(name)s.") % {"name": post.claimed_by.name}
        return ""  # the service has the last word
    if held_by_another:
        return _("Already claimed by %(name)s.") % {"name": post.claimed_by.name}
    if post.state == State.SUBMITTED and not serves_desk(post, by):
        return _("This post is on a desk you do not serve.")
    return ""


def _run(post: Post, *, by: User, action: str, reason_code: str, note: str) -> None:
    if action == "release":
        services.post_release(post=post, by=by)
        return
    # One transaction per post: its claim (if it needs one) and its decision together.
    with transaction.atomic():
        if post.state == State.SUBMITTED:
            post = services.post_claim(post=post, by=by)
        if action == "approve":
            services.post_approve(post=post, by=by, note=note)
        else:
            services.post_reject(post=post, by=by, reason_code=reason_code, note=note)


def _outcome(post: Post, done: bool, message: str) -> Outcome:
    return Outcome(post.pk, post.title, post.get_absolute_url(), done, message)
