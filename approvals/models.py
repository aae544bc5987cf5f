"""Posts, desks, reason codes, revisions and the audit trail.

The Post state graph below is the lifecycle of DESIGN.md. Transition bodies only set the
post's own fields; locking, permission checks, audit and outbox live in approvals.services.
"""

import hashlib
import json
from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.history import tracked
from accounts.languages import Localized
from approvals import conditions as c
from approvals import permissions as p
from approvals import priority


class Category(models.TextChoices):
    NEWS = "news", _("News")
    CURRENT_AFFAIRS = "current_affairs", _("Current affairs")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    CLEARED = "cleared", _("Cleared")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Appealed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")


# A state as a sentence names it ("This post is under review; …"): English writes it in lower
# case, other languages as they need. A separate string, not `.lower()` of the label.
STATE_IN_SENTENCE = {
    State.DRAFT: pgettext_lazy("post state, inside a sentence", "draft"),
    State.SUBMITTED: pgettext_lazy("post state, inside a sentence", "submitted"),
    State.UNDER_REVIEW: pgettext_lazy("post state, inside a sentence", "under review"),
    State.CHANGES_REQUESTED: pgettext_lazy("post state, inside a sentence", "changes requested"),
    State.APPROVED: pgettext_lazy("post state, inside a sentence", "approved"),
    State.CLEARED: pgettext_lazy("post state, inside a sentence", "cleared"),
    State.REJECTED: pgettext_lazy("post state, inside a sentence", "rejected"),
    State.APPEALED: pgettext_lazy("post state, inside a sentence", "appealed"),
    State.WITHDRAWN: pgettext_lazy("post state, inside a sentence", "withdrawn"),
    State.REVOKED: pgettext_lazy("post state, inside a sentence", "revoked"),
}


def state_in_sentence(state: str) -> str:
    """The post state `state` as it reads inside a sentence, in the active language."""
    return str(STATE_IN_SENTENCE[state])


_STATE_LABELS = {value: label for value, label in State.choices}
_CATEGORY_LABELS = {value: label for value, label in Category.choices}

PUBLISHABLE_STATES = (State.APPROVED, State.CLEARED)
QUEUE_STATES = (State.SUBMITTED, State.UNDER_REVIEW)


class Desk(models.Model):
    """A review team. Reviewers hold `review_desk` on the desks they serve."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_zh_hans = models.TextField(_("description (Simplified Chinese)"), blank=True)
    target_hours = models.PositiveSmallIntegerField(
        _("target time to decision (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A waiting post should be decided within this many hours of its submission; the "
            "queue shows the deadline and marks it when it is close or past."
        ),
    )

    local_name = Localized("name")
    local_description = Localized("description")

    class Meta:
        ordering = ["name"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        permissions = [("review_desk", "Can review posts on this desk")]

    def __str__(self) -> str:
        return self.local_name


@tracked()
class DeskUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission rows (guardian): a fast join, no generic relation."""

    content_object = models.ForeignKey(Desk, on_delete=models.CASCADE)


@tracked()
class DeskGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Desk, on_delete=models.CASCADE)


@tracked()
class CategoryRoute(models.Model):
    """The desk a new post of a category goes to unless an operator moves it."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, unique=True)
    desk = models.ForeignKey(
        Desk, on_delete=models.PROTECT, related_name="routes", verbose_name=_("desk")
    )

    class Meta:
        verbose_name = _("category route")
        verbose_name_plural = _("category routes")

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.desk}"


@tracked()
class ReasonCode(models.Model):
    """Why a post was rejected or revoked. Data, editable in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh_hans = models.TextField(_("description (Simplified Chinese)"), blank=True)
    is_violation = models.BooleanField(
        _("is violation"),
        default=True,
        help_text=_("An upheld rejection for this reason counts as a strike."),
    )
    active = models.BooleanField(_("active"), default=True)

    local_label = Localized("label")
    local_description = Localized("description")

    class Meta:
        ordering = ["label"]
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")

    def __str__(self) -> str:
        return self.local_label


