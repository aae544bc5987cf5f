"""Accounts: creation, identity verification, the pledge, strikes, sanctions and appeals.

Each function that changes something runs in one transaction and records who did it.
Nothing here is applied silently: the strike policy only proposes; a senior reviewer decides.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import has_transition_perm

from accounts import selectors
from accounts.models import (
    AccountType,
    AppealOutcome,
    Identity,
    PledgeSignature,
    PledgeVersion,
    ProposalStatus,
    Role,
    Sanction,
    SanctionKind,
    SanctionProposal,
    Strike,
    User,
    VerificationAudit,
    VerificationState,
)
from accounts.notifications import notify_on_commit
from accounts.validation import required_text

# --- users --------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    display_name: str = "",
    account_type: str = AccountType.INDIVIDUAL,
    roles: tuple[Role, ...] = (Role.AUTHOR,),
) -> User:
    """Create an account holder (or staff member) with the given roles."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
        account_type=account_type,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=roles)
    return user


def user_set_roles(*, user: User, roles: tuple[Role, ...]) -> None:
    groups = [Group.objects.get(name=role) for role in roles]
    user.groups.add(*groups)


# --- identity verification ----------------------------------------------------------------


def _document_digest(salt: str, number: str) -> str:
    key = (settings.IDENTITY_HASH_KEY or f"identity:{settings.SECRET_KEY}").encode()
    normalised = "".join(number.split()).upper()
    return hmac.new(key, f"{salt}:{normalised}".encode(), hashlib.sha256).hexdigest()


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
    """Ask for (re)verification. The document number is hashed with a fresh salt and only
    its last four characters are kept."""
    legal_name = " ".join(legal_name.split())
    number = "".join(document_number.split())
    errors = {}
    if not legal_name:
        errors["legal_name"] = "Enter your legal name as on the document."
    if len(number) < 5:
        errors["document_number"] = "Enter the full document number."
    if len(issuing_country) != 2 or not issuing_country.isalpha():
        errors["issuing_country"] = "Use the two-letter country code, e.g. GB."
    if account_type == AccountType.ORGANISATION and not registration_number.strip():
        errors["registration_number"] = "Organisations give their registration number."
    if errors:
        raise ValidationError(errors)

    identity, _ = Identity.objects.select_for_update().get_or_create(user=user)
    if identity.state == VerificationState.PENDING:
        raise ValidationError({"legal_name": "Your verification is already being checked."})
    if identity.state == VerificationState.VERIFIED and identity.legal_name == legal_name:
        raise ValidationError({"legal_name": "You are verified under this name already."})
    from_state = identity.state
    salt = secrets.token_hex(16)
    identity.legal_name = legal_name
    identity.registration_number = registration_number.strip()
    identity.document_type = document_type
    identity.issuing_country = issuing_country.upper()
    identity.document_salt = salt
    identity.document_hash = _document_digest(salt, number)
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
    identity.approve(by=by, at=timezone.now())
    return _record_identity(identity, by, VerificationState.PENDING, "")


@transaction.atomic
def identity_reject(*, identity: Identity, by: User, note: str) -> Identity:
    note = required_text(note, "Tell the account holder what is wrong.")
    identity = _lock_identity(identity, by, "reject")
    identity.reject(by=by, at=timezone.now(), note=note)
    return _record_identity(identity, by, VerificationState.PENDING, note)


def _lock_identity(identity: Identity, by: User, name: str) -> Identity:
    identity = Identity.objects.select_for_update().select_related("user").get(pk=identity.pk)
    if identity.state != VerificationState.PENDING:
        raise ValidationError(
            {"note": f"This verification is {identity.get_state_display().lower()} already."}
        )
    if not has_transition_perm(getattr(identity, name), by):
        raise PermissionDenied("You may not decide this verification.")
    return identity


def _record_identity(identity: Identity, by: User, from_state: str, note: str) -> Identity:
    identity.save()
    VerificationAudit.objects.create(
        identity=identity, actor=by, from_state=from_state, to_state=identity.state, note=note
    )
    notify_on_commit(
        user=identity.user,
        subject=f"Identity {identity.get_state_display().lower()}",
        template="identity_decision",
        context={"state": identity.get_state_display(), "note": note},
    )
    return identity


# --- the pledge ---------------------------------------------------------------------------


@transaction.atomic
def pledge_publish(
    *, clauses: str, effective_at: datetime | None = None, title: str = ""
) -> PledgeVersion:
    """A new version; from `effective_at` on, authors must sign it before submitting news."""
    last = PledgeVersion.objects.select_for_update().order_by("-version").first()
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


# --- strikes and the policy ---------------------------------------------------------------


@dataclass(frozen=True)
class PolicyStep:
    strikes: int
    kind: str
    days: int | None


def strike_policy() -> list[PolicyStep]:
    steps = []
    for part in settings.STRIKE_POLICY.split(","):
        strikes, kind, *days = part.strip().split(":")
        steps.append(PolicyStep(int(strikes), kind, int(days[0]) if days else None))
    return sorted(steps, key=lambda step: step.strikes)


