"""What an account may do, asked by the post lifecycle.

The submit transition's condition calls `news_submission_blockers`; identity verification,
the pledge and standing (issue: accounts) add their checks here, so the rule stays in one place.
"""

from accounts.models import User


def news_submission_blockers(user: User) -> list[str]:
    """Reasons, written for the account holder, why they may not submit news now."""
    blockers: list[str] = []
    if not user.is_active:
        blockers.append("Your account is not active.")
    return blockers
