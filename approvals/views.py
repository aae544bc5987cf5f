"""Author and reviewer pages. Views read through selectors and change through services."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import eligibility
from accounts.roles import holds
from approvals import bulk, quality, selectors, services
from approvals import forms as f
from approvals.conditions import unmet_conditions
from approvals.diff import revision_changes
from approvals.exceptions import ServiceError, TransitionRefused
from approvals.models import QUEUE_STATES, Post, State, state_in_sentence
from approvals.next_steps import next_steps
from approvals.pagination import window_page
from approvals.permissions import may_escalate, may_view, serves_desk


@dataclass(frozen=True)
class Action:
    """A button on the post page: the service it calls and the form it needs, if any."""

    service: Callable[..., Post]
    done: str  # the message once done; %(state)s: the post's state now
    form: type[forms.Form] | None = None


ACTIONS: dict[str, Action] = {
    "submit": Action(
        services.post_submit,
        gettext_lazy("Submitted. The post is now %(state)s."),
        f.AuthorNoteForm,
    ),
    "withdraw": Action(services.post_withdraw, gettext_lazy("Withdrawn.")),
    "resubmit": Action(
        services.post_resubmit, gettext_lazy("Resubmitted for review."), f.AuthorNoteForm
    ),
    "appeal": Action(services.post_appeal, gettext_lazy("Appeal sent."), f.AppealForm),
    "claim": Action(services.post_claim, gettext_lazy("Claimed. The post is yours to decide.")),
    "release": Action(services.post_release, gettext_lazy("Released back to the queue.")),
    "approve": Action(services.post_approve, gettext_lazy("Approved."), f.ApproveForm),
    "reject": Action(services.post_reject, gettext_lazy("Rejected."), f.RejectForm),
    "request_changes": Action(
        services.post_request_changes, gettext_lazy("Changes requested."), f.RequestChangesForm
    ),
    "overturn": Action(
        services.post_overturn,
        gettext_lazy("Overturned on appeal: the post is approved."),
        f.NoteForm,
    ),
    "uphold": Action(
        services.post_uphold,
        gettext_lazy("Upheld on appeal: the post stays %(state)s."),
        f.NoteForm,
    ),
    "revoke": Action(
        services.post_revoke, gettext_lazy("Taken down, with its live reposts."), f.RevokeForm
    ),
    "reclassify": Action(
        services.post_reclassify, gettext_lazy("Category changed."), f.ReclassifyForm
    ),
    "escalate": Action(
        services.post_escalate,
        gettext_lazy("Escalated: the senior reviewers have been told."),
        f.EscalateForm,
    ),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if holds(request.user, "approvals.review_post"):
        return redirect("approvals:queue")
    return redirect("approvals:my_posts")


# --- account holders ----------------------------------------------------------------------


@login_required
def my_posts(request: HttpRequest) -> HttpResponse:
    posts = selectors.posts_of_author(author=request.user)
    page = Paginator(posts, 25).get_page(request.GET.get("page"))
    context = {"page": page, "allowance_left": eligibility.daily_allowance_left(request.user)}
    return render(request, "approvals/my_posts.html", context)


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    form = f.PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Submit it when it is ready."))
            return redirect(post)
    return _render_post_form(request, form)


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible_post(request, pk)
    if post.author_id != request.user.pk:
        raise Http404
    form = f.PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(post=post, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect(post)
        else:
            messages.success(request, _("Saved."))
            return redirect(post)
    elif not post.is_editable:
        messages.error(
            request,
            _("This post is %(state)s; it cannot be edited.")
            % {"state": state_in_sentence(post.state)},
        )
        return redirect(post)
    return _render_post_form(request, form, post)


def _render_post_form(request: HttpRequest, form: forms.Form, post: Post | None = None):
    """The draft form, with what the account may submit explained before anything is written:
    per category, what stops it (shown for the category picked; static/js/eligibility.js
    follows the choice), and for an unverified account the posts left today."""
    context = {"form": form, "post": post}
    if post is None or post.state == State.DRAFT:
        context["eligibility"] = eligibility.blockers_by_category(request.user)
        context["allowance_left"] = eligibility.daily_allowance_left(request.user)
    return render(request, "approvals/post_form.html", context)


# --- the post page and its actions --------------------------------------------------------


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible_post(request, pk)
    blind = quality.blind_second_review_for(post=post, user=request.user)
    if blind is not None:  # the decision, its reviewer and note are not for them yet
        messages.info(request, _("This post is in a blind second review you may take."))
        return redirect(blind)
    return _render_post(request, post)


@login_required
@require_POST
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    post = _visible_post(request, pk)
    blind = quality.blind_second_review_for(post=post, user=request.user)
    if blind is not None:
        return redirect(blind)
    spec = ACTIONS[action]
    form = spec.form(request.POST, prefix=action) if spec.form else None
    if form is not None and not form.is_valid():
        return _render_post(request, post, failed=(action, form))
    data = form.cleaned_data if form is not None else {}
    try:
        post = spec.service(post=post, by=request.user, **data)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect(post)
        _add_errors(form, error)
        return _render_post(request, post, failed=(action, form))
    except TransitionRefused as error:
        messages.error(request, " ".join(error.reasons))
        return redirect(post)
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error) or _("Not allowed."))
        return redirect(post)
    messages.success(request, str(spec.done) % {"state": state_in_sentence(post.state)})
    if action in DECISIONS:
        return _to_next_post(request, decided=post)
    return redirect(post)


# After these, the reviewer goes on to their next post rather than staying on this one.
DECISIONS = {"approve", "reject", "request_changes"}


def _to_next_post(request: HttpRequest, *, decided: Post) -> HttpResponse:
    """Where a reviewer lands after a decision: their next claimed post, else the post "Claim
    next" would give them, opened but not claimed (one click or `c` claims it: nobody holds a
    post they never asked for when their shift ends, and reviewers working side by side do not
    take each other's next post), else the queue."""
    user = request.user
    following = selectors.review_queue(user=user, mine=True).exclude(pk=decided.pk).first()
    if following is not None:
        messages.info(
            request,
            _("Next: “%(title)s”, which you have claimed.") % {"title": following.title},
        )
    else:
        following = (
            selectors.returned_to(user=user).first() or selectors.claimable_queue(user=user).first()
        )
        if following is not None:
            messages.info(
                request,
                _("Next: “%(title)s”, first in your queue: claim it to decide it.")
                % {"title": following.title},
            )
    if following is None:
        messages.info(request, _("That was the last post waiting on your desks."))
        url = reverse("approvals:queue")
    else:
        url = following.get_absolute_url()
    # htmx would swap the next post into this page under the old address: load it instead.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _render_post(
    request: HttpRequest, post: Post, failed: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    forms_by_action = {
        name: spec.form(prefix=name) for name, spec in ACTIONS.items() if spec.form is not None
    }
    if failed is not None:
        name, form = failed
        forms_by_action[name] = form
    user = request.user
    original = post.repost_of
    revisions = post.revisions.all()  # one query, for the page and the diff
    context = {
        "post": post,
        "actions": selectors.available_actions(post=post, user=user),
        "can_reclassify": post.state in QUEUE_STATES and serves_desk(post, user),
        "can_escalate": (
            post.state in QUEUE_STATES and post.escalated_at is None and may_escalate(post, user)
        ),
        # Only reviewers see what screening found; nobody sees a post they may not read.
        "show_screening": post.author_id != user.pk and post.screening_score is not None,
        "original": original if original is not None and may_view(original, user) else None,
        "forms": forms_by_action,
        "failed": failed[0] if failed else None,
        "history": selectors.post_history(post=post),
        "revisions": revisions,
        "changes": revision_changes(revisions, request.GET.get("compare")),
        "is_author": post.author_id == user.pk,
        "next_steps": next_steps(post) if post.author_id == user.pk else None,
        "submit_blockers": (
            unmet_conditions(post, "submit")
            if post.state == State.DRAFT and post.author_id == user.pk
            else []
        ),
    }
    return render(request, "approvals/post_detail.html", context)


