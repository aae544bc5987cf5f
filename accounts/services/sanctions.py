"""Sanctions: warnings, limitations and suspensions, their appeals, and the strike policy's
proposals. Senior reviewers decide, never about themselves.

What a sanction does to the account's posts (withdrawing what waits, taking down what is live)
is the post lifecycle's business: approvals.enforcement calls these functions and then acts on
the posts, so this module never imports the post services.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import selectors
from accounts.languages import speaking_to, system_text
from accounts.models import (
    AppealOutcome,
    ProposalStatus,
    Sanction,
    SanctionKind,
    SanctionProposal,
    Strike,
    User,
)
from accounts.notifications import inbox_add, notify_on_commit
from accounts.roles import holds
from accounts.time_zones import zone_for
from accounts.validation import required_text
from approvals.audit import audit_record
from approvals.platform.services import account_event_record

SANCTION_OVERTURNED = system_text(gettext_noop("Sanction overturned on appeal."))


def _require_senior(by: User, subject: User, refusal: str) -> None:
    """A senior reviewer (by role, not superuser status), deciding about someone else
    (`refusal`, translated, says why not when it is about themselves)."""
    if not holds(by, "accounts.apply_sanction"):
        raise PermissionDenied(_("Only senior reviewers decide sanctions."))
    if by.pk == subject.pk:
        raise PermissionDenied(refusal)


@transaction.atomic
def proposal_confirm(
    *, proposal: SanctionProposal, by: User, note: str, reason_code: str = "", pledge_clause=None
) -> Sanction:
    proposal = (
        SanctionProposal.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=proposal.pk)
    )
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"note": _proposal_closed(proposal)})
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
    proposal = (
        SanctionProposal.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=proposal.pk)
    )
    _require_senior(
        by, proposal.user, _("Another senior reviewer must decide a proposal about you.")
    )
    note = required_text(note, _("Say why no sanction is needed."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError({"note": _proposal_closed(proposal)})
    _close_proposal(proposal, ProposalStatus.DISMISSED, by, note)
    return proposal


def _proposal_closed(proposal: SanctionProposal) -> str:
    if proposal.status == ProposalStatus.CONFIRMED:
        return _("This proposal was confirmed already.")
    return _("This proposal was dismissed already.")


def _close_proposal(proposal: SanctionProposal, status: str, by: User, note: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at, proposal.note = (
        status,
        by,
        timezone.now(),
        note,
    )
    proposal.save()
    audit_record(
        action=f"proposal.{status}",
        actor=by,
        account=proposal.user,
        note=note,
        data={"proposal_id": proposal.pk, "kind": proposal.kind, "days": proposal.days},
    )


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
    """Warn, limit (no news until a date) or suspend. The platforms the account is linked to
    hear `account.sanctioned`. (approvals.enforcement.sanction_impose also withdraws a
    suspended account's waiting posts; call that one from pages.)"""
    from approvals.models import ReasonCode

    _require_senior(by, user, _("You cannot sanction your own account."))
    note = required_text(note, _("Explain the sanction to the account holder."))
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": _("Choose warning, limitation or suspension.")})
    if kind == SanctionKind.LIMITATION and not days:
        raise ValidationError({"days": _("A limitation needs a number of days.")})
    reason = None
    if reason_code:
        reason = ReasonCode.objects.filter(code=reason_code, active=True).first()
        if reason is None:
            raise ValidationError({"reason_code": _("Choose one of the listed reasons.")})
    pledge = selectors.current_pledge()
    if pledge_clause and (pledge is None or not 1 <= pledge_clause <= len(pledge.clause_list)):
        raise ValidationError({"pledge_clause": _("No such clause in the current pledge.")})

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
    _audit(sanction, "sanction.apply", by, note)
    _account_event("account.sanctioned", sanction)
    inbox_add(user=user, kind=f"sanction.{sanction.kind}", url=reverse("standing"))
    with speaking_to(user):
        notify_on_commit(
            user=user,
            subject=_("%(kind)s on your account") % {"kind": sanction.get_kind_display()},
            template="sanction",
            context={
                "kind": sanction.get_kind_display(),
                "note": note,
                "until": date_format(localtime(ends_at, zone_for(user)), "DATE_FORMAT")
                if ends_at
                else "",
                "reason": reason.local_label if reason else "",
                "clause": pledge_clause or "",
            },
        )
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, by: User, note: str) -> Sanction:
    sanction = (
        Sanction.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=sanction.pk)
    )
    _require_senior(by, sanction.user, _("Another senior reviewer must lift a sanction on you."))
    note = required_text(note, _("Say why the sanction is lifted."))
    if not sanction.is_active():
        raise ValidationError({"note": _("This sanction is not in force.")})
    sanction.lifted_at, sanction.lifted_by, sanction.lift_note = timezone.now(), by, note
    sanction.save()
    _audit(sanction, "sanction.lift", by, note)
    _account_event("account.reinstated", sanction)
    inbox_add(user=sanction.user, kind="sanction.lifted", url=reverse("standing"))
    with speaking_to(sanction.user):
        notify_on_commit(
            user=sanction.user,
            subject=_("%(kind)s lifted") % {"kind": sanction.get_kind_display()},
            template="sanction_lifted",
            context={"kind": sanction.get_kind_display(), "note": note},
        )
    return sanction


