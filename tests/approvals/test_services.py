"""The lifecycle through approvals.services: who may fire each transition, what it needs,
what it records."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import services
from approvals.exceptions import Conflict, TransitionRefused
from approvals.models import AuditEntry, Category, Post, State
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

ROLES = ["author", "other_author", "reviewer", "outside_reviewer", "senior", "anonymous"]


def _edit(post):
    return services.post_update(
        post=post,
        by=post.author,
        title=post.title,
        body=post.body + " Edited.",
        category=post.category,
    )


# transition: (state the post starts in, arguments, roles allowed, state it ends in)
MATRIX = {
    "submit": (State.DRAFT, {}, {"author"}, State.SUBMITTED),
    "claim": (State.SUBMITTED, {}, {"reviewer", "senior"}, State.UNDER_REVIEW),
    "release": (State.UNDER_REVIEW, {}, {"reviewer", "senior"}, State.SUBMITTED),
    "approve": (State.UNDER_REVIEW, {"note": "Fine."}, {"reviewer"}, State.APPROVED),
    "reject": (
        State.UNDER_REVIEW,
        {"reason_code": "spam", "note": "Advertising."},
        {"reviewer"},
        State.REJECTED,
    ),
    "request_changes": (
        State.UNDER_REVIEW,
        {"note": "Cite a source."},
        {"reviewer"},
        State.CHANGES_REQUESTED,
    ),
    "resubmit": (State.CHANGES_REQUESTED, {}, {"author"}, State.SUBMITTED),
    "withdraw": (State.SUBMITTED, {}, {"author"}, State.WITHDRAWN),
    "appeal": (State.REJECTED, {"statement": "It is accurate."}, {"author"}, State.APPEALED),
    "overturn": (State.APPEALED, {"note": "Source checks out."}, {"senior"}, State.APPROVED),
    "uphold": (State.APPEALED, {"note": "Still unsourced."}, {"senior"}, State.REJECTED),
    "revoke": (State.APPROVED, {"reason_code": "defamation"}, {"senior"}, State.REVOKED),
}
CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.fixture
def people(author, other_author, reviewer, outside_reviewer, senior):
    return {
        "author": author,
        "other_author": other_author,
        "reviewer": reviewer,
        "outside_reviewer": outside_reviewer,
        "senior": senior,
        "anonymous": AnonymousUser(),
    }


def _post_in(state, people):
    post = PostFactory(
        author=people["author"], state=state, reviewer=people["reviewer"], senior=people["senior"]
    )
    if state == State.CHANGES_REQUESTED:
        post = _edit(post)
    return post


@pytest.mark.parametrize(("transition", "role"), CASES, ids=[f"{t}-{r}" for t, r in CASES])
def test_each_transition_is_allowed_only_to_its_roles(transition, role, people):
    start, args, allowed, end = MATRIX[transition]
    post = _post_in(start, people)
    audit_rows = AuditEntry.objects.count()
    service = getattr(services, f"post_{transition}")

    if role in allowed:
        post = service(post=post, by=people[role], **args)
        assert post.state == end
        assert Post.objects.get(pk=post.pk).state == end
        assert AuditEntry.objects.count() == audit_rows + 1
    else:
        with pytest.raises(PermissionDenied):
            service(post=post, by=people[role], **args)
        assert Post.objects.get(pk=post.pk).state == start
        assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("transition", list(MATRIX))
def test_each_transition_writes_one_audit_entry_with_who_when_from_to_and_why(transition, people):
    start, args, allowed, end = MATRIX[transition]
    post = _post_in(start, people)
    actor = people[sorted(allowed)[0]]
    before = timezone.now()

    post = getattr(services, f"post_{transition}")(post=post, by=actor, **args)

    entry = AuditEntry.objects.filter(post=post).latest("id")
    assert entry.action == f"post.{transition}"
    assert entry.actor == actor
    assert (entry.from_state, entry.to_state) == (start, end)
    assert entry.created_at >= before
    assert entry.revision == post.current_revision
    assert entry.note == args.get("note", args.get("statement", ""))
    assert (entry.reason_code.code if entry.reason_code else None) == args.get("reason_code")


def test_audit_entries_cannot_be_changed_or_deleted(author):
    entry = AuditEntry.objects.get(post=PostFactory(author=author))
    entry.note = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        entry.save()
    with pytest.raises(ValueError, match="immutable"):
        entry.delete()


def test_submitting_freezes_a_revision_with_a_content_hash(author):
    post = services.post_submit(post=PostFactory(author=author, title="T", body="B"), by=author)
    revision = post.current_revision
    assert (revision.number, revision.title, revision.body) == (1, "T", "B")
    assert revision.content_hash == post.content_hash() and len(revision.content_hash) == 64


def test_resubmitting_after_changes_creates_a_new_revision(author, reviewer):
    post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    services.post_update(post=post, by=author, title="Better", body="Sourced.", category="news")
    post = services.post_resubmit(post=post, by=author)
    assert [r.number for r in post.revisions.all()] == [1, 2]
    assert post.current_revision.title == "Better"


def test_resubmitting_without_an_edit_is_refused_with_a_reason(author, reviewer):
    post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    with pytest.raises(TransitionRefused, match="Nothing has changed"):
        services.post_resubmit(post=post, by=author)


def test_a_post_of_category_other_is_cleared_at_submission(author):
    post = PostFactory(author=author, category=Category.OTHER, body="My favourite soup.")
    assert services.post_submit(post=post, by=author).state == State.CLEARED


def test_screening_sends_other_that_reads_like_news_to_the_queue(author):
    post = PostFactory(author=author, category=Category.OTHER, body="Breaking: the election.")
    assert services.post_submit(post=post, by=author).state == State.SUBMITTED


def test_a_repost_of_an_approved_post_is_cleared_at_once(author, other_author, reviewer):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    repost = services.post_create(
        author=other_author, title=original.title, body=original.body, repost_of=original
    )
    assert services.post_submit(post=repost, by=other_author).state == State.CLEARED


def test_a_repost_of_a_post_not_approved_is_reviewed_like_an_original(author, other_author):
    original = PostFactory(author=author, state=State.SUBMITTED)
    repost = services.post_create(
        author=other_author, title=original.title, body=original.body, repost_of=original
    )
    assert services.post_submit(post=repost, by=other_author).state == State.SUBMITTED


def test_second_reviewer_cannot_claim_a_claimed_post_and_is_told_who_has_it(
    author, reviewer, second_reviewer
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with pytest.raises(Conflict, match="Already claimed by Rita Reviewer"):
        services.post_claim(post=post, by=second_reviewer)


def test_deciding_a_post_someone_else_decided_names_them(author, reviewer, second_reviewer):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    with pytest.raises(Conflict, match="Already decided by Rita Reviewer"):
        services.post_reject(post=post, by=second_reviewer, reason_code="spam", note="No.")


def test_reject_needs_a_note_and_a_known_reason(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with pytest.raises(ValidationError) as empty_note:
        services.post_reject(post=post, by=reviewer, reason_code="spam", note="   ")
    assert "note" in empty_note.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.post_reject(post=post, by=reviewer, reason_code="made-up", note="Why")
    assert "reason_code" in unknown.value.message_dict
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW


def test_request_changes_needs_a_note(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with pytest.raises(ValidationError):
        services.post_request_changes(post=post, by=reviewer, note="")


def test_a_decision_can_be_appealed_only_once(author, reviewer, senior):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    post = services.post_uphold(post=post, by=senior, note="Stands.")
    with pytest.raises(TransitionRefused, match="only once"):
        services.post_appeal(post=post, by=author, statement="Again.")


def test_an_appeal_after_the_window_is_refused(author, reviewer, settings):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    late = timezone.now() + settings.APPEAL_WINDOW + timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(TransitionRefused, match="window"):
        services.post_appeal(post=post, by=author, statement="Late.")


def test_the_senior_who_took_the_decision_cannot_decide_its_appeal(author, senior):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=senior)
    with pytest.raises(PermissionDenied):
        services.post_overturn(post=post, by=senior, note="I was right after all.")


def test_another_senior_may_decide_an_appeal_from_any_desk(author, reviewer, second_senior):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    post = services.post_overturn(post=post, by=second_senior, note="Accurate.")
    assert post.state == State.APPROVED


def test_a_submitted_post_cannot_be_edited(author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(Conflict, match="cannot be edited"):
        services.post_update(post=post, by=author, title="Sneaky", body="Edit", category="news")
    assert Post.objects.get(pk=post.pk).title != "Sneaky"


def test_the_database_refuses_a_claim_on_a_post_not_under_review(author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(claimed_by=reviewer)


def test_the_database_refuses_a_review_without_a_claimer(author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=State.UNDER_REVIEW)