def strike_record(*, post, at: datetime | None = None) -> Strike | None:
    """A strike for an upheld rejection (appeal upheld, or not appealed in time), if its
    reason is a violation; then ask the policy what to propose. Idempotent per post."""
    if post.reason_code is None or not post.reason_code.is_violation:
        return None
    at = at or timezone.now()
    strike, created = Strike.objects.get_or_create(
        post=post,
        defaults={
            "user": post.author,
            "reason_code": post.reason_code,
            "created_at": at,
            "expires_at": at + settings.STRIKE_LIFETIME,
        },
    )
    if created:
        proposal_for_strikes(user=post.author, at=at)
    return strike


def proposal_for_strikes(*, user: User, at: datetime | None = None) -> SanctionProposal | None:
    """Propose the policy's step for the active strike count, unless it was already
    proposed since the oldest of those strikes."""
    at = at or timezone.now()
    strikes = selectors.active_strikes(user=user, at=at)
    count = strikes.count()
    steps = [step for step in strike_policy() if step.strikes <= count]
    if not steps:
        return None
    step = steps[-1]
    oldest = strikes.order_by("created_at").values_list("created_at", flat=True).first()
    already = SanctionProposal.objects.filter(
        user=user, kind=step.kind, active_strikes__gte=step.strikes, created_at__gte=oldest
    ).exists()
    if already:
        return None
    return SanctionProposal.objects.create(
        user=user, kind=step.kind, days=step.days, active_strikes=count
    )


def strikes_for_lapsed_appeals(*, at: datetime | None = None) -> int:
    """Rejections whose appeal window closed without an appeal become strikes (beat)."""
    from approvals.models import Post, State

    at = at or timezone.now()
    lapsed = Post.objects.filter(
        state=State.REJECTED,
        appealed_at__isnull=True,
        decided_at__lt=at - settings.APPEAL_WINDOW,
        reason_code__is_violation=True,
        strike__isnull=True,
    ).select_related("author", "reason_code")
    made = 0
    for post in lapsed:
        with transaction.atomic():
            made += strike_record(post=post, at=at) is not None
    return made


def strike_remove(*, post, reason: str) -> None:
    Strike.objects.filter(post=post, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_reason=reason
    )


# --- sanctions ----------------------------------------------------------------------------


def _require_sanction_perm(by: User) -> None:
    if not (by.is_authenticated and by.has_perm("accounts.apply_sanction")):
        raise PermissionDenied("Only senior reviewers decide sanctions.")


@transaction.atomic
def proposal_confirm(
    *, proposal: SanctionProposal, by: User, note: str, reason_code: str = "", pledge_clause=None
) -> Sanction:
    proposal = SanctionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"note": f"This proposal was {proposal.status} already."})
    sanction = sanction_apply(
        user=proposal.user,
        by=by,
        kind=proposal.kind,
        days=proposal.days,
        note=note,
        reason_code=reason_code,
        pledge_clause=pledge_clause,
        proposal=proposal,
    )
    _close_proposal(proposal, ProposalStatus.CONFIRMED, by, note)
    return sanction


@transaction.atomic
def proposal_dismiss(*, proposal: SanctionProposal, by: User, note: str) -> SanctionProposal:
    _require_sanction_perm(by)
    note = required_text(note, "Say why no sanction is needed.")
    proposal = SanctionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"note": f"This proposal was {proposal.status} already."})
    _close_proposal(proposal, ProposalStatus.DISMISSED, by, note)
    return proposal


