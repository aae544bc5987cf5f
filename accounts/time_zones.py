"""Each person sees times in their own time zone: the one they chose on My standing, else
their browser's (static/js/timezone.js leaves it in the `tz` cookie), else UTC.

Django keeps times in UTC; `timezone.activate` makes templates, forms and the `date` filter
show them in the zone active for the request (or, for an email, for its recipient)."""

from functools import cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone

COOKIE = "tz"


@cache
def choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def zone_named(name: str | None) -> ZoneInfo | None:
    if name and name in _names():
        return ZoneInfo(name)
    return None


@cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones())


def browser_zone(request) -> str:
    """The zone the browser reported (URL-encoded in the cookie)."""
    return unquote(request.COOKIES.get(COOKIE, ""))[:64]


def zone_for(user, cookie: str | None = None) -> ZoneInfo | None:
    chosen = getattr(user, "time_zone", "") if user is not None else ""
    return zone_named(chosen) or zone_named(cookie)


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        zone = zone_for(user, browser_zone(request))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
