"""The navigation's live counts (templates/includes/nav_live.html)."""

from django import template
from django.conf import settings

from accounts.services.two_factor import second_factor_required

register = template.Library()


@register.simple_tag(takes_context=True)
def live_nav(context) -> dict | None:
    """What the navigation's live widgets need, or None where they must not poll: signed out,
    or a staff session that has not passed its second factor yet (every request but the
    second-factor pages would be redirected there, and the redirect swapped into the nav)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    verified = getattr(user, "is_verified", None)
    if second_factor_required(user) and not (verified and verified()):
        return None
    return {"every": settings.LIVE_POLL_SECONDS}
