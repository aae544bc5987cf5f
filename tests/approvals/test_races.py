"""Two people acting on one post at the same moment, on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.exceptions import Conflict
from approvals.models import AuditEntry, Post, State
from tests.factories import PostFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 15


def _race(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_reviewers_claiming_one_post_exactly_one_wins_every_time(
    author, reviewer, second_reviewer
):
    for _ in range(ROUNDS):
        post = PostFactory(author=author, state=State.SUBMITTED)
        results = _race(
            lambda p=post: services.post_claim(post=p, by=reviewer),
            lambda p=post: services.post_claim(post=p, by=second_reviewer),
        )
        winners = [r for r in results if isinstance(r, Post)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        winner = winners[0].claimed_by
        assert losers[0].message == f"Already claimed by {winner.name}."
        assert Post.objects.get(pk=post.pk).claimed_by == winner
        assert AuditEntry.objects.filter(post=post, action="post.claim").count() == 1


def test_two_seniors_deciding_one_appeal_exactly_one_decision_stands(
    author, reviewer, senior, second_senior
):
    for _ in range(ROUNDS):
        post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
        results = _race(
            lambda p=post: services.post_overturn(post=p, by=senior, note="Accurate."),
            lambda p=post: services.post_uphold(post=p, by=second_senior, note="Unsourced."),
        )
        winners = [r for r in results if isinstance(r, Post)]
        losers = [r for r in results if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].message.startswith(f"Already decided by {winners[0].decided_by.name}")
        decisions = AuditEntry.objects.filter(
            post=post, action__in=["post.overturn", "post.uphold"]
        )
        assert decisions.count() == 1
