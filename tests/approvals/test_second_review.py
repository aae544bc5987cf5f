"""The blind second review: which decisions are sampled, what the second reviewer sees (not
the first decision), who may take it (never the author or the first reviewer, in the database
too), disagreements going to a senior, and the agreement rates."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from approvals import quality, services
from approvals import second_review as sr
from approvals.models import (
    AuditEntry,
    Event,
    Post,
    Resolution,
    ReviewDecision,
    SecondReview,
    SecondReviewState,
    State,
)
from approvals.permissions import may_second_review
from approvals.platform import services as platform_services
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db

FIRST_NOTE = "Zebra-crossing note 7731"  # words that appear nowhere else on the pages


@pytest.fixture
def every_decision(settings):
    settings.SECOND_REVIEW_SHARE = 1.0


@pytest.fixture
def no_decision(settings):
    settings.SECOND_REVIEW_SHARE = 0.0


def _claimed(author, reviewer):
    return PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)


def _approved_and_sampled(author, reviewer):
    post = services.post_approve(post=_claimed(author, reviewer), by=reviewer, note=FIRST_NOTE)
    return post, SecondReview.objects.get(post=post)


def _rejected_and_sampled(author, reviewer, reason="rumour"):
    post = services.post_reject(
        post=_claimed(author, reviewer), by=reviewer, reason_code=reason, note=FIRST_NOTE
    )
    return post, SecondReview.objects.get(post=post)


# --- sampling -----------------------------------------------------------------------------


def test_sampling_is_deterministic_and_takes_about_the_share():
    picks = [sr.is_sampled(post_id=i, revision=1, share=0.05) for i in range(1, 4001)]
    assert picks == [sr.is_sampled(post_id=i, revision=1, share=0.05) for i in range(1, 4001)]
    assert 120 <= sum(picks) <= 280  # about 200 of 4000
    assert not any(sr.is_sampled(post_id=i, revision=1, share=0) for i in range(1, 500))
    assert all(sr.is_sampled(post_id=i, revision=1, share=1) for i in range(1, 500))


def test_each_kind_of_decision_is_sampled_with_the_first_decision_copied(
    every_decision, author, reviewer
):
    approved, first = _approved_and_sampled(author, reviewer)
    rejected, second = _rejected_and_sampled(author, reviewer)
    changes = services.post_request_changes(
        post=_claimed(author, reviewer), by=reviewer, note="Name the source."
    )
    third = SecondReview.objects.get(post=changes)

    assert (first.first_decision, first.first_note, first.first_reviewer) == (
        ReviewDecision.APPROVED,
        FIRST_NOTE,
        reviewer,
    )
    assert first.first_reason_code is None and first.state == SecondReviewState.WAITING
    assert first.revision == approved.current_revision and first.author == author
    assert (second.first_decision, second.first_reason_code.code) == ("rejected", "rumour")
    assert third.first_decision == ReviewDecision.CHANGES_REQUESTED
    assert {e.data["post"] for e in AuditEntry.objects.filter(action="second_review.sample")} == {
        approved.pk,
        rejected.pk,
        changes.pk,
    }


def test_no_share_means_no_second_review(no_decision, author, reviewer):
    services.post_approve(post=_claimed(author, reviewer), by=reviewer)
    assert not SecondReview.objects.exists()


def test_sampling_is_in_the_decisions_transaction(every_decision, author, reviewer):
    post = _claimed(author, reviewer)
    with (
        mock.patch("approvals.services.second_review_sample", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.post_approve(post=post, by=reviewer)
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW  # nothing half-done


def test_a_sampled_approval_goes_out_at_once_and_the_second_review_changes_nothing(
    every_decision, author, reviewer, second_reviewer
):
    platform = platform_services.platform_create(name="Chirp")
    link_account(platform=platform, user=author)
    post, review = _approved_and_sampled(author, reviewer)
    assert Event.objects.filter(post=post, type="post.approved").count() == 1

    review = sr.second_review_claim(review=review, by=second_reviewer)
    sr.second_review_decide(
        review=review, by=second_reviewer, decision="rejected", reason_code="spam", note="Spam."
    )

    assert Post.objects.get(pk=post.pk).state == State.APPROVED
    assert Event.objects.filter(post=post).count() == 1


# --- blindness ----------------------------------------------------------------------------


def _assert_blind(html: str, reviewer):
    assert FIRST_NOTE not in html
    assert reviewer.display_name not in html
    # The first reason appears only as one choice of the second reviewer's own form.
    assert html.count("Rumour or unverified claim") <= 1
    assert 'value="rumour" selected' not in html
    assert "Approved" not in html and "Rejected" not in html


def test_second_reviewer_sees_the_post_but_not_the_first_decision(
    every_decision, client, author, reviewer, second_reviewer
):
    post, review = _rejected_and_sampled(author, reviewer)
    client.force_login(second_reviewer)

    listing = client.get(reverse("approvals:second_review_list")).content.decode()
    assert post.title in listing
    _assert_blind(listing, reviewer)

    page = client.get(review.get_absolute_url()).content.decode()
    assert post.title in page and post.body in page
    _assert_blind(page, reviewer)

    client.post(reverse("approvals:second_review_action", args=[review.pk, "claim"]))
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Record my decision" in page
    _assert_blind(page, reviewer)

    # A failed form answers the same blind page.
    failed = client.post(
        reverse("approvals:second_review_action", args=[review.pk, "decide"]),
        {"decision": "approved"},
    ).content.decode()
    assert "Say why you decide this way" in failed
    _assert_blind(failed, reviewer)


def test_post_page_sends_a_possible_second_reviewer_to_the_blind_page(
    every_decision, client, author, reviewer, second_reviewer
):
    post, review = _rejected_and_sampled(author, reviewer)
    client.force_login(second_reviewer)

    response = client.get(post.get_absolute_url())
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    response = client.post(reverse("approvals:post_action", args=[post.pk, "revoke"]))
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    page = client.get(post.get_absolute_url(), follow=True).content.decode()
    _assert_blind(page, reviewer)


def test_post_page_is_open_again_once_the_second_review_is_decided(
    every_decision, client, author, reviewer, second_reviewer
):
    post, review = _rejected_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    sr.second_review_decide(
        review=review, by=second_reviewer, decision="rejected", reason_code="rumour"
    )
    client.force_login(second_reviewer)
    assert client.get(post.get_absolute_url()).status_code == 200


def test_the_first_reviewer_and_the_author_still_see_the_post_page(
    every_decision, client, author, reviewer
):
    post, _review = _rejected_and_sampled(author, reviewer)
    for user in (reviewer, author):
        client.force_login(user)
        response = client.get(post.get_absolute_url())
        assert response.status_code == 200
    # The post's history does not tell its author or its reviewer that it was sampled.
    assert not post.audit_entries.filter(action__startswith="second_review").exists()


def test_the_platform_api_says_nothing_of_a_second_review(
    every_decision, author, reviewer, second_reviewer
):
    from rest_framework.test import APIClient

    platform = platform_services.platform_create(name="Chirp")
    link_account(platform=platform, user=author)
    post, review = _rejected_and_sampled(author, reviewer)
    sr.second_review_claim(review=review, by=second_reviewer)
    key = platform_services.api_key_create(platform=platform).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = api.get(f"/api/v1/posts/{post.pk}/").json()
    assert "second" not in str(body).lower() and second_reviewer.username not in str(body)


# --- who may take it ----------------------------------------------------------------------


def test_first_reviewer_cannot_take_the_second_review(every_decision, author, reviewer):
    _post, review = _approved_and_sampled(author, reviewer)
    assert not may_second_review(review, reviewer)
    with pytest.raises(PermissionDenied):
        sr.second_review_claim(review=review, by=reviewer)
    assert review not in quality.second_reviews_open(user=reviewer)


def test_author_who_is_a_reviewer_of_the_desk_cannot_take_it(every_decision, desk, reviewer):
    writer = UserFactory(username="wendy", display_name="Wendy Writer", reviewer_on=[desk])
    _post, review = _approved_and_sampled(writer, reviewer)
    with pytest.raises(PermissionDenied):
        sr.second_review_claim(review=review, by=writer)
    assert review not in quality.second_reviews_open(user=writer)


def test_reviewer_of_another_desk_cannot_take_it(
    every_decision, client, author, reviewer, outside_reviewer
):
    _post, review = _approved_and_sampled(author, reviewer)
    with pytest.raises(PermissionDenied):
        sr.second_review_claim(review=review, by=outside_reviewer)
    client.force_login(outside_reviewer)
    assert client.get(review.get_absolute_url()).status_code == 404


def test_database_refuses_the_author_or_the_first_reviewer_as_second_reviewer(
    every_decision, author, reviewer
):
    _post, review = _approved_and_sampled(author, reviewer)
    rows = SecondReview.objects.filter(pk=review.pk)
    for user in (reviewer, author):
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(state=SecondReviewState.CLAIMED, reviewer=user)


@pytest.mark.postgres
def test_database_keeps_the_first_decision_and_the_posts_author(
    every_decision, author, other_author, reviewer
):
    post, review = _approved_and_sampled(author, reviewer)
    rows = SecondReview.objects.filter(pk=review.pk)
    with pytest.raises(ProgrammingError), transaction.atomic():
        rows.update(first_decision=ReviewDecision.REJECTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecondReview.objects.create(
            post=post,
            revision=post.current_revision,
            desk=post.desk,
            author=other_author,  # not the post's author: the trigger refuses the copy
            first_decision=ReviewDecision.APPROVED,
            first_reviewer=reviewer,
            first_decided_at=post.decided_at,
        )


def test_second_claim_is_refused_naming_the_claimer(
    every_decision, author, reviewer, second_reviewer, senior
):
    _post, review = _approved_and_sampled(author, reviewer)
    sr.second_review_claim(review=review, by=second_reviewer)
    with pytest.raises(sr.Conflict, match="Already claimed by Rob Reviewer"):
        sr.second_review_claim(review=review, by=senior)


# --- decisions, disagreements, seniors ----------------------------------------------------


def test_same_decision_is_an_agreement(every_decision, author, reviewer, second_reviewer):
    _post, review = _rejected_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    review = sr.second_review_decide(
        review=review, by=second_reviewer, decision="rejected", reason_code="rumour"
    )
    assert review.state == SecondReviewState.AGREED


def test_rejection_for_another_reason_is_a_disagreement_and_needs_a_note(
    every_decision, author, reviewer, second_reviewer
):
    _post, review = _rejected_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    with pytest.raises(ValidationError) as refused:
        sr.second_review_decide(
            review=review, by=second_reviewer, decision="rejected", reason_code="spam"
        )
    assert "note" in refused.value.message_dict
    review = sr.second_review_decide(
        review=review,
        by=second_reviewer,
        decision="rejected",
        reason_code="spam",
        note="It is advertising.",
    )
    assert review.state == SecondReviewState.DISAGREED


def test_only_the_claimer_decides(every_decision, author, reviewer, second_reviewer, senior):
    _post, review = _approved_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    with pytest.raises(PermissionDenied):
        sr.second_review_decide(review=review, by=senior, decision="approved")


def _disagreed(author, reviewer, second_reviewer):
    post, review = _approved_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    review = sr.second_review_decide(
        review=review,
        by=second_reviewer,
        decision="rejected",
        reason_code="rumour",
        note="The quote is invented.",
    )
    return post, review


def test_disagreement_goes_to_a_senior_who_sees_both_decisions(
    every_decision, client, author, reviewer, second_reviewer, senior
):
    _post, review = _disagreed(author, reviewer, second_reviewer)
    assert list(quality.disagreements(user=senior)) == [review]
    client.force_login(senior)

    listing = client.get(reverse("approvals:second_review_list")).content.decode()
    assert "Disagreements to resolve" in listing and review.get_absolute_url() in listing
    page = client.get(review.get_absolute_url()).content.decode()
    for text in (FIRST_NOTE, "The quote is invented.", "Rita Reviewer", "Rob Reviewer"):
        assert text in page
    assert "Resolve the disagreement" in page


def test_a_senior_who_took_a_decision_cannot_resolve(
    every_decision, author, senior, second_reviewer, second_senior
):
    _post, review = _disagreed(author, senior, second_reviewer)
    assert review not in quality.disagreements(user=senior)
    with pytest.raises(PermissionDenied):
        sr.second_review_resolve(
            review=review, by=senior, resolution=Resolution.FIRST, note="Mine was right."
        )
    review = sr.second_review_resolve(
        review=review, by=second_senior, resolution=Resolution.FIRST, note="It was sourced."
    )
    assert review.state == SecondReviewState.RESOLVED and review.resolved_by == second_senior


def test_plain_reviewer_cannot_resolve(every_decision, author, reviewer, second_reviewer, desk):
    _post, review = _disagreed(author, reviewer, second_reviewer)
    third = UserFactory(username="tess", display_name="Tess Third", reviewer_on=[desk])
    with pytest.raises(PermissionDenied):
        sr.second_review_resolve(review=review, by=third, resolution="second", note="No.")


def test_senior_siding_with_the_second_reviewer_revokes_through_the_revoke_service(
    every_decision, client, author, reviewer, second_reviewer, second_senior
):
    post, review = _disagreed(author, reviewer, second_reviewer)
    client.force_login(second_senior)
    response = client.post(
        reverse("approvals:second_review_action", args=[review.pk, "resolve"]),
        {"resolution": "second", "note": "The quote is invented.", "revoke_reason_code": "rumour"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    post.refresh_from_db()
    assert review.state == SecondReviewState.RESOLVED and review.revoked
    assert post.state == State.REVOKED and post.reason_code.code == "rumour"
    revoke = AuditEntry.objects.get(post=post, action="post.revoke")
    assert revoke.actor == second_senior


def test_revoke_is_refused_when_the_first_decision_stands(
    every_decision, author, reviewer, second_reviewer, second_senior
):
    post, review = _disagreed(author, reviewer, second_reviewer)
    with pytest.raises(ValidationError):
        sr.second_review_resolve(
            review=review,
            by=second_senior,
            resolution=Resolution.FIRST,
            note="Fine.",
            revoke_reason_code="rumour",
        )
    assert Post.objects.get(pk=post.pk).state == State.APPROVED
    assert SecondReview.objects.get(pk=review.pk).state == SecondReviewState.DISAGREED


def test_a_refused_revoke_leaves_the_disagreement_open(
    every_decision, author, reviewer, second_reviewer, senior, second_senior
):
    post, review = _disagreed(author, reviewer, second_reviewer)
    services.post_revoke(post=post, by=senior, reason_code="spam")  # already down
    with pytest.raises(sr.Conflict):
        sr.second_review_resolve(
            review=review,
            by=second_senior,
            resolution=Resolution.SECOND,
            note="Down.",
            revoke_reason_code="rumour",
        )
    assert SecondReview.objects.get(pk=review.pk).state == SecondReviewState.DISAGREED


# --- agreement rates ----------------------------------------------------------------------


def test_agreement_rates_per_reviewer_and_per_reason(
    every_decision, author, reviewer, second_reviewer, senior, desk
):
    third = UserFactory(username="tess", display_name="Tess Third", reviewer_on=[desk])
    # Rita: one rejection agreed, one approval disagreed. Tess: one rejection agreed.
    for first, second, reason in (
        (reviewer, second_reviewer, "rumour"),
        (third, second_reviewer, "rumour"),
    ):
        _post, review = _rejected_and_sampled(author, first, reason)
        review = sr.second_review_claim(review=review, by=second)
        sr.second_review_decide(review=review, by=second, decision="rejected", reason_code=reason)
    _disagreed(author, reviewer, second_reviewer)
    _approved_and_sampled(author, reviewer)  # still waiting: not counted

    rates = quality.agreement_rates()

    by_reviewer = {a.label: (a.reviewed, a.agreed, a.rate) for a in rates.by_reviewer}
    assert by_reviewer == {"Rita Reviewer": (2, 1, 0.5), "Tess Third": (1, 1, 1.0)}
    by_reason = {a.label: (a.reviewed, a.agreed) for a in rates.by_reason}
    assert by_reason == {"Approved": (1, 0), "Rumour or unverified claim": (2, 2)}
    assert (rates.overall.reviewed, rates.overall.agreed) == (3, 2)
    assert (rates.waiting, rates.to_resolve) == (1, 1)


def test_quality_page_is_for_seniors_and_operators(
    every_decision, client, author, reviewer, second_reviewer, senior
):
    _disagreed(author, reviewer, second_reviewer)
    client.force_login(reviewer)
    assert client.get(reverse("approvals:quality")).status_code == 403

    client.force_login(senior)
    page = client.get(reverse("approvals:quality")).content.decode()
    assert "Rita Reviewer" in page and "Approved" in page and "0 %" in page

    operator = UserFactory(username="olga", roles=[Role.OPERATOR])
    client.force_login(operator)
    assert client.get(reverse("approvals:quality")).status_code == 200


def test_quality_page_in_chinese(every_decision, client, author, reviewer, second_reviewer, senior):
    _disagreed(author, reviewer, second_reviewer)
    client.force_login(senior)
    senior.language = "zh-hans"
    senior.save()
    try:
        page = client.get(reverse("approvals:quality")).content.decode()
    finally:
        translation.activate("en")  # the request left Chinese active in this thread
    assert "一致率" in page and "批准" in page


def test_post_page_stays_open_to_a_senior_who_may_take_it_down(
    every_decision, client, author, reviewer, senior
):
    post, _review = _approved_and_sampled(author, reviewer)
    client.force_login(senior)
    page = client.get(post.get_absolute_url())
    assert page.status_code == 200 and "Revoke, with its live reposts" in page.content.decode()


def test_post_page_opens_again_once_the_post_is_resubmitted(
    every_decision, client, author, reviewer, second_reviewer
):
    post = services.post_request_changes(
        post=_claimed(author, reviewer), by=reviewer, note="Name the source."
    )
    post.body += " Source: the port authority."
    post.save()
    services.post_resubmit(post=post, by=author)
    client.force_login(second_reviewer)
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200  # where the resubmission is claimed and decided


def test_a_note_with_a_null_character_is_refused_not_a_server_error(
    every_decision, client, author, reviewer, second_reviewer
):
    _post, review = _approved_and_sampled(author, reviewer)
    review = sr.second_review_claim(review=review, by=second_reviewer)
    with pytest.raises(ValidationError):
        sr.second_review_decide(
            review=review, by=second_reviewer, decision="approved", note="a\x00b"
        )
    client.force_login(second_reviewer)
    response = client.post(
        reverse("approvals:second_review_action", args=[review.pk, "decide"]),
        {"decision": "rejected", "reason_code": "rumour", "note": "a\x00b"},
    )
    assert response.status_code == 200
    assert SecondReview.objects.get(pk=review.pk).state == SecondReviewState.CLAIMED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_claiming_one_second_review_exactly_one_wins(
    settings, author, reviewer, second_reviewer, senior
):
    from tests.approvals.test_races import _race

    settings.SECOND_REVIEW_SHARE = 1.0
    for _ in range(5):
        _post, review = _approved_and_sampled(author, reviewer)
        results = _race(
            lambda r=review: sr.second_review_claim(review=r, by=second_reviewer),
            lambda r=review: sr.second_review_claim(review=r, by=senior),
        )
        winners = [r for r in results if isinstance(r, SecondReview)]
        losers = [r for r in results if isinstance(r, sr.Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].message == f"Already claimed by {winners[0].reviewer.name}."
        claims = AuditEntry.objects.filter(
            action="second_review.claim", data__second_review=review.pk
        )
        assert claims.count() == 1