def _close_proposal(proposal: SanctionProposal, status: str, by: User, note: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at, proposal.note = (
        status,
        by,
        timezone.now(),
        note,
    )
    proposal.save()


@transaction.atomic
def sanction_apply(
    *,
    user: User,
    by: User,
    kind: str,
    note: str,
    days: int | None = None,
    reason_code: str = "",
    pledge_clause: int | None = None,
    proposal: SanctionProposal | None = None,
) -> Sanction:
    """Warn, limit (no news until a date) or suspend. A suspension withdraws the account's
    posts that wait for review. The platforms hear `account.sanctioned`."""
    from approvals.models import ReasonCode

    _require_sanction_perm(by)
    note = required_text(note, "Explain the sanction to the account holder.")
    if by.pk == user.pk:
        raise PermissionDenied("You cannot sanction your own account.")
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": "Choose warning, limitation or suspension."})
    if kind == SanctionKind.LIMITATION and not days:
        raise ValidationError({"days": "A limitation needs a number of days."})
    reason = None
    if reason_code:
        reason = ReasonCode.objects.filter(code=reason_code, active=True).first()
        if reason is None:
            raise ValidationError({"reason_code": "Choose one of the listed reasons."})
    pledge = selectors.current_pledge()
    if pledge_clause and (pledge is None or not 1 <= pledge_clause <= len(pledge.clause_list)):
        raise ValidationError({"pledge_clause": "No such clause in the current pledge."})

    now = timezone.now()
    if kind == SanctionKind.WARNING:
        ends_at = now + settings.WARNING_LIFETIME
    else:
        ends_at = now + timedelta(days=days) if days else None
    sanction = Sanction.objects.create(
        user=user,
        kind=kind,
        reason_code=reason,
        pledge_clause=pledge_clause,
        note=note,
        starts_at=now,
        ends_at=ends_at,
        decided_by=by,
        proposal=proposal,
    )
    if kind == SanctionKind.SUSPENSION:
        _withdraw_waiting_posts(user=user, by=by)
    _account_event("account.sanctioned", sanction)
    notify_on_commit(
        user=user,
        subject=f"{sanction.get_kind_display()} on your account",
        template="sanction",
        context={
            "kind": sanction.get_kind_display(),
            "note": note,
            "until": f"{ends_at:%d %b %Y}" if ends_at else "",
            "reason": reason.label if reason else "",
            "clause": pledge_clause or "",
        },
    )
    return sanction


def _withdraw_waiting_posts(*, user: User, by: User) -> None:
    from approvals import services as post_services
    from approvals.models import Post, State

    waiting = Post.objects.filter(
        author=user, state__in=[State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED]
    )
    for post in waiting:
        if post.state == State.UNDER_REVIEW:
            post = post_services.post_release(post=post, by=by)
        post_services.post_withdraw(post=post, by=by, note="Withdrawn: the account is suspended.")


@transaction.atomic
def sanction_lift(*, sanction: Sanction, by: User, note: str) -> Sanction:
    _require_sanction_perm(by)
    note = required_text(note, "Say why the sanction is lifted.")
    sanction = Sanction.objects.select_for_update().select_related("user").get(pk=sanction.pk)
    if not sanction.is_active():
        raise ValidationError({"note": "This sanction is not in force."})
    sanction.lifted_at, sanction.lifted_by, sanction.lift_note = timezone.now(), by, note
    sanction.save()
    _account_event("account.reinstated", sanction)
    notify_on_commit(
        user=sanction.user,
        subject=f"{sanction.get_kind_display()} lifted",
        template="sanction_lifted",
        context={"kind": sanction.get_kind_display(), "note": note},
    )
    return sanction


@transaction.atomic
def sanction_appeal(*, sanction: Sanction, by: User, statement: str) -> Sanction:
    statement = required_text(statement, "Say why the sanction should change.", "statement")
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.user_id != by.pk:
        raise PermissionDenied("Only the account holder may appeal their sanction.")
    if sanction.appealed_at is not None:
        raise ValidationError({"statement": "A sanction can be appealed only once."})
    if timezone.now() > sanction.may_appeal_until():
        raise ValidationError({"statement": "The appeal window for this sanction has closed."})
    sanction.appealed_at, sanction.appeal_statement = timezone.now(), statement
    sanction.save()
    return sanction


@transaction.atomic
def sanction_appeal_decide(*, sanction: Sanction, by: User, overturn: bool, note: str) -> Sanction:
    """A senior reviewer who did not impose the sanction decides its appeal. Overturning
    lifts it, removes the strikes behind it and restores standing."""
    _require_sanction_perm(by)
    note = required_text(note, "Explain the decision.")
    sanction = Sanction.objects.select_for_update().select_related("user").get(pk=sanction.pk)
    if not sanction.appeal_pending:
        raise ValidationError({"note": "There is no open appeal on this sanction."})
    if sanction.decided_by_id == by.pk:
        raise PermissionDenied("Another senior reviewer must decide an appeal of your sanction.")
    now = timezone.now()
    sanction.appeal_outcome = AppealOutcome.OVERTURNED if overturn else AppealOutcome.UPHELD
    sanction.appeal_decided_by, sanction.appeal_decided_at, sanction.appeal_note = by, now, note
    if overturn:
        if sanction.lifted_at is None:
            sanction.lifted_at, sanction.lifted_by, sanction.lift_note = now, by, note
        Strike.objects.filter(
            user=sanction.user, removed_at__isnull=True, created_at__lte=sanction.starts_at
        ).update(removed_at=now, removed_reason="Sanction overturned on appeal.")
    sanction.save()
    if overturn:
        _account_event("account.reinstated", sanction)
    notify_on_commit(
        user=sanction.user,
        subject=f"Appeal {sanction.get_appeal_outcome_display().lower()}",
        template="sanction_appeal",
        context={"outcome": sanction.get_appeal_outcome_display(), "note": note},
    )
    return sanction


def _account_event(event_type: str, sanction: Sanction) -> None:
    from approvals.platform.services import event_record

    event_record(
        type=event_type,
        platform=None,
        data={
            "account": sanction.user.username,
            "sanction_id": sanction.pk,
            "kind": sanction.kind,
            "starts_at": sanction.starts_at,
            "ends_at": sanction.ends_at,
            "standing": selectors.account_standing(user=sanction.user).kind,
        },
    )
