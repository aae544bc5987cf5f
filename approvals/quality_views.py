"""Pages of the blind second review and the agreement rates. Read through approvals.quality,
change through approvals.second_review."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import holds
from approvals import forms as f
from approvals import quality
from approvals import second_review as sr
from approvals.exceptions import ServiceError
from approvals.models import (
    ReviewDecision,
    SecondReview,
    SecondReviewState,
)
from approvals.pagination import window_page
from approvals.permissions import (
    is_second_reviewer,
    may_resolve_second_review,
    may_second_review,
    may_see_quality,
)
from approvals.views import _add_errors


def _reviewer_or_senior(user) -> None:
    if not (holds(user, "approvals.review_post") or may_see_quality(user)):
        raise PermissionDenied(_("Second reviews are for reviewers."))


@login_required
def second_review_list(request: HttpRequest) -> HttpResponse:
    """Second reviews the reviewer may take (blind), and, for seniors, disagreements."""
    _reviewer_or_senior(request.user)
    page = window_page(
        quality.second_reviews_open(user=request.user),
        request.GET.get("page"),
        settings.REVIEW_QUEUE_PAGE_SIZE,
    )
    is_senior = holds(request.user, "approvals.decide_appeal")
    context = {
        "page": page,
        "query": "",
        "is_senior": is_senior,
        "disagreements": (list(quality.disagreements(user=request.user)[:50]) if is_senior else []),
    }
    return render(request, "approvals/second_review_list.html", context)


@login_required
def second_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk)


def _render(request: HttpRequest, pk: int, *, failed: tuple[str, object] | None = None):
    """The blind page for whoever may take or holds the review while it is open; the full page
    for a senior who may resolve it (or read it, once decided). Anyone else: not found."""
    _reviewer_or_senior(request.user)
    user = request.user
    try:
        review = quality.second_review_blind(pk=pk)
    except SecondReview.DoesNotExist as error:
        raise Http404 from error
    if review.is_open and may_second_review(review, user) and review.reviewer_id in (None, user.pk):
        form = failed[1] if failed and failed[0] == "decide" else f.SecondReviewForm()
        context = {"review": review, "form": form, "mine": is_second_reviewer(review, user)}
        return render(request, "approvals/second_review_blind.html", context)
    if review.is_open or not (
        may_resolve_second_review(review, user)
        or (review.state != SecondReviewState.DISAGREED and may_see_quality(user))
    ):
        raise Http404
    review = quality.second_review_full(pk=pk)
    can_resolve = review.state == SecondReviewState.DISAGREED and may_resolve_second_review(
        review, user
    )
    can_revoke = can_resolve and review.first_decision == ReviewDecision.APPROVED
    resolving = failed is not None and failed[0] == "resolve"
    form = failed[1] if resolving else f.ResolveForm(can_revoke=can_revoke)
    context = {"review": review, "form": form, "can_resolve": can_resolve}
    return render(request, "approvals/second_review_resolve.html", context)


@login_required
@require_POST
def second_review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _reviewer_or_senior(request.user)
    try:
        review = SecondReview.objects.only("id", "first_decision").get(pk=pk)
    except SecondReview.DoesNotExist as error:
        raise Http404 from error
    form = None
    if action == "claim":
        call, args, done = sr.second_review_claim, {}, _("Claimed. Decide it as if it were new.")
    elif action == "release":
        call, args, done = sr.second_review_release, {}, _("Released.")
    elif action == "decide":
        form = f.SecondReviewForm(request.POST)
        call, done = sr.second_review_decide, _("Thank you: your decision is recorded.")
    elif action == "resolve":
        can_revoke = review.first_decision == ReviewDecision.APPROVED
        form = f.ResolveForm(request.POST, can_revoke=can_revoke)
        call, done = sr.second_review_resolve, _("Resolved.")
    else:
        raise Http404
    if form is not None:
        if not form.is_valid():
            return _render(request, pk, failed=(action, form))
        args = form.cleaned_data
    try:
        review = call(review=review, by=request.user, **args)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("approvals:second_review_list")
        _add_errors(form, error)
        return _render(request, pk, failed=(action, form))
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error) or _("Not allowed."))
        return redirect("approvals:second_review_list")
    messages.success(request, done)
    if action == "claim":
        return redirect(review)
    return redirect("approvals:second_review_list")


@login_required
def quality_page(request: HttpRequest) -> HttpResponse:
    """Agreement per reviewer and per reason: senior reviewers and operators."""
    if not may_see_quality(request.user):
        raise PermissionDenied(_("The quality figures are for senior reviewers and operators."))
    return render(request, "approvals/quality.html", {"rates": quality.agreement_rates()})