def _visible_post(request: HttpRequest, pk: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related(
            "author__identity",
            "desk",
            "claimed_by",
            "decided_by",
            "reason_code",
            "current_revision",
            "repost_of",
            "reserved_for",
        ),
        pk=pk,
    )
    if not may_view(post, request.user):
        raise Http404  # do not tell strangers the post exists
    return post


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- reviewers ----------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, "approvals.review_post"):
        raise PermissionDenied(_("The review queue is for reviewers."))
    desks = selectors.desks_for_reviewer(user=request.user)
    form = f.QueueFilterForm(request.GET or None, desks=desks)
    filters = form.cleaned_data if form.is_valid() else {}
    mine = request.GET.get("mine") == "1"
    posts = selectors.review_queue(
        user=request.user,
        desk=filters.get("desk"),
        category=filters.get("category", ""),
        state=filters.get("state", ""),
        mine=mine,
    )
    page = window_page(posts, request.GET.get("page"), settings.REVIEW_QUEUE_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "desks": desks,
        "counts": selectors.waiting_counts(desks=desks),
        "mine": mine,
        "query": query.urlencode(),
        "bulk_form": bulk.BulkForm(),
        "bulk_limit": bulk.BULK_LIMIT,
    }
    return render(request, "approvals/queue.html", context)