@tracked()
class NoteTemplate(models.Model):
    """A ready-made note a reviewer starts from when rejecting, requesting changes or taking a
    post down: picked on the post page, it fills the note, which the reviewer then edits.
    Data, editable in the admin, in English and Chinese like the other reference data."""

    reason_code = models.ForeignKey(
        ReasonCode,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="note_templates",
        verbose_name=_("reason code"),
        help_text=_("Offered with this reason only; leave empty to offer it with every reason."),
    )
    title = models.CharField(_("title"), max_length=100)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=100, blank=True)
    body = models.TextField(_("body"))
    body_zh_hans = models.TextField(_("body (Simplified Chinese)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    local_title = Localized("title")
    local_body = Localized("body")

    class Meta:
        ordering = ["reason_code__label", "title"]
        verbose_name = _("note template")
        verbose_name_plural = _("note templates")

    def __str__(self) -> str:
        return self.local_title


# The longest note an author may leave the reviewer with a submission.
AUTHOR_NOTE_MAX_LENGTH = 1000


# The content hash: SHA-256 over the canonical JSON (RFC 8785) of exactly the title and body
# that were submitted. Named in every post event, so the contract can move to another version.
CONTENT_HASH_ALGORITHM = "sha256-jcs-v1"


def content_hash(title: str, body: str) -> str:
    """SHA-256 of {"body": …, "title": …} as RFC 8785 canonical JSON in UTF-8: keys sorted,
    no whitespace, no escaping beyond what JSON requires. Unambiguous: no split of the same
    characters between title and body gives the same bytes."""
    canonical = json.dumps(
        {"title": title, "body": body}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class Post(ConcurrentTransitionMixin, models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("author"),
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.PROTECT, related_name="posts", verbose_name=_("desk")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.NEWS
    )
    repost_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reposts",
        verbose_name=_("repost of"),
    )
    platform = models.ForeignKey(
        "approvals.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("platform"),
        help_text=_("The platform that submitted the post through the API, if any."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=200,
        blank=True,
        help_text=_("The platform's own id for the post."),
    )
    state = FSMField(
        verbose_name=_("state"),
        default=State.DRAFT,
        choices=State.choices,
        protected=True,
        db_index=False,
    )

    current_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current revision"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_posts",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_posts",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason_code = models.ForeignKey(
        ReasonCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("reason code"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_statement = models.TextField(_("appeal statement"), blank=True)
    appealed_from = models.CharField(
        _("appealed from"),
        max_length=20,
        choices=[(State.REJECTED, State.REJECTED.label), (State.REVOKED, State.REVOKED.label)],
        blank=True,
        help_text=_("The decision the appeal contests: a rejection or a takedown."),
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    screening_score = models.FloatField(
        _("screening score"),
        null=True,
        blank=True,
        help_text=_("How much the text reads like news (screening)."),
    )
    screening_matches = models.JSONField(
        _("screening matches"),
        default=list,
        blank=True,
        help_text=_("The watched terms and sources screening found."),
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    not_before = models.DateTimeField(
        _("not before"),
        null=True,
        blank=True,
        help_text=_("An embargo set with the approval: the platform publishes only after it."),
    )

    # The queue (approvals.priority): set when the post enters it (submit, resubmit).
    due_at = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("When a decision is due: the submission plus the desk's target time."),
    )
    priority_at = models.DateTimeField(
        _("queue priority"),
        null=True,
        blank=True,
        help_text=_("The deadline, brought forward by the screening score: the queue's order."),
    )
    escalated_at = models.DateTimeField(
        _("escalated at"),
        null=True,
        blank=True,
        help_text=_("When the post went to the senior reviewers (past its deadline, or by hand)."),
    )
    # A resubmission goes back to the reviewer who asked for the changes, until then.
    reserved_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # post_reserved_idx, partial: almost every post has none
        verbose_name=_("returned to"),
    )
    reserved_until = models.DateTimeField(_("returned until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [
            ("review_post", "Can review posts (on the desks they serve)"),
            ("decide_appeal", "Can decide appeals"),
            ("revoke_post", "Can revoke approved posts"),
            ("release_any_claim", "Can release another reviewer's claim"),
        ]
        indexes = [
            # The reviewer queue: waiting posts in the order the queue shows them, so a page is
            # a short in-order index scan filtered by desk, however many posts there are.
            models.Index(
                fields=["submitted_at", "id"],
                name="post_queue_idx",
                condition=Q(state__in=["submitted", "under_review", "appealed"]),
            ),
            models.Index(fields=["state", "submitted_at", "id"], name="post_state_idx"),
            # The queue's counts per desk: a short index-only scan, however long the queue.
            models.Index(
                fields=["desk", "state"],
                name="post_desk_waiting_idx",
                condition=Q(state__in=["submitted", "under_review"]),
            ),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
            # The queue in priority order (approvals.priority.QUEUE_ORDER): a page, and claim
            # next, are a short in-order walk of this index filtered by desk.
            models.Index(
                priority.NOT_ESCALATED,
                F("priority_at"),
                F("submitted_at"),
                F("id"),
                name="post_priority_idx",
                condition=Q(state__in=["submitted", "under_review"]),
            ),
            # The escalation sweep: waiting posts past their deadline, not yet escalated.
            models.Index(
                fields=["due_at"],
                name="post_overdue_idx",
                condition=Q(state__in=["submitted", "under_review"], escalated_at__isnull=True),
            ),
            # The idle-claim sweep.
            models.Index(
                fields=["claimed_at"], name="post_claimed_idx", condition=Q(state="under_review")
            ),
            models.Index(
                fields=["reserved_for"],
                name="post_reserved_idx",
                condition=Q(reserved_for__isnull=False),
            ),
            # Oversight: "other" posts screening scored, by submission (small: few are scored).
            models.Index(
                fields=["submitted_at", "desk"],
                name="post_screened_idx",
                condition=Q(category="other", screening_score__isnull=False),
            ),
            # "My posts": an author's posts, last updated first, read in order a page at a time
            # (no sort of every post of a prolific author).
            models.Index(fields=["author", "-updated_at", "-id"], name="post_author_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                condition=~Q(external_id=""),
                name="external_id_unique_per_platform",
            ),
            # One claimer, exactly while under review: the database refuses a second claim,
            # a claim on a post that is not in review, and a review without a claimer.
            models.CheckConstraint(
                condition=(
                    Q(state="under_review", claimed_by__isnull=False)
                    | (~Q(state="under_review") & Q(claimed_by__isnull=True))
                ),
                name="post_claimed_iff_under_review",
            ),
            # Separation of duties, in the database too: nobody claims or decides their own.
            models.CheckConstraint(
                condition=~Q(claimed_by=F("author")), name="post_claimer_is_not_author"
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("author")), name="post_decider_is_not_author"
            ),
            models.CheckConstraint(
                condition=~Q(reserved_for=F("author")), name="post_reserved_for_is_not_author"
            ),
            # An appeal remembers what it contests (uphold goes back there), and only a
            # rejection or a takedown can be contested.
            models.CheckConstraint(
                condition=Q(appealed_from__in=["", "rejected", "revoked"])
                & (~Q(state="appealed") | ~Q(appealed_from="")),
                name="post_appeal_knows_what_it_contests",
            ),
            # A takedown is dated and signed while the post is down.
            models.CheckConstraint(
                condition=~Q(state="revoked") | Q(revoked_at__isnull=False),
                name="post_revoked_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title or _("Post %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("approvals:post_detail", args=[self.pk])

    # Labels for lists: one translation lookup each. Django's generated get_FOO_display hashes
    # every (lazy, translated) choice label on each call, which on a page of 25 posts was
    # hundreds of translation lookups.
    def get_state_display(self) -> str:
        return str(_STATE_LABELS.get(self.state, self.state))

    def get_category_display(self) -> str:
        return str(_CATEGORY_LABELS.get(self.category, self.category))

    # --- derived -------------------------------------------------------------------------

    def content_hash(self) -> str:
        return content_hash(self.title, self.body)

    @property
    def deadline(self):
        """When a decision is due: the submission plus the desk's target time (as it was
        when the post was submitted, `due_at`)."""
        if self.due_at is not None:
            return self.due_at
        if self.submitted_at is None:
            return None
        return priority.due_at(submitted_at=self.submitted_at, target_hours=self.desk.target_hours)

    @property
    def is_escalated(self) -> bool:
        """Escalated to the senior reviewers, and still waiting for a decision."""
        return self.escalated_at is not None and self.state in QUEUE_STATES

    @property
    def returned_to(self):
        """The reviewer this resubmission waits for (who asked for the changes), while the
        reservation holds; else None."""
        if self.reserved_for_id is None or self.state != State.SUBMITTED:
            return None
        if self.reserved_until is None or self.reserved_until <= timezone.now():
            return None
        return self.reserved_for

    def _enter_queue(self, at) -> None:
        """A new round of review: a deadline from the desk's target, a place in the queue,
        no escalation yet."""
        self.due_at = priority.due_at(submitted_at=at, target_hours=self.desk.target_hours)
        self.priority_at = priority.priority_at(
            due=self.due_at, screening_score=self.screening_score
        )
        self.escalated_at = None

    @property
    def deadline_status(self) -> str:
        """ "overdue" once the deadline has passed, "soon" in the last quarter of the target
        time, else "" (only while the post waits for a decision)."""
        if self.state not in QUEUE_STATES or self.deadline is None:
            return ""
        left = self.deadline - timezone.now()
        if left <= timedelta(0):
            return "overdue"
        return "soon" if left <= timedelta(hours=self.desk.target_hours) / 4 else ""

    @property
    def is_resubmission(self) -> bool:
        return self.current_revision is not None and self.current_revision.number > 1

    @property
    def pulled_in_by_screening(self) -> bool:
        """Filed as "other" but in review because screening found it reads like news."""
        return self.category == Category.OTHER and self.flagged_as_news

    @property
    def flagged_as_news(self) -> bool:
        """Did screening (run at submit and resubmit) find that the text reads like news?"""
        return self.screening_score is not None and (
            self.screening_score >= settings.SCREENING_THRESHOLD
        )

    def needs_review_as_filed(self) -> bool:
        """News, current affairs, `other` that screening flags as news, or anything by an
        account a senior reviewer has set to "always review"."""
        return self.category != Category.OTHER or self.flagged_as_news or self.author.always_review

    def clears_without_review(self) -> bool:
        if self.author.always_review:
            return False
        if self.repost_of_id is not None:
            return self.repost_of.state in PUBLISHABLE_STATES and not self._reposts_edited()
        return not self.needs_review_as_filed()

    def _reposts_edited(self) -> bool:
        return self.content_hash() != self.repost_of.content_hash()

    @property
    def embargoed_until(self):
        """The approval's "not before" time while the post stands approved, else None."""
        return self.not_before if self.state == State.APPROVED else None

    @property
    def is_editable(self) -> bool:
        return self.state in (State.DRAFT, State.CHANGES_REQUESTED)

    def clean(self) -> None:
        if self.repost_of_id is not None and self.repost_of_id == self.pk:
            raise ValidationError({"repost_of": _("A post cannot be a repost of itself.")})

    # --- the state graph -----------------------------------------------------------------

    @transition(
        field=state,
        source=State.DRAFT,
        target=RETURN_VALUE(State.SUBMITTED, State.CLEARED),
        conditions=[c.has_content, c.repost_of_allowed, c.author_may_submit],
        permission=p.is_author,
    )
    def submit(self, *, at):
        self.submitted_at = at
        if self.clears_without_review():
            return State.CLEARED
        self._enter_queue(at)
        return State.SUBMITTED

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        conditions=[c.is_unclaimed],
        permission=p.may_claim,
    )
    def claim(self, *, by, at):
        self.claimed_by = by
        self.claimed_at = at
        self.reserved_for = None  # a returned post, claimed: the reservation is spent
        self.reserved_until = None

    @transition(
        field=state, source=State.UNDER_REVIEW, target=State.SUBMITTED, permission=p.may_release
    )
    def release(self):
        self.claimed_by = None
        self.claimed_at = None

    def _decide(self, *, by, at, note="", reason_code=None, not_before=None):
        self.claimed_by = None
        self.claimed_at = None
        self.decided_by = by
        self.decided_at = at
        self.decision_note = note
        self.reason_code = reason_code
        self.not_before = not_before

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.APPROVED,
        conditions=[c.original_not_taken_down],
        permission=p.is_claimer,
    )
    def approve(self, *, by, at, note="", not_before=None):
        self._decide(by=by, at=at, note=note, not_before=not_before)

    @transition(
        field=state, source=State.UNDER_REVIEW, target=State.REJECTED, permission=p.is_claimer
    )
    def reject(self, *, by, at, reason_code, note):
        self._decide(by=by, at=at, note=note, reason_code=reason_code)

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.CHANGES_REQUESTED,
        permission=p.is_claimer,
    )
    def request_changes(self, *, by, at, note):
        self._decide(by=by, at=at, note=note)

    @transition(
        field=state,
        source=State.CHANGES_REQUESTED,
        target=State.SUBMITTED,
        conditions=[
            c.has_content,
            c.has_unsubmitted_changes,
            c.repost_of_allowed,
            c.author_may_submit,
        ],
        permission=p.is_author,
    )
    def resubmit(self, *, at):
        self.submitted_at = at
        self._enter_queue(at)

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED],
        target=State.WITHDRAWN,
        permission=p.may_withdraw,
    )
    def withdraw(self):
        pass

    @property
    def appeal_window_closes(self):
        """Until when the decision now standing against the post (a rejection or a takedown)
        may be appealed; None if there is none."""
        if self.state == State.REVOKED:
            since = self.revoked_at
        elif self.state == State.REJECTED:
            since = self.decided_at
        else:
            return None
        return since + settings.APPEAL_WINDOW if since is not None else None

    @transition(
        field=state,
        source=[State.REJECTED, State.REVOKED],
        target=State.APPEALED,
        conditions=[c.not_appealed_before, c.within_appeal_window],
        permission=p.is_author,
    )
    def appeal(self, *, at, statement):
        self.appealed_from = self.state
        self.appealed_at = at
        self.appeal_statement = statement

    @transition(
        field=state,
        source=State.APPEALED,
        target=State.APPROVED,
        conditions=[c.original_not_taken_down],
        permission=p.may_decide_appeal,
    )
    def overturn(self, *, by, at, note):
        self._decide(by=by, at=at, note=note)

    @transition(
        field=state,
        source=State.APPEALED,
        target=RETURN_VALUE(State.REJECTED, State.REVOKED),
        permission=p.may_decide_appeal,
    )
    def uphold(self, *, by, at, note):
        """Back to what the appeal contested: the rejection, or the takedown."""
        if self.appealed_from == State.REVOKED:
            self.decision_note = note  # the takedown stands; who took it down is kept
            return State.REVOKED
        self._decide(by=by, at=at, note=note, reason_code=self.reason_code)
        return State.REJECTED

    @transition(
        field=state,
        source=[State.APPROVED, State.CLEARED],
        target=State.REVOKED,
        permission=p.may_revoke,
    )
    def revoke(self, *, by, at, reason_code, note=""):
        self.reason_code = reason_code
        self.decision_note = note
        self.revoked_by = by
        self.revoked_at = at


class Revision(models.Model):
    """The content of a post as it was submitted: frozen, hashed, numbered per post."""

    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("post")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    content_hash_algorithm = models.CharField(
        _("content hash algorithm"), max_length=30, default=CONTENT_HASH_ALGORITHM
    )
    author_note = models.CharField(
        _("note to the reviewer"),
        max_length=AUTHOR_NOTE_MAX_LENGTH,
        blank=True,
        help_text=_("What the author told the reviewer with this submission; never changed."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["post", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="revision_number_per_post")
        ]
        triggers = [
            pgtrigger.Protect(
                name="revision_is_frozen", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id} r{self.number}"


# The audit actions that decide a post (what the oversight dashboard and export count).
DECISION_ACTIONS = (
    "post.approve",
    "post.reject",
    "post.request_changes",
    "post.overturn",
    "post.uphold",
    "post.revoke",
)


class AuditEntry(models.Model):
    """One link of the audit chain (approvals.audit): a transition of a post, or a decision
    about an account. Who, when, from, to, why. Written once; the database refuses changes."""

    seq = models.PositiveBigIntegerField(
        _("seq"), unique=True, help_text=_("Position in the chain.")
    )
    post = models.ForeignKey(
        Post,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("post"),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("account"),
        help_text=_("The account a decision is about (sanctions, identity, always review)."),
    )
    action = models.CharField(_("action"), max_length=40)  # namespaced: "post.approve"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices, blank=True)
    reason_code = models.ForeignKey(
        ReasonCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("reason code"),
    )
    note = models.TextField(_("note"), blank=True)
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("revision")
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["post", "seq"], name="audit_post_idx"),
            # Oversight: decisions of some kinds in a date range, without the rest of the chain.
            models.Index(
                fields=["action", "created_at"],
                name="audit_decision_idx",
                condition=Q(action__in=DECISION_ACTIONS),
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are immutable.")

    # What the history shows for steps whose resulting state alone would mislead: an
    # overturned rejection ends "approved", an upheld one "rejected".
    DESCRIPTIONS = {
        "post.create": pgettext_lazy("history", "draft created"),
        "post.overturn": pgettext_lazy("history", "overturned on appeal: approved"),
        "post.uphold": pgettext_lazy("history", "upheld on appeal: rejected"),
        "post.uphold.revoked": pgettext_lazy("history", "upheld on appeal: taken down"),
        "post.reclassify": pgettext_lazy("history", "category changed"),
        "post.move_desk": pgettext_lazy("history", "moved to another desk"),
        "post.escalate": pgettext_lazy("history", "escalated to the senior reviewers"),
    }

    @property
    def description(self) -> str:
        """The step in words, for the post's history."""
        if self.action == "post.release" and (self.data or {}).get("automatic"):
            return str(pgettext_lazy("history", "claim released automatically: left idle"))
        if self.action == "post.uphold" and self.to_state == State.REVOKED:
            return str(self.DESCRIPTIONS["post.uphold.revoked"])
        if self.action in self.DESCRIPTIONS:
            return str(self.DESCRIPTIONS[self.action])
        return state_in_sentence(self.to_state) if self.to_state else self.action


class Takedown(models.Model):
    """A senior reviewer's order to take down every live post of an account. A task works
    through the posts in chunks (TAKEDOWN_CHUNK_SIZE per transaction), each post revoked with
    its own transition, audit entry and event, until none is left."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="takedowns",
        verbose_name=_("account"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason_code = models.ForeignKey(
        ReasonCode, on_delete=models.PROTECT, verbose_name=_("reason code")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_count = models.PositiveIntegerField(_("revoked count"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("takedown")
        verbose_name_plural = _("takedowns")
        indexes = [
            models.Index(
                fields=["created_at"], name="takedown_open_idx", condition=Q(finished_at=None)
            )
        ]

    def __str__(self) -> str:
        return ngettext(
            "Takedown of %(account)s (%(count)d post)",
            "Takedown of %(account)s (%(count)d posts)",
            self.revoked_count,
        ) % {"account": self.account, "count": self.revoked_count}


class Heartbeat(models.Model):
    """The last time a part of the service showed it was alive: "worker" when it ran the
    outbox sweep, "beat" when it sent it. /healthz reads them."""

    name = models.CharField(max_length=20, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%H:%M:%S}"


class AuditChainHead(models.Model):
    """The newest link of the audit chain (one row). Appending locks it, so links are made one
    at a time; it also tells `audit_verify` when entries were cut from the end."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        triggers = [
            pgtrigger.Protect(name="audit_head_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="audit_head_moves_forward",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(new__seq__lte=pgtrigger.F("old__seq")),
            ),
        ]

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


# --- quality: the blind second review ------------------------------------------------------


class ReviewDecision(models.TextChoices):
    """A decision on a post, as the first and the second reviewer take it."""

    APPROVED = "approved", _("Approve")
    REJECTED = "rejected", _("Reject")
    CHANGES_REQUESTED = "changes_requested", _("Request changes")


class SecondReviewState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CLAIMED = "claimed", _("Claimed")
    AGREED = "agreed", _("Agreed")
    DISAGREED = "disagreed", _("Disagreed")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    FIRST = "first", _("The first decision stands")
    SECOND = "second", _("The second reviewer is right")


OPEN_SECOND_REVIEW_STATES = (SecondReviewState.WAITING, SecondReviewState.CLAIMED)


class SecondReview(ConcurrentTransitionMixin, models.Model):
    """A sampled decision looked at again, blind, by another reviewer of the desk
    (approvals.second_review). The first decision is copied here when it is taken and never
    changes; the second reviewer does not see it. A disagreement goes to a senior reviewer.
    Nothing here changes the post: only a senior's revoke (the usual service) does."""

    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, related_name="second_reviews", verbose_name=_("post")
    )
    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="+", verbose_name=_("revision")
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.PROTECT, related_name="+", verbose_name=_("desk")
    )
    # The post's author, copied so that the database can refuse them as second reviewer (a
    # trigger checks the copy against the post).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    first_decision = models.CharField(
        _("first decision"), max_length=20, choices=ReviewDecision.choices
    )
    first_reason_code = models.ForeignKey(
        ReasonCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first reason code"),
    )
    first_note = models.TextField(_("first note"), blank=True)
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first reviewer"),
    )
    first_decided_at = models.DateTimeField(_("first decided at"))

    state = FSMField(
        verbose_name=_("state"),
        default=SecondReviewState.WAITING,
        choices=SecondReviewState.choices,
        protected=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_reviews",
        verbose_name=_("second reviewer"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    decision = models.CharField(
        _("second decision"), max_length=20, choices=ReviewDecision.choices, blank=True
    )
    reason_code = models.ForeignKey(
        ReasonCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("second reason code"),
    )
    note = models.TextField(_("second note"), blank=True)
    decided_at = models.DateTimeField(_("second decided at"), null=True, blank=True)

    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    revoked = models.BooleanField(
        _("revoked"), default=False, help_text=_("The senior took the post down on resolving.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("second review")
        verbose_name_plural = _("second reviews")
        indexes = [
            models.Index(
                fields=["desk", "created_at"],
                name="second_review_open_idx",
                condition=Q(state__in=["waiting", "claimed"]),
            ),
            models.Index(
                fields=["created_at"],
                name="second_review_disagreed_idx",
                condition=Q(state="disagreed"),
            ),
        ]
        constraints = [
            # One second look per decided revision (a post is decided once per revision).
            models.UniqueConstraint(fields=["post", "revision"], name="second_review_once"),
            # Separation of duties, in the database too: never the author, never the first
            # reviewer; the senior who resolves is none of the three.
            models.CheckConstraint(
                condition=~Q(reviewer=F("author")), name="second_reviewer_is_not_author"
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=F("first_reviewer")),
                name="second_reviewer_is_not_first_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(resolved_by=F("author"))
                & ~Q(resolved_by=F("first_reviewer"))
                & ~Q(resolved_by=F("reviewer")),
                name="second_review_resolver_is_neither",
            ),
            # A reviewer exactly once claimed; a decision exactly once decided.
            models.CheckConstraint(
                condition=Q(state="waiting", reviewer__isnull=True)
                | (~Q(state="waiting") & Q(reviewer__isnull=False)),
                name="second_review_claimed_iff_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "claimed"], decision="")
                | (~Q(state__in=["waiting", "claimed"]) & ~Q(decision="")),
                name="second_review_decided_iff_decision",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="second_review_kept", operation=pgtrigger.Delete),
            # The first decision as it was taken: copied once, never rewritten.
            pgtrigger.Protect(
                name="second_review_first_decision_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "post",
                    "revision",
                    "desk",
                    "author",
                    "first_decision",
                    "first_reason_code",
                    "first_note",
                    "first_reviewer",
                    "first_decided_at",
                ),
            ),
            # The copied author is the post's author (so the check constraint above means it).
            pgtrigger.Trigger(
                name="second_review_author_is_posts",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                func=pgtrigger.Func(
                    "IF NEW.author_id IS DISTINCT FROM "
                    "(SELECT author_id FROM approvals_post WHERE id = NEW.post_id) "
                    "THEN RAISE EXCEPTION 'second review: author is not the post''s author' "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("Second review of %(post)s") % {"post": self.post_id}

    def get_absolute_url(self) -> str:
        return reverse("approvals:second_review", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_SECOND_REVIEW_STATES

    @property
    def first_decision_label(self) -> str:
        """The first decision as taken ("Approved"), the post state's own label."""
        return str(State(self.first_decision).label)

    @property
    def decision_label(self) -> str:
        return str(State(self.decision).label) if self.decision else ""

    def agrees(self, decision: str, reason_code) -> bool:
        """The same decision; for a rejection, also the same reason."""
        if decision != self.first_decision:
            return False
        if decision == ReviewDecision.REJECTED:
            return getattr(reason_code, "pk", None) == self.first_reason_code_id
        return True

    # --- the graph -------------------------------------------------------------------------

    @transition(
        field=state,
        source=SecondReviewState.WAITING,
        target=SecondReviewState.CLAIMED,
        permission=p.may_second_review,
    )
    def claim(self, *, by, at):
        self.reviewer = by
        self.claimed_at = at

    @transition(
        field=state,
        source=SecondReviewState.CLAIMED,
        target=SecondReviewState.WAITING,
        permission=p.is_second_reviewer,
    )
    def release(self):
        self.reviewer = None
        self.claimed_at = None

    @transition(
        field=state,
        source=SecondReviewState.CLAIMED,
        target=RETURN_VALUE(SecondReviewState.AGREED, SecondReviewState.DISAGREED),
        permission=p.is_second_reviewer,
    )
    def decide(self, *, at, decision, reason_code, note):
        self.decision = decision
        self.reason_code = reason_code
        self.note = note
        self.decided_at = at
        if self.agrees(decision, reason_code):
            return SecondReviewState.AGREED
        return SecondReviewState.DISAGREED

    @transition(
        field=state,
        source=SecondReviewState.DISAGREED,
        target=SecondReviewState.RESOLVED,
        permission=p.may_resolve_second_review,
    )
    def resolve(self, *, by, at, resolution, note, revoked):
        self.resolution = resolution
        self.resolved_by = by
        self.resolution_note = note
        self.resolved_at = at
        self.revoked = revoked


class QueueDepthSample(models.Model):
    """How many posts waited on a desk at one moment, and how many of them were past their
    deadline: written by a beat task (approvals.oversight.queue_depth_sample) once per
    QUEUE_SAMPLE_SECONDS, at most one row per desk and time bucket. The oversight dashboard
    draws the queue over time from these rows instead of replaying the posts' history."""

    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="queue_samples", verbose_name=_("desk")
    )
    at = models.DateTimeField(_("at"), help_text=_("The start of the time bucket sampled."))
    waiting = models.PositiveIntegerField(_("waiting"))
    overdue = models.PositiveIntegerField(_("overdue"))

    class Meta:
        ordering = ["at", "desk"]
        verbose_name = _("queue depth sample")
        verbose_name_plural = _("queue depth samples")
        constraints = [
            models.UniqueConstraint(fields=["desk", "at"], name="queue_sample_once_per_bucket")
        ]
        indexes = [models.Index(fields=["at"], name="queue_sample_at_idx")]

    def __str__(self) -> str:
        return f"{self.desk_id} @ {self.at:%Y-%m-%d %H:%M}: {self.waiting}"


class DecisionTimeRollup(models.Model):
    """The first decisions (approve, reject, request changes) of one closed day,
    pre-aggregated for the oversight dashboard (approvals.rollups): per desk and reviewer, how
    many, how many after the desk's deadline, and a histogram of the time from submission to
    decision in fixed log-spaced buckets (approvals.rollups.BUCKETS), so percentiles over any
    range are read by summing histograms. A day is recomputed whole in one transaction;
    OversightRollupDay says which days are done."""

    day = models.DateField(_("day"), help_text=_("In the server's time zone (TIME_ZONE)."))
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="+", verbose_name=_("desk")
    )
    # A plain reference: a rollup is a figure, it holds nothing back from deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    decisions = models.PositiveIntegerField(_("decisions"))
    late = models.PositiveIntegerField(_("after the deadline"))
    histogram = models.JSONField(_("time to decision histogram"), default=list)

    class Meta:
        ordering = ["day", "desk"]
        verbose_name = _("decision time rollup")
        verbose_name_plural = _("decision time rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "desk", "actor"],
                name="decision_time_rollup_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.desk_id} {self.actor_id}: {self.decisions}"


class DecisionCountRollup(models.Model):
    """Reasoned decisions and appeal decisions (reject, uphold, revoke, overturn) of one closed
    day, counted per desk, action and reason code, for the oversight dashboard."""

    day = models.DateField(_("day"), help_text=_("In the server's time zone (TIME_ZONE)."))
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="+", verbose_name=_("desk")
    )
    action = models.CharField(_("action"), max_length=64)
    reason_code = models.ForeignKey(
        ReasonCode,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("reason code"),
    )
    decisions = models.PositiveIntegerField(_("decisions"))

    class Meta:
        ordering = ["day", "desk"]
        verbose_name = _("decision count rollup")
        verbose_name_plural = _("decision count rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "desk", "action", "reason_code"],
                name="decision_count_rollup_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.desk_id} {self.action}: {self.decisions}"


class OversightRollupDay(models.Model):
    """A day whose decisions are rolled up (DecisionTimeRollup, DecisionCountRollup): the
    dashboard reads that day from the rollups instead of the audit trail."""

    day = models.DateField(_("day"), unique=True)
    rolled_at = models.DateTimeField(_("rolled up at"))
    decisions = models.PositiveIntegerField(_("decisions"))

    class Meta:
        ordering = ["day"]
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")

    def __str__(self) -> str:
        return f"{self.day}: {self.decisions}"


# The platform side (API keys, endpoints, the outbox) lives in its own module.
from approvals.platform.models import (  # noqa: E402
    ApiKey,
    Attempt,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointSecret,
    Event,
    EventStream,
    EventType,
    IdempotencyRecord,
    LinkOrigin,
    Platform,
    PlatformAccount,
)
from approvals.screening.models import Language, NewsSource, WatchedTerm  # noqa: E402

__all__ = [
    "ApiKey",
    "Attempt",
    "AttemptOutcome",
    "AuditChainHead",
    "AuditEntry",
    "Category",
    "CategoryRoute",
    "DecisionCountRollup",
    "DecisionTimeRollup",
    "Delivery",
    "DeliveryStatus",
    "Desk",
    "Endpoint",
    "EndpointSecret",
    "Event",
    "EventStream",
    "EventType",
    "Heartbeat",
    "IdempotencyRecord",
    "Language",
    "LinkOrigin",
    "NewsSource",
    "NoteTemplate",
    "OversightRollupDay",
    "Platform",
    "PlatformAccount",
    "Post",
    "QueueDepthSample",
    "ReasonCode",
    "Resolution",
    "ReviewDecision",
    "Revision",
    "SecondReview",
    "SecondReviewState",
    "State",
    "Takedown",
    "WatchedTerm",
]
