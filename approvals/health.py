"""/healthz: is every part of the service working? JSON, 200 when it is, 503 when not.

django-health-check runs the checks; these are ours: the database, the broker, the worker
and beat (each leaves a heartbeat), and how long the oldest due webhook has waited."""

import dataclasses
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from approvals.models import Heartbeat


def heartbeat(name: str) -> None:
    """Record that `name` ("worker", "beat") is alive now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker (Redis, or the embedded one) accepts a connection."""

    def run(self):
        from config.celery import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as error:
            raise ServiceUnavailable(_("The broker cannot be reached.")) from error


class _OwnConnection:
    """Checks run on threads of the health view's executor: each closes the database
    connection it opened, so no thread leaves one behind."""

    def run(self):
        try:
            return self.check()
        finally:
            connection.close()


@dataclasses.dataclass
class Beating(_OwnConnection, HealthCheck):
    """A part that leaves a heartbeat has done so lately."""

    part: str = "worker"

    def check(self):
        at = Heartbeat.objects.filter(name=self.part).values_list("at", flat=True).first()
        limit = timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS)
        if at is None:
            # Translators: %(part)s is "worker" or "beat", the name of a part of the service.
            raise ServiceUnavailable(_("No %(part)s has reported yet.") % {"part": self.part})
        age = timezone.now() - at
        if age > limit:
            raise ServiceUnavailable(
                # Translators: %(part)s is "worker" or "beat", the name of a part of the service.
                _("The %(part)s last reported %(seconds)s s ago.")
                % {"part": self.part, "seconds": age.seconds}
            )


@dataclasses.dataclass
class OutboxLag(_OwnConnection, HealthCheck):
    """The oldest webhook that is due (to a healthy endpoint) has not waited too long."""

    def check(self):
        from approvals.platform.delivery import eligible

        now = timezone.now()
        oldest = (
            eligible(now)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if oldest is None:
            return
        waited = (now - oldest).total_seconds()
        if waited > settings.HEALTH_MAX_DELIVERY_LAG_SECONDS:
            raise ServiceUnavailable(
                _("The oldest due webhook has waited %(seconds)s s.") % {"seconds": f"{waited:.0f}"}
            )


class Healthz(HealthCheckView):
    """JSON by default; 503 (not django-health-check's 500) when something is wrong."""

    checks = (
        "health_check.checks.Database",
        "approvals.health.Broker",
        ("approvals.health.Beating", {"part": "worker"}),
        ("approvals.health.Beating", {"part": "beat"}),
        "approvals.health.OutboxLag",
    )

    async def get(self, request, *args, **kwargs):
        request.GET = request.GET.copy()
        request.GET.setdefault("format", "json")
        response: HttpResponse = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response
