"""Accounts: verification, the pledge, limited access, strikes, sanctions and appeals."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import selectors, services
from accounts.models import (
    Identity,
    Notification,
    ProposalStatus,
    Role,
    Sanction,
    SanctionProposal,
    Strike,
    VerificationState,
)
from accounts.notifications import send_notification
from approvals import enforcement
from approvals import services as post_services
from approvals.exceptions import TransitionRefused
from approvals.models import AuditEntry, Category, Event, Post, State
from approvals.platform import services as platform_services
from tests.factories import PostFactory, UserFactory, link_account
from tests.mailbox import task_sends

pytestmark = pytest.mark.django_db

DOCUMENT = "P1234567890XY"


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nina", display_name="Nina New", verified=False, pledged=False)


@pytest.fixture
def verifier(db):
    return UserFactory(username="vera", display_name="Vera Verifier", roles=[Role.OPERATOR])


def submit_identity(user, **overrides):
    data = {
        "legal_name": "Nina Newcomb",
        "account_type": "individual",
        "document_type": "passport",
        "issuing_country": "gb",
        "document_number": DOCUMENT,
    } | overrides
    return services.identity_submit(user=user, **data)


def test_the_document_number_never_reaches_the_database_in_clear(newcomer):
    identity = submit_identity(newcomer)
    stored = Identity.objects.filter(pk=identity.pk).values().get()
    assert DOCUMENT not in json.dumps(stored, default=str)
    assert stored["document_last4"] == "90XY"
    assert len(stored["document_hash"]) == 64


def test_one_identity_document_verifies_one_account(newcomer, verifier):
    first = submit_identity(newcomer)
    services.identity_approve(identity=first, by=verifier)
    second_account = UserFactory(username="olga", verified=False)
    second = submit_identity(second_account, legal_name="Olga Otherton")
    assert second.document_hash == first.document_hash
    assert [i.user for i in services.identities_sharing_document(identity=second)] == [newcomer]
    with pytest.raises(ValidationError, match=newcomer.username):
        services.identity_approve(identity=second, by=verifier)
    assert Identity.objects.get(pk=second.pk).state == VerificationState.PENDING


def test_the_document_number_never_reaches_the_logs(client, newcomer, caplog):
    client.force_login(newcomer)
    with caplog.at_level(logging.DEBUG):
        client.post(
            "/accounts/verify/",
            {
                "legal_name": "Nina Newcomb",
                "account_type": "individual",
                "document_type": "passport",
                "issuing_country": "GB",
                "document_number": DOCUMENT,
            },
        )
        client.post("/accounts/verify/", {"document_number": DOCUMENT})  # invalid form too
    assert DOCUMENT not in caplog.text


def test_staff_verify_an_identity_and_the_account_holder_is_told(newcomer, verifier):
    identity = submit_identity(newcomer)
    assert identity.state == VerificationState.PENDING
    identity = services.identity_approve(identity=identity, by=verifier)
    assert identity.state == VerificationState.VERIFIED and identity.decided_by == verifier
    assert [a.to_state for a in identity.audit.all()] == ["pending", "verified"]


def test_staff_cannot_verify_their_own_identity(verifier):
    identity = submit_identity(verifier)
    with pytest.raises(PermissionDenied):
        services.identity_approve(identity=identity, by=verifier)


def test_an_author_cannot_verify_anyone(newcomer, author):
    identity = submit_identity(newcomer)
    with pytest.raises(PermissionDenied):
        services.identity_approve(identity=identity, by=author)


def test_a_rejected_verification_can_be_sent_again(newcomer, verifier):
    identity = submit_identity(newcomer)
    services.identity_reject(identity=identity, by=verifier, note="The photo is unreadable.")
    assert submit_identity(newcomer).state == VerificationState.PENDING


def test_changing_the_legal_name_sends_a_verified_account_back_to_pending(newcomer, verifier):
    services.identity_approve(identity=submit_identity(newcomer), by=verifier)
    identity = submit_identity(newcomer, legal_name="Nina Married-Name")
    assert identity.state == VerificationState.PENDING


def test_organisations_must_give_a_registration_number(newcomer):
    with pytest.raises(ValidationError) as error:
        submit_identity(newcomer, account_type="organisation")
    assert "registration_number" in error.value.message_dict


def test_an_unverified_author_cannot_submit_news_and_is_told_why(newcomer):
    post = PostFactory(author=newcomer)
    with pytest.raises(TransitionRefused) as refused:
        post_services.post_submit(post=post, by=newcomer)
    assert any("Verify your identity" in r for r in refused.value.reasons)
    assert any("Sign the pledge" in r for r in refused.value.reasons)
    assert Post.objects.get(pk=post.pk).state == State.DRAFT


def test_an_unverified_author_may_submit_other_posts_up_to_the_daily_cap(newcomer, settings):
    settings.UNVERIFIED_DAILY_POSTS = 2
    for _ in range(2):
        post = PostFactory(author=newcomer, category=Category.OTHER)
        assert post_services.post_submit(post=post, by=newcomer).state == State.CLEARED
    post = PostFactory(author=newcomer, category=Category.OTHER)
    with pytest.raises(TransitionRefused, match="2 posts a day"):
        post_services.post_submit(post=post, by=newcomer)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert post_services.post_submit(post=post, by=newcomer).state == State.CLEARED


def test_a_new_pledge_version_blocks_news_until_it_is_signed_again(author):
    services.pledge_publish(clauses="Be accurate.\nBe fair.")
    post = PostFactory(author=author)
    with pytest.raises(TransitionRefused, match="pledge has changed"):
        post_services.post_submit(post=post, by=author)
    pledge = selectors.current_pledge()
    services.pledge_sign(
        user=author,
        pledge=pledge,
        typed_name="Alice Author",
        ip_address="127.0.0.1",
        user_agent="t",
    )
    assert post_services.post_submit(post=post, by=author).state == State.SUBMITTED


def test_a_pledge_version_that_is_not_yet_in_force_blocks_nothing(author):
    services.pledge_publish(clauses="Later.", effective_at=timezone.now() + timedelta(days=7))
    post = PostFactory(author=author)
    assert post_services.post_submit(post=post, by=author).state == State.SUBMITTED


def test_signing_needs_the_verified_legal_name(author):
    pledge = services.pledge_publish(clauses="Be accurate.")
    with pytest.raises(ValidationError, match="legal name"):
        services.pledge_sign(
            user=author, pledge=pledge, typed_name="Someone Else", ip_address=None, user_agent=""
        )
    signature = services.pledge_sign(
        user=author,
        pledge=pledge,
        typed_name="alice author",
        ip_address="10.0.0.1",
        user_agent="UA",
    )
    assert (signature.ip_address, signature.user_agent) == ("10.0.0.1", "UA")


def _reject_and_uphold(author, reviewer, senior, reason="rumour"):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    post = post_services.post_reject(post=post, by=reviewer, reason_code=reason, note="No.")
    post = post_services.post_appeal(post=post, by=author, statement="It is true.")
    return post_services.post_uphold(post=post, by=senior, note="Still no.")


def test_an_upheld_rejection_for_a_violation_is_a_strike(author, reviewer, senior):
    post = _reject_and_uphold(author, reviewer, senior)
    strike = Strike.objects.get(post=post)
    assert strike.user == author and strike.reason_code.code == "rumour"


def test_a_rejection_for_a_reason_that_is_no_violation_is_no_strike(author, reviewer, senior):
    _reject_and_uphold(author, reviewer, senior, reason="other")
    assert not Strike.objects.exists()


def test_a_rejection_not_appealed_in_time_becomes_a_strike(author, reviewer, settings):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    assert services.strikes_for_lapsed_appeals() == 0
    with time_machine.travel(timezone.now() + settings.APPEAL_WINDOW + timedelta(hours=1)):
        assert services.strikes_for_lapsed_appeals() == 1
        assert services.strikes_for_lapsed_appeals() == 0  # idempotent
    assert Strike.objects.get().post == post


def test_strikes_decay(author, reviewer, senior, settings):
    _reject_and_uphold(author, reviewer, senior)
    assert selectors.active_strikes(user=author).count() == 1
    with time_machine.travel(timezone.now() + settings.STRIKE_LIFETIME + timedelta(minutes=1)):
        assert selectors.active_strikes(user=author).count() == 0


def test_the_policy_proposes_and_nothing_is_applied_without_confirmation(author, reviewer, senior):
    _reject_and_uphold(author, reviewer, senior)
    proposal = SanctionProposal.objects.get()
    assert (proposal.kind, proposal.status) == ("warning", ProposalStatus.PROPOSED)
    assert not Sanction.objects.exists()
    assert selectors.account_standing(user=author).kind == "good"

    sanction = services.proposal_confirm(proposal=proposal, by=senior, note="First strike.")
    assert sanction.kind == "warning"
    assert selectors.account_standing(user=author).kind == "warned"


def test_three_strikes_propose_a_limitation(author, reviewer, senior, settings):
    for _ in range(3):
        _reject_and_uphold(author, reviewer, senior)
    kinds = list(SanctionProposal.objects.order_by("created_at").values_list("kind", "days"))
    assert kinds == [("warning", None), ("limitation", 30)]


def test_a_dismissed_proposal_applies_nothing(author, reviewer, senior):
    _reject_and_uphold(author, reviewer, senior)
    proposal = SanctionProposal.objects.get()
    services.proposal_dismiss(proposal=proposal, by=senior, note="A one-off.")
    assert not Sanction.objects.exists()
    with pytest.raises(ValidationError):
        services.proposal_confirm(proposal=proposal, by=senior, note="Changed my mind.")


def test_a_limited_account_cannot_submit_news_until_the_date(author, senior):
    services.sanction_apply(user=author, by=senior, kind="limitation", days=30, note="Rumours.")
    post = PostFactory(author=author)
    with pytest.raises(TransitionRefused, match="limited until"):
        post_services.post_submit(post=post, by=author)
    other = PostFactory(author=author, category=Category.OTHER)
    assert post_services.post_submit(post=other, by=author).state == State.CLEARED
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert post_services.post_submit(post=post, by=author).state == State.SUBMITTED


def test_a_suspension_withdraws_waiting_posts_and_blocks_submission(author, reviewer, senior):
    waiting = PostFactory(author=author, state=State.SUBMITTED)
    claimed = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    approved = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)

    enforcement.sanction_impose(user=author, by=senior, kind="suspension", note="Repeated rumours.")

    for post in (waiting, claimed):
        assert Post.objects.get(pk=post.pk).state == State.WITHDRAWN
        entry = AuditEntry.objects.filter(post=post).latest("seq")
        assert (entry.action, entry.actor) == ("post.withdraw", senior)
        assert "suspended" in entry.note
    assert Post.objects.get(pk=approved.pk).state == State.APPROVED
    with pytest.raises(TransitionRefused, match="suspended"):
        post_services.post_submit(post=PostFactory(author=author), by=author)


def test_only_senior_reviewers_apply_sanctions(author, reviewer, other_author):
    with pytest.raises(PermissionDenied):
        services.sanction_apply(user=other_author, by=reviewer, kind="warning", note="No.")


def test_platforms_hear_about_sanctions_and_reinstatements(author, senior, receiver):
    platform = platform_services.platform_create(name="Chirp")
    platform_services.endpoint_create(platform=platform, url=receiver.url)
    link_account(platform=platform, user=author, platform_user_id="chirp-7")
    sanction = services.sanction_apply(user=author, by=senior, kind="suspension", note="Bad.")
    services.sanction_lift(sanction=sanction, by=senior, note="Served.")
    events = [json.loads(e.body) for e in Event.objects.order_by("id")]
    assert [e["type"] for e in events] == ["account.sanctioned", "account.reinstated"]
    assert events[0]["data"]["account"] == {"username": "alice", "platform_user_id": "chirp-7"}
    assert events[0]["data"]["standing"] == "suspended"
    assert events[1]["data"]["standing"] == "good"


def test_a_sanction_can_be_appealed_once_within_the_window(author, senior, settings):
    sanction = services.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    services.sanction_appeal(sanction=sanction, by=author, statement="It was satire.")
    with pytest.raises(ValidationError, match="only once"):
        services.sanction_appeal(sanction=sanction, by=author, statement="Again.")

    late = services.sanction_apply(user=author, by=senior, kind="warning", note="Again.")
    after_window = timezone.now() + settings.APPEAL_WINDOW + timedelta(hours=1)
    with time_machine.travel(after_window), pytest.raises(ValidationError, match="window"):
        services.sanction_appeal(sanction=late, by=author, statement="Late.")


def test_the_senior_who_imposed_a_sanction_cannot_decide_its_appeal(author, senior):
    sanction = services.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    services.sanction_appeal(sanction=sanction, by=author, statement="Satire.")
    with pytest.raises(PermissionDenied):
        services.sanction_appeal_decide(sanction=sanction, by=senior, overturn=True, note="Hm.")


def test_an_overturned_appeal_restores_standing_and_removes_the_strikes(
    author, reviewer, senior, second_senior
):
    second_senior.groups.add(*senior.groups.all())
    for _ in range(3):
        _reject_and_uphold(author, reviewer, senior)
    limitation = SanctionProposal.objects.get(kind="limitation")
    sanction = services.proposal_confirm(proposal=limitation, by=senior, note="Three strikes.")
    assert selectors.account_standing(user=author).kind == "limited"

    services.sanction_appeal(sanction=sanction, by=author, statement="Sources were sound.")
    services.sanction_appeal_decide(
        sanction=sanction, by=second_senior, overturn=True, note="Sources check out."
    )

    assert selectors.account_standing(user=author).kind == "good"
    assert selectors.active_strikes(user=author).count() == 0


def test_overturning_a_post_rejection_on_appeal_leaves_no_strike(author, reviewer, senior):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    post_services.post_overturn(post=post, by=senior, note="Accurate.")
    assert not Strike.objects.exists()


def test_the_author_gets_an_email_for_a_decision(author, reviewer, mailoutbox):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    post_services.post_reject(post=post, by=reviewer, reason_code="rumour", note="Name a source.")
    notification = Notification.objects.get(user=author)  # written with the decision
    assert send_notification(notification.pk) == "sent"  # what the task queued on commit does
    assert send_notification(notification.pk) == "skipped"  # and only once
    (mail,) = mailoutbox
    assert mail.to == [author.email]
    assert "Rumour or unverified claim" in mail.body and "Name a source." in mail.body


def test_every_decision_on_a_post_queues_an_email_to_its_author(
    author, reviewer, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        post_services.post_request_changes(post=post, by=reviewer, note="Cite it.")
    notification = Notification.objects.get(user=author, sent_at__isnull=True)
    assert notification.context["note"] == "Cite it."
    assert len(task_sends(callbacks)) == 1  # the send, queued for after the commit


def test_an_author_is_not_emailed_about_their_own_withdrawal(
    author, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with django_capture_on_commit_callbacks() as callbacks:
        post_services.post_withdraw(post=post, by=author)
    assert not Notification.objects.exists() and not callbacks