@login_required
@require_POST
def claim_next(request: HttpRequest) -> HttpResponse:
    """Claim the first post the reviewer may take, in queue order, and open it."""
    if not holds(request.user, "approvals.review_post"):
        raise PermissionDenied(_("The review queue is for reviewers."))
    post = services.post_claim_next(by=request.user)
    if post is None:
        messages.info(request, _("Nothing is waiting for a claim on your desks."))
        return redirect("approvals:queue")
    messages.success(request, _("Claimed. The post is yours to decide."))
    return redirect(post)


@login_required
def appeals(request: HttpRequest) -> HttpResponse:
    """Appealed rejections, for senior reviewers: their own queue, not mixed into review."""
    if not holds(request.user, "approvals.decide_appeal"):
        raise PermissionDenied(_("Appeals are decided by senior reviewers."))
    posts = selectors.appeal_queue(user=request.user)
    page = window_page(posts, request.GET.get("page"), settings.REVIEW_QUEUE_PAGE_SIZE)
    return render(request, "approvals/appeals.html", {"page": page, "query": ""})


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Approve, reject or release the posts selected in the queue; each post through its own
    service and transaction (approvals.bulk), the result listed per post."""
    if not holds(request.user, "approvals.review_post"):
        raise PermissionDenied(_("The review queue is for reviewers."))
    form = bulk.BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back_to_queue(request))
    data = form.cleaned_data
    outcomes = bulk.bulk_act(
        by=request.user,
        action=data["action"],
        post_ids=data["post"],
        reason_code=data.get("reason_code") or "",
        note=data.get("note") or "",
    )
    done = sum(1 for outcome in outcomes if outcome.done)
    context = {
        "outcomes": outcomes,
        "action": data["action"],
        "done": done,
        "failed": len(outcomes) - done,
        "back": _back_to_queue(request),
    }
    return render(request, "approvals/bulk_result.html", context)


def _back_to_queue(request: HttpRequest) -> str:
    """The queue as the reviewer left it (filters kept), never another site."""
    query = QueryDict(request.POST.get("query", "")).urlencode()  # re-encoded: a query only
    url = reverse("approvals:queue")
    return f"{url}?{query}" if query else url
