"""Strikes (upheld rejections for a violation) and the policy that proposes sanctions.

The policy only proposes; a senior reviewer confirms or dismisses (accounts.services.sanctions).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import selectors
from accounts.models import SanctionProposal, Strike, User


@dataclass(frozen=True)
class PolicyStep:
    strikes: int
    kind: str
    days: int | None


def strike_policy() -> list[PolicyStep]:
    steps = []
    for part in settings.STRIKE_POLICY.split(","):
        strikes, kind, *days = part.strip().split(":")
        steps.append(PolicyStep(int(strikes), kind, int(days[0]) if days else None))
    return sorted(steps, key=lambda step: step.strikes)


def strike_record(*, post, at: datetime | None = None) -> Strike | None:
    """A strike for an upheld rejection (appeal upheld, or not appealed in time), if its
    reason is a violation; then ask the policy what to propose. Idempotent per post."""
    if post.reason_code is None or not post.reason_code.is_violation:
        return None
    at = at or timezone.now()
    strike, created = Strike.objects.get_or_create(
        post=post,
        defaults={
            "user": post.author,
            "reason_code": post.reason_code,
            "created_at": at,
            "expires_at": at + settings.STRIKE_LIFETIME,
        },
    )
    if created:
        proposal_for_strikes(user=post.author, at=at)
    return strike


def proposal_for_strikes(*, user: User, at: datetime | None = None) -> SanctionProposal | None:
    """Propose the policy's step for the active strike count, unless it was already
    proposed since the oldest of those strikes."""
    at = at or timezone.now()
    strikes = selectors.active_strikes(user=user, at=at)
    count = strikes.count()
    steps = [step for step in strike_policy() if step.strikes <= count]
    if not steps:
        return None
    step = steps[-1]
    oldest = strikes.order_by("created_at").values_list("created_at", flat=True).first()
    already = SanctionProposal.objects.filter(
        user=user, kind=step.kind, active_strikes__gte=step.strikes, created_at__gte=oldest
    ).exists()
    if already:
        return None
    return SanctionProposal.objects.create(
        user=user, kind=step.kind, days=step.days, active_strikes=count
    )


def strikes_for_lapsed_appeals(*, at: datetime | None = None) -> int:
    """Rejections whose appeal window closed without an appeal become strikes (beat)."""
    from approvals.models import Post, State

    at = at or timezone.now()
    lapsed = Post.objects.filter(
        state=State.REJECTED,
        appealed_at__isnull=True,
        decided_at__lt=at - settings.APPEAL_WINDOW,
        reason_code__is_violation=True,
        strike__isnull=True,
    ).select_related("author", "reason_code")
    made = 0
    for post in lapsed:
        with transaction.atomic():
            made += strike_record(post=post, at=at) is not None
    return made


def strike_remove(*, post, reason: str) -> None:
    Strike.objects.filter(post=post, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_reason=reason
    )
