"""Reads about an account: its standing, the pledge, strikes."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Identity,
    PledgeSignature,
    PledgeVersion,
    ProposalStatus,
    Sanction,
    SanctionKind,
    SanctionProposal,
    Strike,
    User,
    VerificationState,
)


@dataclass(frozen=True)
class Standing:
    kind: str  # good, warned, limited, suspended
    until: datetime | None = None

    @property
    def label(self) -> str:
        """The standing in words, in the active language."""
        return {
            "good": _("Good"),
            "warned": _("Warned"),
            "limited": _("Limited"),
            "suspended": _("Suspended"),
        }[self.kind]


def active_sanctions(*, user: User, at: datetime | None = None) -> QuerySet[Sanction]:
    at = at or timezone.now()
    return Sanction.objects.filter(user=user, lifted_at__isnull=True, starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )


def account_standing(*, user: User, at: datetime | None = None) -> Standing:
    """Good, warned, limited (until a date) or suspended: from the sanctions in force."""
    sanctions = list(active_sanctions(user=user, at=at))
    for kind, label in (
        (SanctionKind.SUSPENSION, "suspended"),
        (SanctionKind.LIMITATION, "limited"),
        (SanctionKind.WARNING, "warned"),
    ):
        of_kind = [s for s in sanctions if s.kind == kind]
        if of_kind:
            ends = [s.ends_at for s in of_kind]
            return Standing(label, None if None in ends else max(ends))
    return Standing("good")


def with_submission_facts(users: QuerySet[User], *, at: datetime | None = None) -> QuerySet[User]:
    """Accounts read together with what deciding a submission asks about them, in the same
    query: `sanction_in_force` (is any sanction in force?) and, for the current pledge,
    `current_pledge_id` (None: there is none) and `current_pledge_signed`. The eligibility
    check (accounts.eligibility) uses them where they are present instead of asking again."""
    at = at or timezone.now()
    in_force = active_sanctions(user=OuterRef("pk"), at=at)
    pledge = (
        PledgeVersion.objects.filter(effective_at__lte=at).order_by("-version").values("pk")[:1]
    )
    signed = PledgeSignature.objects.filter(user=OuterRef("pk"), pledge=Subquery(pledge))
    return users.annotate(
        sanction_in_force=Exists(in_force),
        current_pledge_id=Subquery(pledge),
        current_pledge_signed=Exists(signed),
    )


def identity_of(*, user: User) -> Identity:
    identity = getattr(user, "identity", None)
    return identity or Identity(user=user, state=VerificationState.UNVERIFIED)


def current_pledge(*, at: datetime | None = None) -> PledgeVersion | None:
    at = at or timezone.now()
    return PledgeVersion.objects.filter(effective_at__lte=at).order_by("-version").first()


def current_pledge_for(*, user: User, at: datetime | None = None) -> PledgeVersion | None:
    """The current pledge, with `signed_by_user`: has `user` signed it? (One query.)"""
    at = at or timezone.now()
    signed = PledgeSignature.objects.filter(user=user, pledge=OuterRef("pk"))
    return (
        PledgeVersion.objects.filter(effective_at__lte=at)
        .annotate(signed_by_user=Exists(signed))
        .order_by("-version")
        .first()
    )


def latest_signature(*, user: User) -> PledgeSignature | None:
    return user.pledge_signatures.select_related("pledge").order_by("-pledge__version").first()


def has_signed_current_pledge(*, user: User, pledge: PledgeVersion | None = None) -> bool:
    pledge = pledge or current_pledge()
    return pledge is not None and user.pledge_signatures.filter(pledge=pledge).exists()


def active_strikes(*, user: User, at: datetime | None = None) -> QuerySet[Strike]:
    at = at or timezone.now()
    return Strike.objects.filter(user=user, removed_at__isnull=True, expires_at__gt=at)


def open_proposals() -> QuerySet[SanctionProposal]:
    return SanctionProposal.objects.filter(status=ProposalStatus.PROPOSED).select_related("user")


def verification_queue() -> QuerySet[Identity]:
    return (
        Identity.objects.filter(state=VerificationState.PENDING)
        .select_related("user")
        .order_by("submitted_at")
    )
