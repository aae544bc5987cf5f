import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.history import tracked
from accounts.languages import Localized
from accounts.roles import holds


class AccountType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    ORGANISATION = "organisation", _("Organisation")
    PUBLIC_FIGURE = "public_figure", _("Public figure")


class Role(models.TextChoices):
    """Roles are Django groups; the names here are the group names."""

    AUTHOR = "author", _("Author")
    REVIEWER = "reviewer", _("Reviewer")
    SENIOR_REVIEWER = "senior_reviewer", _("Senior reviewer")
    OPERATOR = "operator", _("Operator")


class User(AbstractUser):
    account_type = models.CharField(
        _("account type"),
        max_length=20,
        choices=AccountType.choices,
        default=AccountType.INDIVIDUAL,
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    email_verified_at = models.DateTimeField(
        _("email verified at"),
        null=True,
        blank=True,
        help_text=_("When the holder proved the address is theirs; no email goes to it before."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Times are shown in this zone; empty: the browser's."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Pages and emails are in this language. Set from the language of the first "
            "sign-in; the switch in the navigation changes it."
        ),
    )
    queue_alert_hours = models.PositiveSmallIntegerField(
        _("queue alert after (hours)"),
        default=0,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_(
            "Reviewers: an email when the oldest post waiting on one of your desks has waited "
            "this many hours (once, until that desk catches up again); 0: never."
        ),
    )
    always_review = models.BooleanField(
        _("always review"),
        default=False,
        help_text=_(
            "Every post of this account goes to review, whatever its category. "
            "Set by a senior reviewer, with a note, in the audit trail."
        ),
    )

    class Meta(AbstractUser.Meta):
        permissions = [
            ("verify_identity", "Can decide identity verifications"),
            ("apply_sanction", "Can apply and lift sanctions, decide their appeals"),
        ]

    @property
    def name(self) -> str:
        """How the user is named to other people: display name, full name or username."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def identity_verified(self) -> bool:
        """Has staff checked this account holder's real name? (Not to be confused with
        django-otp's `is_verified()`: has this session passed the second factor.)"""
        identity = getattr(self, "identity", None)
        return identity is not None and identity.state == VerificationState.VERIFIED

    def __str__(self) -> str:
        return self.name

    # A new address must be proved again, however it was changed (a form, the admin, code).
    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_email = user.__dict__.get("email")
        return user

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_email", None)
        if self.pk and stored is not None and self.email != stored:
            self.email_verified_at = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "email_verified_at"}
        super().save(*args, **kwargs)
        self._stored_email = self.email


# --- identity verification ----------------------------------------------------------------


