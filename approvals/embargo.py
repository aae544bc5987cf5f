"""Embargo: an approval may say "not before" a time. The post is approved at once and the
platform told at once (`not_before` in the post.approved event and in the API); the platform
holds it back until then. Imprimatur delays nothing."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def embargo_check(not_before: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """The "not before" time if it is one an approval may carry: aware, in the future and at
    most EMBARGO_MAX_DAYS ahead; None for none. Else a ValidationError naming `not_before`,
    with the latest allowed time in the active (the reviewer's) time zone."""
    if not_before is None:
        return None
    if timezone.is_naive(not_before):
        raise ValidationError({"not_before": _("Give the time with its time zone.")})
    now = now or timezone.now()
    if not_before <= now:
        raise ValidationError(
            {"not_before": _("Choose a time in the future, or leave it empty to publish at once.")}
        )
    days = settings.EMBARGO_MAX_DAYS
    latest = now + timedelta(days=days)
    if not_before > latest:
        message = ngettext(
            "An embargo lasts at most %(days)d day: choose a time before %(latest)s.",
            "An embargo lasts at most %(days)d days: choose a time before %(latest)s.",
            days,
        ) % {"days": days, "latest": date_format(timezone.localtime(latest), "DATETIME_FORMAT")}
        raise ValidationError({"not_before": message})
    return not_before
