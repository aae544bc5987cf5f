"""`manage.py seed_load` at a tiny scale: the shape of the data set (states, desks, reviewers'
object permissions, revisions, decisions, a chained audit trail) and the reviewer's queue on it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from approvals.models import AuditEntry, Desk, Post, Revision, State
from approvals.permissions import served_desk_ids
from tests.logins import TwoFactorClient

# VACUUM and index builds run outside a transaction: commit for real.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def seed(posts=2000, accounts=200, desks=6) -> str:
    out = io.StringIO()
    call_command("seed_load", posts=posts, accounts=accounts, desks=desks, batch=700, stdout=out)
    return out.getvalue()


def test_seed_load_makes_posts_in_every_state_on_every_desk():
    output = seed()

    assert "Done in" in output and "posts 2,000/2,000" in output  # progress per batch
    assert Post.objects.count() == 2000
    states = dict(Post.objects.values_list("state").annotate(n=Count("id")))
    assert set(states) == set(State.values)
    # Most decided; a small share still waiting.
    assert states[State.APPROVED] > 2000 * 0.6
    waiting = states[State.SUBMITTED] + states[State.UNDER_REVIEW]
    assert 0 < waiting < 2000 * 0.15
    assert Desk.objects.count() == 6
    assert Desk.objects.exclude(posts__state=State.SUBMITTED).count() == 0  # a queue per desk
    assert {"zh-hans", "en"} <= set(User.objects.values_list("language", flat=True))
    assert Post.objects.filter(title__regex=r"[\u4e00-\u9fff]").count() > 600
    assert Post.objects.filter(title__regex=r"^[A-Za-z]").count() > 400
    # Overdue, resubmitted and screening-flagged posts wait too.
    overdue = [p for p in Post.objects.filter(state=State.SUBMITTED) if p.deadline_status]
    assert any(p.deadline_status == "overdue" for p in overdue)
    resubmitted = Post.objects.filter(state__in=[State.SUBMITTED, State.UNDER_REVIEW]).annotate(
        n_revisions=Count("revisions")
    )
    assert resubmitted.filter(n_revisions=2, current_revision__number=2).exists()
    assert (
        Post.objects.filter(category="other", screening_score__gte=0.6)
        .exclude(state=State.CLEARED)
        .exists()
    )
    # Decisions: reason codes on rejections; nobody decides their own post, and every
    # claim and decision is by a reviewer who serves the post's desk.
    assert not Post.objects.filter(state=State.REJECTED, reason_code=None).exists()
    assert not Post.objects.filter(Q(decided_by=F("author")) | Q(claimed_by=F("author"))).exists()
    decided = Post.objects.exclude(decided_by=None).select_related("decided_by")
    for post in decided.order_by("?")[:50]:
        assert post.desk_id in served_desk_ids(post.decided_by)
    for post in Post.objects.filter(state=State.UNDER_REVIEW).select_related("claimed_by"):
        assert post.desk_id in served_desk_ids(post.claimed_by)
    reviewer = User.objects.get(username="load-reviewer-0")
    assert 2 <= get_objects_for_user(reviewer, "approvals.review_desk").count() < 6
    # The history is a chain audit_verify accepts; revisions carry their content hash.
    assert AuditEntry.objects.count() > Post.objects.exclude(state=State.DRAFT).count()
    call_command("audit_verify", stdout=io.StringIO())
    revision = Revision.objects.select_related("post").filter(post__state=State.APPROVED).first()
    assert revision.content_hash == revision.post.content_hash()
    # The post indexes dropped for the load are back.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'approvals_post'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"post_queue_idx", "post_desk_waiting_idx", "post_text_cjk_idx"} <= indexes


def test_seeded_reviewer_queue_lists_waiting_posts_of_their_desks_only():
    seed()
    reviewer = User.objects.get(username="load-reviewer-0")
    client = TwoFactorClient()
    client.force_login(reviewer)

    response = client.get("/review/")

    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert len(listed) == 25  # a full page
    assert {p.desk_id for p in listed} <= served_desk_ids(reviewer)
    assert all(p.state in (State.SUBMITTED, State.UNDER_REVIEW) for p in listed)
    # In the queue's priority order (approvals.priority): escalated first, then priority_at.
    keys = [(p.escalated_at is None, p.priority_at, p.submitted_at, p.pk) for p in listed]
    assert keys == sorted(keys)
    assert all(p.due_at is not None and p.priority_at <= p.due_at for p in listed)


def test_seed_load_refuses_a_database_that_has_posts():
    seed(posts=300, accounts=20, desks=2)

    with pytest.raises(CommandError, match="without posts"):
        seed(posts=300, accounts=20, desks=2)


def test_role_permissions_come_from_groups_and_direct_grants_in_one_query(
    django_assert_num_queries,
):
    """One query however many accounts share a group (a UNION, not an OR across two joins
    that read every member of the group at 500,000 accounts)."""
    from django.contrib.auth.models import Permission

    from accounts.models import Role
    from accounts.roles import role_permissions
    from tests.factories import UserFactory

    user = UserFactory(username="ria", roles=[Role.REVIEWER])
    user.user_permissions.add(Permission.objects.get(codename="decide_appeal"))
    user = User.objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        granted = role_permissions(user)
        role_permissions(user)  # cached on the user for the request

    assert {"approvals.review_post", "approvals.decide_appeal"} <= granted
    assert "approvals.revoke_post" not in granted
