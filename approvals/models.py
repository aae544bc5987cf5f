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
            # Oversight: "other" posts screening scored, by submission (small: few are scored).
            models.Index(
                fields=["submitted_at", "desk"],
                name="post_screened_idx",
                condition=Q(category="other", screening_score__isnull=False),
            ),
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
        ]

    def __str__(self) -> str:
        return self.title or _("Post %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("approvals:post_detail", args=[self.pk])

    # --- derived -------------------------------------------------------------------------

    def content_hash(self) -> str:
        return content_hash(self.title, self.body)

    @property
    def deadline(self):
        """When a decision is due: the submission plus the desk's target time."""
        if self.submitted_at is None:
            return None
        return self.submitted_at + timedelta(hours=self.desk.target_hours)

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
        return State.CLEARED if self.clears_without_review() else State.SUBMITTED

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        conditions=[c.is_unclaimed],
        permission=p.serves_desk,
    )
    def claim(self, *, by, at):
        self.claimed_by = by
        self.claimed_at = at

    @transition(
        field=state, source=State.UNDER_REVIEW, target=State.SUBMITTED, permission=p.may_release
    )
    def release(self):
        self.claimed_by = None
        self.claimed_at = None

    def _decide(self, *, by, at, note="", reason_code=None):
        self.claimed_by = None
        self.claimed_at = None
        self.decided_by = by
        self.decided_at = at
        self.decision_note = note
        self.reason_code = reason_code

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.APPROVED,
        conditions=[c.original_not_taken_down],
        permission=p.is_claimer,
    )
    def approve(self, *, by, at, note=""):
        self._decide(by=by, at=at, note=note)

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

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED],
        target=State.WITHDRAWN,
        permission=p.may_withdraw,
    )
    def withdraw(self):
        pass

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.APPEALED,
        conditions=[c.not_appealed_before, c.within_appeal_window],
        permission=p.is_author,
    )
    def appeal(self, *, at, statement):
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
        field=state, source=State.APPEALED, target=State.REJECTED, permission=p.may_decide_appeal
    )
    def uphold(self, *, by, at, note):
        self._decide(by=by, at=at, note=note, reason_code=self.reason_code)

    @transition(
        field=state,
        source=[State.APPROVED, State.CLEARED],
        target=State.REVOKED,
        permission=p.may_revoke,
    )
    def revoke(self, *, reason_code, note=""):
        self.reason_code = reason_code
        self.decision_note = note


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
        "post.reclassify": pgettext_lazy("history", "category changed"),
        "post.move_desk": pgettext_lazy("history", "moved to another desk"),
    }

    @property
    def description(self) -> str:
        """The step in words, for the post's history."""
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
    "OversightRollupDay",
    "Platform",
    "PlatformAccount",
    "Post",
    "QueueDepthSample",
    "ReasonCode",
    "Revision",
    "State",
    "Takedown",
    "WatchedTerm",
]
