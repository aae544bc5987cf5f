"""The queue's order (escalated first, then the nearest deadline brought forward by screening,
then age), escalation by beat and by hand, and idle claims released by beat. Frozen time with
time-machine (already in the dev dependencies): deadlines and idle windows are crossed by
moving the clock, never by waiting."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from approvals import selectors, services, tasks
from approvals.exceptions import Conflict
from approvals.models import AuditEntry, Category, Post, State
from approvals.priority import screening_lead
from tests.factories import PostFactory, UserFactory
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NEWSY_TITLE = "Prime minister resigns"
NEWSY_BODY = "The prime minister announced her resignation at a press conference today."


def at(hours: float = 0, minutes: float = 0):
    """Freeze the clock at T0 plus this much."""
    return time_machine.travel(T0 + timedelta(hours=hours, minutes=minutes), tick=False)


def waiting(author, title, **kwargs) -> Post:
    return PostFactory(author=author, state=State.SUBMITTED, title=title, **kwargs)


def titles(posts) -> list[str]:
    return [p.title for p in posts]


# --- priority ------------------------------------------------------------------------------


def test_the_queue_puts_escalated_posts_first_then_the_nearest_deadline(reviewer, author, desk):
    with at(0):
        early = waiting(author, "Early")
    with at(1):
        waiting(author, "Later")
    with at(2):
        escalated = waiting(author, "Newest, escalated")
        services.post_escalate(post=escalated, by=reviewer, note="Names a minor.")
    with at(3):
        assert titles(selectors.review_queue(user=reviewer)) == [
            "Newest, escalated",
            "Early",
            "Later",
        ]
    assert Post.objects.get(pk=early.pk).deadline == T0 + timedelta(hours=desk.target_hours)


def test_screening_brings_a_post_that_reads_like_news_forward(reviewer, author):
    with at(0):
        waiting(author, "Plain", body="The bakery on Mill Street has new opening hours.")
    with at(1):
        newsy = PostFactory(
            author=author,
            state=State.SUBMITTED,
            title=NEWSY_TITLE,
            body=NEWSY_BODY,
            category=Category.NEWS,
        )
    newsy.refresh_from_db()
    assert newsy.screening_score >= 1.0
    assert screening_lead(newsy.screening_score) >= timedelta(hours=2)
    assert newsy.priority_at == newsy.due_at - screening_lead(newsy.screening_score)
    with at(2):
        assert titles(selectors.review_queue(user=reviewer)) == [NEWSY_TITLE, "Plain"]


def test_posts_with_the_same_place_in_the_queue_go_oldest_first(reviewer, author, desk):
    with at(0):
        waiting(author, "Older")  # due T0 + 24 h
    desk.target_hours = 22  # a new target applies to what is submitted from now on
    desk.save()
    with at(2):
        waiting(author, "Newer")  # due T0 + 24 h too
    posts = list(selectors.review_queue(user=reviewer))
    assert posts[0].priority_at == posts[1].priority_at
    assert titles(posts) == ["Older", "Newer"]


def test_claim_next_takes_the_first_post_of_the_queue(reviewer, second_reviewer, author):
    with at(0):
        waiting(author, "Early")
    with at(1):
        urgent = waiting(author, "Urgent")
        services.post_escalate(post=urgent, by=second_reviewer, note="Threatens a witness.")
    with at(2):
        first = selectors.review_queue(user=reviewer, state=State.SUBMITTED).first()
        claimed = services.post_claim_next(by=reviewer)
    assert claimed.pk == first.pk == urgent.pk


def test_the_queue_page_marks_escalated_posts(client, reviewer, author):
    post = waiting(author, "Flagged")
    services.post_escalate(post=post, by=reviewer, note="Possible incitement.")
    waiting(author, "Calm")
    client.force_login(reviewer)
    page = client.get("/review/").content.decode()
    assert page.count('class="tag marker escalated"') == 1
    assert page.index("Flagged") < page.index("Calm")
    detail = client.get(post.get_absolute_url()).content.decode()
    assert 'class="tag marker escalated"' in detail
    assert "escalated to the senior reviewers" in detail  # the history line


def test_the_queue_page_costs_the_same_queries_with_markers(
    client, reviewer, second_reviewer, author, django_assert_max_num_queries
):
    for i in range(3):
        post = waiting(author, f"Post {i}")
        services.post_escalate(post=post, by=second_reviewer, note="Check.")
    client.force_login(reviewer)
    client.get("/review/")
    with django_assert_max_num_queries(14) as few:
        client.get("/review/")
    for i in range(6):
        waiting(author, f"More {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/review/")


# --- escalation by beat --------------------------------------------------------------------


def test_beat_escalates_a_post_past_its_deadline_once_and_tells_the_desks_seniors(
    author, reviewer, senior, second_senior, desk
):
    with at(0):
        post = waiting(author, "Slow one")
    with at(desk.target_hours - 1):
        assert tasks.escalate_overdue_posts() == 0
    with at(desk.target_hours, minutes=1):
        assert tasks.escalate_overdue_posts() == 1
        assert tasks.escalate_overdue_posts() == 0  # idempotent
        now = timezone.now()
    post.refresh_from_db()
    assert post.state == State.SUBMITTED  # still needs a decision
    assert post.escalated_at == now
    entry = AuditEntry.objects.get(post=post, action="post.escalate")
    assert entry.actor is None
    assert entry.data["automatic"] is True
    assert (entry.from_state, entry.to_state) == (State.SUBMITTED, State.SUBMITTED)
    # Sam serves the desk; Sue is a senior elsewhere; Rita is no senior.
    send_waiting_mail()
    assert [m.to for m in mail.outbox] == [[senior.email]]
    assert "Escalated" in mail.outbox[0].subject
    assert "passed its deadline" in mail.outbox[0].body


def test_beat_escalates_a_claimed_post_too_without_touching_the_claim(
    author, reviewer, senior, desk
):
    with at(0):
        post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with at(desk.target_hours + 1):
        assert tasks.escalate_overdue_posts() == 1
    post.refresh_from_db()
    assert (post.state, post.claimed_by) == (State.UNDER_REVIEW, reviewer)
    services.post_approve(post=post, by=reviewer)  # decided like any other post
    assert Post.objects.get(pk=post.pk).state == State.APPROVED


def test_an_escalation_email_is_in_the_seniors_language(author, senior, desk):
    senior.language = "zh-hans"
    senior.save()
    with at(0):
        waiting(author, "Slow one")
    with at(desk.target_hours + 1):
        tasks.escalate_overdue_posts()
    send_waiting_mail()
    assert "上报" in mail.outbox[0].subject
    assert "截止时间" in mail.outbox[0].body


def test_with_no_senior_on_the_desk_every_senior_is_told(author, reviewer, second_senior, desk):
    with at(0):
        waiting(author, "Slow one")
    with at(desk.target_hours + 1):
        tasks.escalate_overdue_posts()
    send_waiting_mail()
    assert [m.to for m in mail.outbox] == [[second_senior.email]]


def test_a_senior_is_not_told_of_the_escalation_of_their_own_post(senior, second_senior, desk):
    with at(0):
        waiting(senior, "Sam's own")
    with at(desk.target_hours + 1):
        tasks.escalate_overdue_posts()
    send_waiting_mail()
    assert [m.to for m in mail.outbox] == [[second_senior.email]]


def test_a_resubmission_starts_a_new_round_without_the_old_escalation(author, reviewer, desk):
    with at(0):
        post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with at(desk.target_hours + 1):
        Post.objects.filter(pk=post.pk).update(claimed_at=timezone.now())
        tasks.escalate_overdue_posts()
        post = services.post_request_changes(post=post, by=reviewer, note="Name the source.")
        services.post_update(
            post=post, by=author, title=post.title, body="Sourced now.", category="news"
        )
        post = services.post_resubmit(post=post, by=author)
        assert post.escalated_at is None
        assert post.deadline == timezone.now() + timedelta(hours=desk.target_hours)


def test_a_post_that_fails_to_escalate_does_not_stop_the_others(monkeypatch, author, desk):
    with at(0):
        broken = waiting(author, "Broken")
        fine = waiting(author, "Fine")
    real = services.post_escalate_overdue

    def failing_for_one(*, post_id):
        if post_id == broken.pk:
            raise RuntimeError("a bad row")
        return real(post_id=post_id)

    monkeypatch.setattr(services, "post_escalate_overdue", failing_for_one)
    with at(desk.target_hours + 1):
        assert services.posts_escalate_overdue() == 1
    assert Post.objects.get(pk=fine.pk).escalated_at is not None
    assert Post.objects.get(pk=broken.pk).escalated_at is None


# --- escalation by hand --------------------------------------------------------------------


def test_a_reviewer_escalates_by_hand_with_a_note_and_the_seniors_are_told(
    client, reviewer, senior, author
):
    post = waiting(author, "Odd one")
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'data-form="escalate"' in page
    response = client.post(
        f"/posts/{post.pk}/escalate/", {"escalate-note": "Mentions a court case."}, follow=True
    )
    assert "Escalated: the senior reviewers have been told." in response.content.decode()
    post.refresh_from_db()
    assert post.state == State.SUBMITTED and post.escalated_at is not None
    entry = AuditEntry.objects.get(post=post, action="post.escalate")
    assert (entry.actor, entry.note) == (reviewer, "Mentions a court case.")
    send_waiting_mail()
    assert [m.to for m in mail.outbox] == [[senior.email]]
    assert "Rita Reviewer escalated" in mail.outbox[0].body
    assert "Mentions a court case." in mail.outbox[0].body


def test_escalating_needs_a_note(client, reviewer, author):
    post = waiting(author, "Odd one")
    with pytest.raises(ValidationError):
        services.post_escalate(post=post, by=reviewer, note="  ")
    client.force_login(reviewer)
    page = client.post(f"/posts/{post.pk}/escalate/", {"escalate-note": ""}).content.decode()
    assert "Say why the post needs a senior reviewer." in page
    assert Post.objects.get(pk=post.pk).escalated_at is None


def test_the_author_cannot_escalate_their_own_post_even_as_a_reviewer_of_the_desk(client, desk):
    writer = UserFactory(username="wendy", reviewer_on=[desk])
    post = waiting(writer, "Mine")
    with pytest.raises(PermissionDenied):
        services.post_escalate(post=post, by=writer, note="Hurry up.")
    client.force_login(writer)
    assert 'data-form="escalate"' not in client.get(post.get_absolute_url()).content.decode()
    client.post(f"/posts/{post.pk}/escalate/", {"escalate-note": "Hurry up."})
    assert Post.objects.get(pk=post.pk).escalated_at is None


def test_a_reviewer_of_another_desk_cannot_escalate(author, outside_reviewer):
    post = waiting(author, "Not theirs")
    with pytest.raises(PermissionDenied):
        services.post_escalate(post=post, by=outside_reviewer, note="Looks bad.")


def test_a_decided_post_cannot_be_escalated(author, reviewer):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    with pytest.raises(Conflict):
        services.post_escalate(post=post, by=reviewer, note="Too late.")


def test_a_post_is_escalated_once(author, reviewer, second_reviewer):
    post = waiting(author, "Odd one")
    services.post_escalate(post=post, by=reviewer, note="First.")
    with pytest.raises(Conflict, match="already been escalated"):
        services.post_escalate(post=post, by=second_reviewer, note="Second.")
    assert AuditEntry.objects.filter(post=post, action="post.escalate").count() == 1


# --- idle claims ---------------------------------------------------------------------------


def test_an_idle_claim_is_released_by_beat_audited_and_the_reviewer_told(
    client, author, reviewer, settings
):
    settings.CLAIM_IDLE_MINUTES = 60
    with at(0):
        post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with at(0, minutes=59):
        assert tasks.release_idle_claims() == 0
    with at(1, minutes=1):
        assert tasks.release_idle_claims() == 1
        assert tasks.release_idle_claims() == 0  # idempotent
    post.refresh_from_db()
    assert (post.state, post.claimed_by, post.claimed_at) == (State.SUBMITTED, None, None)
    entry = AuditEntry.objects.get(post=post, action="post.release")
    assert entry.actor is None
    assert entry.data["automatic"] is True and entry.data["claimed_by"] == reviewer.pk
    send_waiting_mail()
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert "released" in mail.outbox[0].subject
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "claim released automatically: left idle" in page


def test_a_post_decided_just_before_the_sweep_is_not_released(author, reviewer):
    with at(0):
        post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    with at(2):
        services.post_approve(post=post, by=reviewer)
        assert tasks.release_idle_claims() == 0
    post.refresh_from_db()
    assert (post.state, post.decided_by) == (State.APPROVED, reviewer)
    assert not AuditEntry.objects.filter(post=post, action="post.release").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_post_being_decided_while_the_sweep_runs_is_never_released(author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    Post.objects.filter(pk=post.pk).update(claimed_at=timezone.now() - timedelta(hours=3))
    deciding, swept = threading.Event(), threading.Event()
    outcome = {}

    def decide():
        try:
            with transaction.atomic():
                services.post_approve(post=post, by=reviewer, note="Fine.")  # holds the lock
                deciding.set()
                swept.wait(timeout=10)
            outcome["decided"] = True
        except Exception as error:  # pragma: no cover - shown by the assertion below
            outcome["decided"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=decide)
    thread.start()
    assert deciding.wait(timeout=10)
    outcome["released"] = services.claims_release_idle()
    swept.set()
    thread.join(timeout=10)
    assert outcome == {"decided": True, "released": 0}
    post.refresh_from_db()
    assert post.state == State.APPROVED
    assert not AuditEntry.objects.filter(post=post, action="post.release").exists()
    assert tasks.release_idle_claims() == 0  # and not on the next run either


def test_beat_runs_both_sweeps(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "approvals.tasks.escalate_overdue_posts",
        "approvals.tasks.release_idle_claims",
    } <= schedule
