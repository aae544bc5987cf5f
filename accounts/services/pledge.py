"""The pledge: versions published by operators, signed by account holders."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import PledgeSignature, PledgeVersion, User


@transaction.atomic
def pledge_publish(
    *,
    clauses: str,
    effective_at: datetime | None = None,
    title: str = "",
    clauses_zh_hans: str = "",
    title_zh_hans: str = "",
) -> PledgeVersion:
    """A new version; from `effective_at` on, authors must sign it before submitting news.
    A translation, where given, must have as many clauses as the English text."""
    if clauses_zh_hans and _count(clauses_zh_hans) != _count(clauses):
        raise ValidationError(
            {"clauses_zh_hans": _("The translation must have as many clauses as the text.")}
        )
    last = PledgeVersion.objects.select_for_update(no_key=True).order_by("-version").first()
    return PledgeVersion.objects.create(
        version=(last.version + 1) if last else 1,
        title=title or (last.title if last else "The Imprimatur pledge"),
        title_zh_hans=title_zh_hans or (last.title_zh_hans if last else ""),
        clauses=clauses,
        clauses_zh_hans=clauses_zh_hans,
        effective_at=effective_at or timezone.now(),
    )


def _count(clauses: str) -> int:
    return sum(1 for line in clauses.splitlines() if line.strip())


@transaction.atomic
def pledge_sign(
    *, user: User, pledge: PledgeVersion, typed_name: str, ip_address: str | None, user_agent: str
) -> PledgeSignature:
    """Sign by typing the full legal name (the verified one, when there is one)."""
    typed = " ".join((typed_name or "").split())
    expected = selectors.identity_of(user=user).legal_name
    if not typed:
        raise ValidationError({"typed_name": _("Type your full legal name to sign.")})
    if expected and typed.casefold() != expected.casefold():
        raise ValidationError(
            {"typed_name": _("Type your legal name exactly: %(name)s.") % {"name": expected}}
        )
    if pledge != selectors.current_pledge():
        raise ValidationError({"typed_name": _("This is not the current pledge; reload the page.")})
    signature, _created = PledgeSignature.objects.get_or_create(
        user=user,
        pledge=pledge,
        defaults={
            "typed_name": typed,
            "ip_address": ip_address,
            "user_agent": user_agent[:300],
            # The text shown was the translation if there is one in the active language.
            "language": translation.get_language()
            if pledge.local_clauses != pledge.clauses
            else settings.LANGUAGE_CODE,
        },
    )
    return signature
