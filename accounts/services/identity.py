"""Identity verification: the real-name check behind every account that submits news.

Of the document only its type, issuing country, the last four characters of its number and
a keyed HMAC of country and number are kept. The HMAC has no per-row salt on purpose: the same
document presented by a second account gives the same digest, so the reviewer sees the other
account, and the database refuses to verify a second account with it.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from django_fsm import has_transition_perm

from accounts.languages import speaking_to
from accounts.models import AccountType, Identity, User, VerificationAudit, VerificationState
from accounts.notifications import notify_on_commit
from accounts.validation import required_text


def document_digest(*, issuing_country: str, number: str) -> str:
    """HMAC-SHA256 under IDENTITY_HASH_KEY of the country and the number, spaces removed and
    upper-cased, so the same document always gives the same digest."""
    key = (settings.IDENTITY_HASH_KEY or f"identity:{settings.SECRET_KEY}").encode()
    normalised = "".join(number.split()).upper()
    message = f"{issuing_country.upper()}:{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def identities_sharing_document(*, identity: Identity) -> QuerySet[Identity]:
    """Other accounts that presented the same document (any state)."""
    if not identity.document_hash:
        return Identity.objects.none()
    return (
        Identity.objects.filter(document_hash=identity.document_hash)
        .exclude(pk=identity.pk)
        .select_related("user")
    )


@transaction.atomic
def identity_submit(
    *,
    user: User,
    legal_name: str,
    account_type: str,
    document_type: str,
    issuing_country: str,
    document_number: str,
    registration_number: str = "",
) -> Identity:
    """Ask for (re)verification. Only the document's digest and last four characters are
    kept, never its number."""
    legal_name = " ".join(legal_name.split())
    number = "".join(document_number.split())
    errors = {}
    if not legal_name:
        errors["legal_name"] = _("Enter your legal name as on the document.")
    if len(number) < 5:
        errors["document_number"] = _("Enter the full document number.")
    issuing_country = countries.alpha2(issuing_country.strip())  # "" if no such country
    if not issuing_country:
        errors["issuing_country"] = _("Choose the country that issued the document.")
    if account_type == AccountType.ORGANISATION and not registration_number.strip():
        errors["registration_number"] = _("Organisations give their registration number.")
    if errors:
        raise ValidationError(errors)

    identity, _created = Identity.objects.select_for_update(no_key=True).get_or_create(user=user)
    if identity.state == VerificationState.PENDING:
        raise ValidationError({"legal_name": _("Your verification is already being checked.")})
    if identity.state == VerificationState.VERIFIED and identity.legal_name == legal_name:
        raise ValidationError({"legal_name": _("You are verified under this name already.")})
    from_state = identity.state
    identity.legal_name = legal_name
    identity.registration_number = registration_number.strip()
    identity.document_type = document_type
    identity.issuing_country = issuing_country.upper()
    identity.document_hash = document_digest(issuing_country=issuing_country, number=number)
    identity.document_last4 = number[-4:]
    identity.submit(at=timezone.now())
    identity.save()
    User.objects.filter(pk=user.pk).update(account_type=account_type)
    VerificationAudit.objects.create(
        identity=identity,
        actor=user,
        from_state=from_state,
        to_state=identity.state,
        note="Legal name changed." if from_state == VerificationState.VERIFIED else "",
    )
    return identity


@transaction.atomic
def identity_approve(*, identity: Identity, by: User) -> Identity:
    identity = _lock_identity(identity, by, "approve")
    verified_elsewhere = identities_sharing_document(identity=identity).filter(
        state=VerificationState.VERIFIED
    )
    other = verified_elsewhere.first()
    if other is not None:
        raise ValidationError(
            {
                "note": _(
                    "This document already verifies another account (%(username)s, "
                    "%(legal_name)s). One document verifies one account."
                )
                % {"username": other.user.username, "legal_name": other.legal_name}
            }
        )
    identity.approve(by=by, at=timezone.now())
    try:
        with transaction.atomic():
            return _record_identity(identity, by, VerificationState.PENDING, "")
    except IntegrityError as error:  # a concurrent approval of the same document won
        raise ValidationError(
            {"note": _("This document has just verified another account.")}
        ) from error


@transaction.atomic
def identity_reject(*, identity: Identity, by: User, note: str) -> Identity:
    note = required_text(note, _("Tell the account holder what is wrong."))
    identity = _lock_identity(identity, by, "reject")
    identity.reject(by=by, at=timezone.now(), note=note)
    return _record_identity(identity, by, VerificationState.PENDING, note)


def _lock_identity(identity: Identity, by: User, name: str) -> Identity:
    identity = (
        Identity.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=identity.pk)
    )
    if identity.state != VerificationState.PENDING:
        already = {
            VerificationState.UNVERIFIED: _("This verification is unverified already."),
            VerificationState.VERIFIED: _("This verification is verified already."),
            VerificationState.REJECTED: _("This verification is rejected already."),
        }
        raise ValidationError({"note": already[identity.state]})
    if not has_transition_perm(getattr(identity, name), by):
        raise PermissionDenied(_("You may not decide this verification."))
    return identity


def _record_identity(identity: Identity, by: User, from_state: str, note: str) -> Identity:
    identity.save()
    VerificationAudit.objects.create(
        identity=identity, actor=by, from_state=from_state, to_state=identity.state, note=note
    )
    with speaking_to(identity.user):
        notify_on_commit(
            user=identity.user,
            subject=_("Identity verification: %(state)s") % {"state": identity.get_state_display()},
            template="identity_decision",
            context={"state": identity.get_state_display(), "note": note},
        )
    return identity