@transaction.atomic
def sanction_appeal(*, sanction: Sanction, by: User, statement: str) -> Sanction:
    statement = required_text(statement, _("Say why the sanction should change."), "statement")
    sanction = (
        Sanction.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=sanction.pk)
    )
    if sanction.user_id != by.pk:
        raise PermissionDenied(_("Only the account holder may appeal their sanction."))
    if sanction.appealed_at is not None:
        raise ValidationError({"statement": _("A sanction can be appealed only once.")})
    if timezone.now() > sanction.may_appeal_until():
        raise ValidationError({"statement": _("The appeal window for this sanction has closed.")})
    sanction.appealed_at, sanction.appeal_statement = timezone.now(), statement
    sanction.save()
    _audit(sanction, "sanction.appeal", by, statement)
    return sanction


@transaction.atomic
def sanction_appeal_decide(*, sanction: Sanction, by: User, overturn: bool, note: str) -> Sanction:
    """A senior reviewer who neither imposed the sanction nor is its subject decides its
    appeal. Overturning lifts it, removes the strikes behind it and restores standing."""
    sanction = (
        Sanction.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user")
        .get(pk=sanction.pk)
    )
    _require_senior(by, sanction.user, _("Another senior reviewer must decide your own appeal."))
    if sanction.decided_by_id == by.pk:
        raise PermissionDenied(_("Another senior reviewer must decide an appeal of your sanction."))
    note = required_text(note, _("Explain the decision."))
    if not sanction.appeal_pending:
        raise ValidationError({"note": _("There is no open appeal on this sanction.")})
    now = timezone.now()
    sanction.appeal_outcome = AppealOutcome.OVERTURNED if overturn else AppealOutcome.UPHELD
    sanction.appeal_decided_by, sanction.appeal_decided_at, sanction.appeal_note = by, now, note
    if overturn:
        if sanction.lifted_at is None:
            sanction.lifted_at, sanction.lifted_by, sanction.lift_note = now, by, note
        Strike.objects.filter(
            user=sanction.user, removed_at__isnull=True, created_at__lte=sanction.starts_at
        ).update(
            removed_at=now,
            # Stored in English, like every record; the page that shows it translates it.
            removed_reason=SANCTION_OVERTURNED,
        )
    sanction.save()
    _audit(sanction, f"sanction.appeal_{sanction.appeal_outcome}", by, note)
    if overturn:
        _account_event("account.reinstated", sanction)
    outcome = f"sanction.appeal_{sanction.appeal_outcome}"
    inbox_add(user=sanction.user, kind=outcome, url=reverse("standing"))
    with speaking_to(sanction.user):
        notify_on_commit(
            user=sanction.user,
            subject=_("Appeal upheld")
            if sanction.appeal_outcome == AppealOutcome.UPHELD
            else _("Appeal overturned"),
            template="sanction_appeal",
            context={"outcome": sanction.get_appeal_outcome_display(), "note": note},
        )
    return sanction


def _audit(sanction: Sanction, action: str, by: User, note: str) -> None:
    audit_record(
        action=action,
        actor=by,
        account=sanction.user,
        reason_code=sanction.reason_code,
        note=note,
        data={
            "sanction_id": sanction.pk,
            "kind": sanction.kind,
            "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
        },
    )


def _account_event(event_type: str, sanction: Sanction) -> None:
    account_event_record(
        type=event_type,
        account=sanction.user,
        data={
            "sanction_id": sanction.pk,
            "kind": sanction.kind,
            "starts_at": sanction.starts_at,
            "ends_at": sanction.ends_at,
            "standing": selectors.account_standing(user=sanction.user).kind,
        },
    )
