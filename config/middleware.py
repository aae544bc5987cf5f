"""Request middleware of our own."""

from urllib.parse import urlencode

from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from pghistory.middleware import HistoryMiddleware


class HistoryContextMiddleware(HistoryMiddleware):
    """Attach the signed-in user and the URL to every history row a request writes.

    Row history lives in PostgreSQL triggers; on SQLite (a local first run) there is none,
    and nothing is attached."""

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)


class SecondFactorMiddleware:
    """Staff pages, the admin included, wait until the session has passed the second factor.

    Runs after django-otp's OTPMiddleware (which tells whether the session has). A staff
    member who has signed in with a password reaches only the second-factor pages and
    logging out until then; everyone else, and the platform API (API keys, no session), pass
    straight through."""

    OPEN_PATHS = (
        "/accounts/two-factor/",
        "/accounts/logout/",
        "/accounts/language/",
        "/static/",
        "/healthz",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from accounts.services.two_factor import has_second_factor, second_factor_required

        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.OPEN_PATHS)
            and not user.is_verified()
            and second_factor_required(user)
        ):
            target = "two_factor" if has_second_factor(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
