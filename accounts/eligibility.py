"""What an account may submit, asked by the post lifecycle (the submit transition's
condition calls `submission_blockers`), so the rule lives in one place for the UI and the API.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import selectors
from accounts.models import User


def _date(moment: datetime) -> str:
    """A day as the reader writes it, in their time zone."""
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def submission_blockers(user: User, *, needs_review: bool) -> list[str]:
    """Reasons, written for the account holder, why they may not submit this post now.

    `needs_review`: news, current affairs, or `other` that screening flags as news.
    """
    if not user.is_active:
        return [_("Your account is not active.")]
    standing = _standing(user)
    if standing.kind == "suspended":
        if standing.until:
            return [
                _("Your account is suspended until %(date)s; you cannot submit posts.")
                % {"date": _date(standing.until)}
            ]
        return [_("Your account is suspended; you cannot submit posts.")]
    if not needs_review:
        return _daily_cap_blockers(user)

    blockers = []
    if not user.identity_verified:
        blockers.append(
            _(
                "Verify your identity (legal name and an identity document) before submitting "
                "news or current affairs."
            )
        )
    pledge = None if _pledge_in_order(user) else selectors.current_pledge_for(user=user)
    if pledge is not None and not pledge.signed_by_user:
        signed = selectors.latest_signature(user=user)
        if signed is None:
            blockers.append(
                _("Sign the pledge (version %(version)s) before submitting news.")
                % {"version": pledge.version}
            )
        else:
            blockers.append(
                _(
                    "The pledge has changed (version %(version)s, in force since %(date)s); "
                    "read it and sign it again."
                )
                % {"version": pledge.version, "date": _date(pledge.effective_at)}
            )
    if standing.kind == "limited" and standing.until:
        blockers.append(
            _("Your account is limited until %(date)s: no news or current affairs until then.")
            % {"date": _date(standing.until)}
        )
    elif standing.kind == "limited":
        blockers.append(_("Your account is limited: no news or current affairs for now."))
    return blockers


def _standing(user: User) -> selectors.Standing:
    if getattr(user, "sanction_in_force", None) is False:  # read with the account: none
        return selectors.Standing("good")
    return selectors.account_standing(user=user)


def _pledge_in_order(user: User) -> bool:
    """Known, from facts read with the account, to have signed the current pledge (or there
    is none)? Otherwise the pledge is read, with what is needed to say what is missing."""
    if not hasattr(user, "current_pledge_signed"):
        return False
    return user.current_pledge_id is None or user.current_pledge_signed


def daily_allowance_left(user: User) -> int | None:
    """How many more posts of category "other" an unverified account may submit in the
    rolling day (UNVERIFIED_DAILY_POSTS); None for a verified account (no daily cap)."""
    if user.identity_verified:
        return None
    from approvals.models import Category, Post

    since = timezone.now() - timedelta(days=1)
    sent = Post.objects.filter(
        author=user, category=Category.OTHER, submitted_at__gte=since
    ).count()
    return max(settings.UNVERIFIED_DAILY_POSTS - sent, 0)


def blockers_by_category(user: User) -> dict[str, list[str]]:
    """For the new-post form, before anything is written: what stops the account submitting
    a post of each category (the same sentences the submit refusal gives). A post filed as
    "other" may still be pulled into review by screening; that cannot be known in advance."""
    from approvals.models import Category

    review = submission_blockers(user, needs_review=True)
    return {
        Category.NEWS: review,
        Category.CURRENT_AFFAIRS: review,
        Category.OTHER: submission_blockers(user, needs_review=False),
    }


def _daily_cap_blockers(user: User) -> list[str]:
    left = daily_allowance_left(user)
    cap = settings.UNVERIFIED_DAILY_POSTS
    if left is not None and left <= 0:
        return [
            ngettext(
                "Unverified accounts may submit %(cap)d post a day; verify your identity to "
                "lift the limit.",
                "Unverified accounts may submit %(cap)d posts a day; verify your identity to "
                "lift the limit.",
                cap,
            )
            % {"cap": cap}
        ]
    return []
