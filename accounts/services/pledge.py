"""The pledge: versions published by operators, signed by account holders."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import selectors
from accounts.models import PledgeSignature, PledgeVersion, User


@transaction.atomic
def pledge_publish(
    *, clauses: str, effective_at: datetime | None = None, title: str = ""
) -> PledgeVersion:
    """A new version; from `effective_at` on, authors must sign it before submitting news."""
    last = PledgeVersion.objects.select_for_update(no_key=True).order_by("-version").first()
    return PledgeVersion.objects.create(
        version=(last.version + 1) if last else 1,
        title=title or (last.title if last else "The Imprimatur pledge"),
        clauses=clauses,
        effective_at=effective_at or timezone.now(),
    )


@transaction.atomic
def pledge_sign(
    *, user: User, pledge: PledgeVersion, typed_name: str, ip_address: str | None, user_agent: str
) -> PledgeSignature:
    """Sign by typing the full legal name (the verified one, when there is one)."""
    typed = " ".join((typed_name or "").split())
    expected = selectors.identity_of(user=user).legal_name
    if not typed:
        raise ValidationError({"typed_name": "Type your full legal name to sign."})
    if expected and typed.casefold() != expected.casefold():
        raise ValidationError({"typed_name": f"Type your legal name exactly: {expected}."})
    if pledge != selectors.current_pledge():
        raise ValidationError({"typed_name": "This is not the current pledge; reload the page."})
    signature, _ = PledgeSignature.objects.get_or_create(
        user=user,
        pledge=pledge,
        defaults={"typed_name": typed, "ip_address": ip_address, "user_agent": user_agent[:300]},
    )
    return signature
