"""Nobody decides their own case: the authorization matrix for the self-dealing roles (an
author who is also a reviewer, a senior, a superuser), for every transition of a post and
every sanction, appeal and account action; superuser status is no way around desks; drafts
are private; the database refuses a claimer or decider who wrote the post."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role, SanctionProposal
from accounts.services import sanctions
from approvals import enforcement, selectors, services
from approvals.exceptions import TransitionRefused
from approvals.models import AuditEntry, Post, State
from tests.approvals.test_services import MATRIX, _edit
from tests.conftest import SENIOR
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

SELF_DEALING = ["author_reviewer", "author_senior", "author_superuser", "superuser"]
AUTHOR_TRANSITIONS = {"submit", "resubmit", "withdraw", "appeal"}


@pytest.fixture
def dealers(desk):
    return {
        "author_reviewer": UserFactory(username="ava", reviewer_on=[desk]),
        "author_senior": UserFactory(username="sid", roles=SENIOR, reviewer_on=[desk]),
        "author_superuser": UserFactory(
            username="root", roles=SENIOR, reviewer_on=[desk], is_staff=True, is_superuser=True
        ),
        "superuser": UserFactory(username="ops", is_staff=True, is_superuser=True),
    }


def _post_for(role, state, dealers, author, reviewer, senior):
    """A post in `state`, written by the self-dealing user (or, for the plain superuser, by
    an ordinary author), moved there by other people."""
    writer = author if role == "superuser" else dealers[role]
    post = PostFactory(author=writer, state=state, reviewer=reviewer, senior=senior)
    if state == State.CHANGES_REQUESTED:
        post = _edit(post)
    return post


CASES = [(name, role) for name in MATRIX for role in SELF_DEALING]


@pytest.mark.parametrize(("transition", "role"), CASES, ids=[f"{t}-{r}" for t, r in CASES])
def test_self_dealing_roles_may_fire_only_their_authors_transitions(
    transition, role, dealers, author, reviewer, senior
):
    start, args, _, end = MATRIX[transition]
    post = _post_for(role, start, dealers, author, reviewer, senior)
    actor = dealers[role]
    audit_rows = AuditEntry.objects.count()
    service = getattr(services, f"post_{transition}")

    may = transition in AUTHOR_TRANSITIONS and role != "superuser"
    if may:
        assert service(post=post, by=actor, **args).state == end
    else:
        with pytest.raises(PermissionDenied):
            service(post=post, by=actor, **args)
        assert Post.objects.get(pk=post.pk).state == start
        assert AuditEntry.objects.count() == audit_rows
    # The buttons follow the same rules.
    fresh = Post.objects.get(pk=post.pk) if may else post
    if not may:
        assert transition not in selectors.available_actions(post=fresh, user=actor)


def test_a_reviewer_who_wrote_a_post_cannot_claim_or_see_it_in_the_queue(dealers, reviewer):
    writer = dealers["author_reviewer"]
    post = PostFactory(author=writer, state=State.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.post_claim(post=post, by=writer)
    assert post not in selectors.review_queue(user=writer)
    assert post in selectors.review_queue(user=reviewer)
    assert "claim" not in selectors.available_actions(post=post, user=writer)


def test_the_database_refuses_a_claimer_or_decider_who_wrote_the_post(author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=State.UNDER_REVIEW, claimed_by=author)
    approved = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=approved.pk).update(decided_by=author)


def test_a_senior_cannot_overturn_the_rejection_of_their_own_post(dealers, reviewer, senior):
    writer = dealers["author_senior"]
    post = PostFactory(author=writer, state=State.APPEALED, reviewer=reviewer)
    with pytest.raises(PermissionDenied):
        services.post_overturn(post=post, by=writer, note="I was right.")
    assert services.post_overturn(post=post, by=senior, note="Sourced.").state == State.APPROVED


def test_a_superuser_cannot_claim_on_a_desk_they_do_not_serve(dealers, author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.post_claim(post=post, by=dealers["superuser"])
    assert not selectors.review_queue(user=dealers["superuser"]).exists()


def test_a_superuser_with_the_reviewer_role_still_needs_the_desk(other_desk, author):
    boss = UserFactory(username="boss", roles=[Role.REVIEWER], is_superuser=True)
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.post_claim(post=post, by=boss)
    services.desk_assign_reviewer(desk=post.desk, user=boss)
    boss = type(boss).objects.get(pk=boss.pk)  # a fresh request: permissions re-read
    assert services.post_claim(post=post, by=boss).state == State.UNDER_REVIEW


def test_a_revoke_of_ones_own_post_is_refused(dealers, reviewer):
    writer = dealers["author_senior"]
    post = PostFactory(author=writer, state=State.APPROVED, reviewer=reviewer)
    with pytest.raises(PermissionDenied):
        services.post_revoke(post=post, by=writer, reason_code="rumour")


# --- sanctions, their appeals, and account-wide actions -----------------------------------


@pytest.fixture
def suspended_senior(dealers, senior):
    """A senior reviewer whom another senior has suspended."""
    subject = dealers["author_senior"]
    sanction = enforcement.sanction_impose(
        user=subject, by=senior, kind="suspension", note="Leaked drafts."
    )
    return subject, sanction


def _proposal(user):
    return SanctionProposal.objects.create(user=user, kind="warning", active_strikes=1)


# Each action: (who acts, about whom, a sanction on that account with an open appeal).
ACCOUNT_ACTIONS = {
    "sanction_apply": lambda by, subject, sanction: sanctions.sanction_apply(
        user=subject, by=by, kind="warning", note="Careful."
    ),
    "proposal_confirm": lambda by, subject, sanction: enforcement.proposal_confirm(
        proposal=_proposal(subject), by=by, note="Fine."
    ),
    "proposal_dismiss": lambda by, subject, sanction: sanctions.proposal_dismiss(
        proposal=_proposal(subject), by=by, note="Not needed."
    ),
    "sanction_lift": lambda by, subject, sanction: sanctions.sanction_lift(
        sanction=sanction, by=by, note="Served enough."
    ),
    "appeal_overturn": lambda by, subject, sanction: sanctions.sanction_appeal_decide(
        sanction=sanction, by=by, overturn=True, note="Unfair."
    ),
    "appeal_uphold": lambda by, subject, sanction: sanctions.sanction_appeal_decide(
        sanction=sanction, by=by, overturn=False, note="Fair."
    ),
    "takedown": lambda by, subject, sanction: enforcement.account_takedown(
        account=subject, by=by, reason_code="rumour"
    ),
    "always_review": lambda by, subject, sanction: enforcement.account_set_always_review(
        account=subject, by=by, on=True, note="Watch this one."
    ),
}


@pytest.mark.parametrize("action", list(ACCOUNT_ACTIONS))
def test_nobody_decides_a_sanction_or_account_action_about_themselves(action, suspended_senior):
    me, sanction = suspended_senior
    sanctions.sanction_appeal(sanction=sanction, by=me, statement="It was not me.")
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        ACCOUNT_ACTIONS[action](me, me, sanction)
    sanction.refresh_from_db()
    assert sanction.is_active() and sanction.appeal_pending
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("action", list(ACCOUNT_ACTIONS))
def test_a_superuser_without_the_senior_role_decides_no_sanction(action, dealers, author, senior):
    sanction = sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    sanctions.sanction_appeal(sanction=sanction, by=author, statement="Satire.")
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        ACCOUNT_ACTIONS[action](dealers["superuser"], author, sanction)
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("action", list(ACCOUNT_ACTIONS))
def test_another_senior_may_take_each_account_action(action, author, senior, second_senior):
    sanction = sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    sanctions.sanction_appeal(sanction=sanction, by=author, statement="Satire.")
    ACCOUNT_ACTIONS[action](second_senior, author, sanction)


def test_the_senior_who_imposed_a_sanction_cannot_decide_its_appeal(author, senior, second_senior):
    sanction = sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    sanctions.sanction_appeal(sanction=sanction, by=author, statement="Satire.")
    with pytest.raises(PermissionDenied):
        sanctions.sanction_appeal_decide(sanction=sanction, by=senior, overturn=True, note="Hm.")
    decided = sanctions.sanction_appeal_decide(
        sanction=sanction, by=second_senior, overturn=True, note="It was satire."
    )
    assert decided.appeal_outcome == "overturned"


def test_a_verifier_cannot_verify_themselves_even_as_superuser():
    from accounts.services import identity_approve, identity_submit

    ops = UserFactory(username="opsy", roles=[Role.OPERATOR], is_superuser=True, verified=False)
    identity = identity_submit(
        user=ops,
        legal_name="Op Erator",
        account_type="individual",
        document_type="passport",
        issuing_country="GB",
        document_number="X1234567",
    )
    with pytest.raises(PermissionDenied):
        identity_approve(identity=identity, by=ops)


# --- drafts are private -------------------------------------------------------------------


def test_a_draft_is_private_to_its_author_until_submitted(client, author, reviewer, senior):
    draft = PostFactory(author=author, title="Secret scoop")
    operator = UserFactory(username="opal", roles=[Role.OPERATOR])
    for person in (reviewer, senior, operator):
        client.force_login(person)
        assert client.get(draft.get_absolute_url()).status_code == 404
    services.post_submit(post=draft, by=author)
    client.force_login(reviewer)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_repost_page_never_shows_the_title_of_a_post_the_viewer_may_not_see(
    client, author, other_author, reviewer
):
    secret = PostFactory(author=other_author, title="Unpublished exclusive")
    repost = services.post_create(
        author=author, title="Look", body="Look at this.", repost_of=secret
    )
    client.force_login(author)
    page = client.get(repost.get_absolute_url()).content.decode()
    assert "Unpublished exclusive" not in page
    with pytest.raises(TransitionRefused, match="reposts"):
        services.post_submit(post=repost, by=author)


def test_a_reviewer_who_lost_the_role_or_desk_cannot_decide_a_post_they_had_claimed(
    author, reviewer, desk
):
    from guardian.shortcuts import remove_perm

    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    remove_perm("approvals.review_desk", reviewer, desk)
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    with pytest.raises(PermissionDenied):
        services.post_approve(post=post, by=reviewer)
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW


def test_resubmitting_asks_what_submitting_asks(author, reviewer, senior):
    from approvals.exceptions import TransitionRefused as Refused

    post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    post = _edit(post)
    sanctions.sanction_apply(user=author, by=senior, kind="limitation", days=30, note="Rumours.")
    with pytest.raises(Refused, match="limited"):
        services.post_resubmit(post=post, by=author)


def test_moving_a_post_to_another_desk_is_audited_and_never_done_by_its_author(
    client, author, other_desk
):
    operator = UserFactory(username="opal", roles=[Role.OPERATOR], is_staff=True)
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.post_move_desk(post=post, by=author, desk=other_desk, note="Mine.")
    services.post_move_desk(post=post, by=operator, desk=other_desk, note="Sport story.")
    entry = AuditEntry.objects.get(post=post, action="post.move_desk")
    assert entry.actor == operator and entry.data["to_desk"] == "sport"
    # The admin's change form no longer edits the desk; only the audited action moves posts.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:approvals_post_change", args=[post.pk])
    client.post(url, {"desk": post.desk_id})
    assert Post.objects.get(pk=post.pk).desk == other_desk
