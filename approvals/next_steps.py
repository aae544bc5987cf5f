"""What happens next to a post, told to its author: the panel on the author's post page.

Read-only: it explains the graph (approvals.models.Post) and the strike policy
(accounts.services.strikes) for one post in its current state; it decides nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.services.strikes import strike_policy
from approvals.models import Post, State


@dataclass(frozen=True)
class NextSteps:
    state: str
    deadline: datetime | None = None
    overdue: bool = False
    appeal_until: datetime | None = None
    may_appeal: bool = False
    appealed: bool = False
    appealed_from: str = ""
    is_violation: bool = False
    revoked_with_original: bool = False
    policy: list[str] = field(default_factory=list)
    strike_days: int = 0


def next_steps(post: Post) -> NextSteps:
    """The facts the panel needs, from the post as the page read it (no extra query)."""
    now = timezone.now()
    facts: dict = {"state": post.state, "appealed": post.appealed_at is not None}
    if post.state in (State.SUBMITTED, State.UNDER_REVIEW):
        facts["deadline"] = post.deadline
        facts["overdue"] = post.deadline is not None and post.deadline < now
    closes = post.appeal_window_closes
    if closes is not None:
        facts["appeal_until"] = closes
        facts["may_appeal"] = post.appealed_at is None and now <= closes
    if post.state in (State.REJECTED, State.APPEALED, State.REVOKED):
        facts["appealed_from"] = post.appealed_from
        facts["is_violation"] = bool(post.reason_code and post.reason_code.is_violation)
        facts["policy"] = policy_in_words()
        facts["strike_days"] = settings.STRIKE_LIFETIME.days
    if post.state == State.REVOKED and post.repost_of_id is not None:
        facts["revoked_with_original"] = post.repost_of.state in (State.REVOKED, State.APPEALED)
    return NextSteps(**facts)


def policy_in_words() -> list[str]:
    """STRIKE_POLICY, one sentence per step, in the active language."""
    sentences = []
    for step in strike_policy():
        if step.kind == "warning":
            sentence = ngettext(
                "%(count)d strike: a warning.", "%(count)d strikes: a warning.", step.strikes
            )
        elif step.kind == "limitation" and step.days:
            sentence = ngettext(
                "%(count)d strike: no news or current affairs for %(days)d days.",
                "%(count)d strikes: no news or current affairs for %(days)d days.",
                step.strikes,
            )
        elif step.kind == "limitation":
            sentence = ngettext(
                "%(count)d strike: no news or current affairs for a while.",
                "%(count)d strikes: no news or current affairs for a while.",
                step.strikes,
            )
        else:
            sentence = ngettext(
                "%(count)d strike: a suspension of the account.",
                "%(count)d strikes: a suspension of the account.",
                step.strikes,
            )
        sentences.append(sentence % {"count": step.strikes, "days": step.days or 0})
    return sentences