class VerificationState(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity card")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    COMPANY_REGISTRATION = "company_registration", _("Company registration certificate")


def _is_self(identity, user) -> bool:
    return bool(user and user.is_authenticated and identity.user_id == user.pk)


def _may_verify(identity, user) -> bool:
    """Staff holding the permission through a role, and never on their own identity."""
    return holds(user, "accounts.verify_identity") and identity.user_id != user.pk


@tracked()
class Identity(ConcurrentTransitionMixin, models.Model):
    """The real-name check. Of the document only its type, issuing country, a keyed hash of
    its number and the number's last four characters are kept: never the number itself."""

    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="identity", verbose_name=_("user")
    )
    state = FSMField(
        _("state"),
        default=VerificationState.UNVERIFIED,
        choices=VerificationState.choices,
        protected=True,
    )
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    registration_number = models.CharField(
        _("registration number"),
        max_length=50,
        blank=True,
        help_text=_("Organisations: the company or charity number."),
    )
    document_type = models.CharField(
        _("document type"), max_length=30, choices=DocumentType.choices, blank=True
    )
    issuing_country = CountryField(_("issuing country"), blank=True)
    document_hash = models.CharField(
        _("document hash"),
        max_length=64,
        blank=True,
        help_text=_("HMAC of issuing country and number (no salt)."),
    )
    document_last4 = models.CharField(_("document last4"), max_length=4, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="identity_queue_idx"),
            models.Index(fields=["document_hash"], name="identity_document_idx"),
        ]
        constraints = [
            # One identity document verifies one account.
            models.UniqueConstraint(
                fields=["document_hash"],
                condition=Q(state="verified") & ~Q(document_hash=""),
                name="one_verified_account_per_document",
            )
        ]
        triggers = [pgtrigger.Protect(name="identity_is_kept", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        # Translators: an identity in the admin: the legal name and the verification state.
        return gettext("%(name)s (%(state)s)") % {
            "name": self.legal_name or self.user,
            "state": self.get_state_display(),
        }

    @transition(
        field=state,
        source=[
            VerificationState.UNVERIFIED,
            VerificationState.REJECTED,
            VerificationState.VERIFIED,
        ],
        target=VerificationState.PENDING,
        permission=_is_self,
    )
    def submit(self, *, at):
        self.submitted_at = at
        self.decided_at = None
        self.decided_by = None
        self.decision_note = ""

    @transition(
        field=state,
        source=VerificationState.PENDING,
        target=VerificationState.VERIFIED,
        permission=_may_verify,
    )
    def approve(self, *, by, at):
        self.decided_by, self.decided_at = by, at

    @transition(
        field=state,
        source=VerificationState.PENDING,
        target=VerificationState.REJECTED,
        permission=_may_verify,
    )
    def reject(self, *, by, at, note):
        self.decided_by, self.decided_at, self.decision_note = by, at, note


class VerificationAudit(models.Model):
    """Who moved an identity from where to where, and why. Written once."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, choices=VerificationState.choices)
    to_state = models.CharField(max_length=20, choices=VerificationState.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="verification_audit_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_state}→{self.to_state}"


# --- the pledge ---------------------------------------------------------------------------


@tracked()
class PledgeVersion(models.Model):
    """An undertaking text, as numbered clauses (one per line). The current version is the
    newest whose effective date has come."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200, default="The Imprimatur pledge")
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    clauses = models.TextField(
        _("clauses"), help_text=_("One clause per line; they are numbered in order.")
    )
    clauses_zh_hans = models.TextField(
        _("clauses (Simplified Chinese)"),
        blank=True,
        help_text=_("The same clauses, one per line, in the same order."),
    )
    effective_at = models.DateTimeField(_("effective at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pledge version")
        verbose_name_plural = _("pledge versions")
        ordering = ["-version"]
        # What people signed stays what they signed: a change is a new version.
        triggers = [
            pgtrigger.Protect(name="pledge_is_kept", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        # Translators: "v" is short for version.
        return gettext("Pledge v%(version)s") % {"version": self.version}

    local_title = Localized("title")
    local_clauses = Localized("clauses")

    @property
    def clause_list(self) -> list[str]:
        """The clauses in the reader's language (English where none is written)."""
        return [line.strip() for line in self.local_clauses.splitlines() if line.strip()]


@tracked()
class PledgeSignature(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="pledge_signatures", verbose_name=_("user")
    )
    pledge = models.ForeignKey(
        PledgeVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("pledge"),
    )
    typed_name = models.CharField(_("typed name"), max_length=200)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The language of the text the holder read and signed."),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pledge signature")
        verbose_name_plural = _("pledge signatures")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "pledge"], name="one_signature_per_version")
        ]
        triggers = [
            pgtrigger.Protect(
                name="signature_is_kept", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        # Translators: a pledge signature: who signed which version of the pledge.
        return gettext("%(user)s signed v%(version)s") % {
            "user": self.user,
            "version": self.pledge.version,
        }


# --- standing, strikes, sanctions, appeals ------------------------------------------------


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    LIMITATION = "limitation", _("Limitation")
    SUSPENSION = "suspension", _("Suspension")


@tracked()
class Strike(models.Model):
    """An upheld rejection for a violation. Counts toward sanctions until it expires."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="strikes", verbose_name=_("user")
    )
    post = models.OneToOneField(
        "approvals.Post", on_delete=models.PROTECT, related_name="strike", verbose_name=_("post")
    )
    reason_code = models.ForeignKey(
        "approvals.ReasonCode", on_delete=models.PROTECT, verbose_name=_("reason code")
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_reason = models.CharField(_("removed reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering = ["-created_at"]
        triggers = [pgtrigger.Protect(name="strike_is_kept", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return gettext("Strike on %(user)s (%(reason)s)") % {
            "user": self.user,
            "reason": self.reason_code,
        }


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


@tracked()
class SanctionProposal(models.Model):
    """What the strike policy suggests. Nothing is applied until a senior reviewer confirms."""

    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="sanction_proposals",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SanctionKind.choices)
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    active_strikes = models.PositiveIntegerField(_("active strikes"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("sanction proposal")
        verbose_name_plural = _("sanction proposals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("%(kind)s proposed for %(user)s") % {
            "kind": self.get_kind_display(),
            "user": self.user,
        }


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")


@tracked()
class Sanction(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SanctionKind.choices)
    reason_code = models.ForeignKey(
        "approvals.ReasonCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("reason code"),
    )
    pledge_clause = models.PositiveSmallIntegerField(
        _("pledge clause"),
        null=True,
        blank=True,
        help_text=_("The number of the pledge clause that was broken."),
    )
    note = models.TextField(_("note"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    proposal = models.OneToOneField(
        SanctionProposal,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanction",
        verbose_name=_("proposal"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_note = models.TextField(_("lift note"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_statement = models.TextField(_("appeal statement"), blank=True)
    appeal_outcome = models.CharField(
        _("appeal outcome"), max_length=20, choices=AppealOutcome.choices, blank=True
    )
    appeal_decided_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appeal decided by"),
    )
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    appeal_note = models.TextField(_("appeal note"), blank=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(
                fields=["user", "starts_at"], name="sanction_live_idx", condition=Q(lifted_at=None)
            )
        ]
        triggers = [pgtrigger.Protect(name="sanction_is_kept", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(user)s") % {
            "kind": self.get_kind_display(),
            "user": self.user,
        }

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return (
            self.lifted_at is None
            and self.starts_at <= at
            and (self.ends_at is None or self.ends_at > at)
        )

    @property
    def appeal_pending(self) -> bool:
        return self.appealed_at is not None and not self.appeal_outcome

    def may_appeal_until(self):
        return self.starts_at + settings.APPEAL_WINDOW


# --- email to account holders -------------------------------------------------------------


class Notification(models.Model):
    """An email to an account holder: written in the transaction that took the decision it
    tells of, sent by a task after the commit, and swept until sent (accounts.notifications),
    so a broker or mail outage delays it but never loses it."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    to = models.EmailField(
        blank=True, help_text="For mail to an address, not an account (operators, platforms)."
    )
    subject = models.CharField(max_length=200)
    template = models.CharField(max_length=50)
    context = models.JSONField(default=dict)
    language = models.CharField(
        max_length=10, blank=True, help_text="The language the email is written in."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="notification_due_idx", condition=Q(sent_at=None)
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(to=""), name="notification_has_a_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user or self.to}"


# --- in the app: what happened to an account holder's posts and account --------------------


class InAppNotification(models.Model):
    """A line on the holder's notifications page (and the bell's count), written in the
    transaction that took the decision it tells of, beside the email. It keeps a message key
    and its parameters, not rendered text, so it reads in the reader's language of the day."""

    # Whole sentences per key (word order differs between languages); %(title)s: the post's.
    MESSAGES = {
        "post.approve": _("Your post “%(title)s” was approved."),
        "post.reject": _("Your post “%(title)s” was rejected."),
        "post.request_changes": _("A reviewer asked for changes to your post “%(title)s”."),
        "post.overturn": _("Your appeal succeeded: “%(title)s” is approved."),
        "post.uphold": _("Your appeal was decided: the decision on “%(title)s” stands."),
        "post.revoke": _("Your post “%(title)s” was revoked and taken down."),
        "post.withdraw": _("Your post “%(title)s” was withdrawn."),
        "sanction.warning": _("Your account received a warning."),
        "sanction.limitation": _("Your account is limited: you cannot submit news for now."),
        "sanction.suspension": _("Your account is suspended."),
        "sanction.lifted": _("A sanction on your account was lifted."),
        "sanction.appeal_upheld": _("Your appeal was decided: the sanction stands."),
        "sanction.appeal_overturned": _("Your appeal succeeded: the sanction was overturned."),
    }

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="inbox", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("in-app notification")
        verbose_name_plural = _("in-app notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="inbox_list_idx"),
            models.Index(fields=["user"], name="inbox_unread_idx", condition=Q(read_at=None)),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language."""
        message = self.MESSAGES.get(self.kind)
        if message is None:
            return self.kind
        params = {"title": "", **{k: str(v) for k, v in (self.params or {}).items()}}
        return str(message) % params

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class QueueAlert(models.Model):
    """A reviewer was emailed that this desk's oldest waiting post passed their chosen age.
    While the row exists no second email goes out; it is deleted (re-armed) once the desk's
    oldest waiting post is younger than that age again (accounts.notifications)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="queue_alerts")
    desk = models.ForeignKey("approvals.Desk", on_delete=models.CASCADE, related_name="+")
    oldest_submitted_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "desk"], name="one_queue_alert_per_desk")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.desk_id} · {self.sent_at:%Y-%m-%d %H:%M}"
