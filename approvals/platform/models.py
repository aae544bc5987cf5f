"""The platform side: platforms, their API keys and webhook endpoints, and the outbox
(events, one delivery per endpoint, every attempt)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.history import tracked


class Platform(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Told when one of the platform's endpoints is disabled or recovers."),
    )
    contact_language = models.CharField(
        _("contact language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the mail to the contact address."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        return self.name


class LinkOrigin(models.TextChoices):
    API = "api", _("Created by the platform")
    HOLDER = "holder", _("Allowed by the account holder")


@tracked()
class PlatformAccount(models.Model):
    """A platform may act for this account: submit its posts and hear about them. Made when a
    platform creates the account through the API, or when the holder allows the platform in
    the browser; revocable by either. Never for a staff account."""

    platform = models.ForeignKey(
        Platform,
        on_delete=models.PROTECT,
        related_name="account_links",
        verbose_name=_("platform"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="platform_links",
        verbose_name=_("user"),
    )
    platform_user_id = models.CharField(
        _("platform user id"),
        max_length=200,
        help_text=_("The platform's own id for this account."),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=LinkOrigin.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("The holder who allowed it; empty when the platform created the account."),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("platform account link")
        verbose_name_plural = _("platform account links")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "user"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_link_per_account",
            ),
            models.UniqueConstraint(
                fields=["platform", "platform_user_id"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_link_per_platform_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} ↔ {self.user} ({self.platform_user_id})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


@tracked(exclude=["key_hash"])
class ApiKey(models.Model):
    """`Authorization: Bearer imp_<prefix>_<secret>`. Only the prefix and a SHA-256 of the
    whole key are stored; the key itself is shown once, when it is made."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("platform")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"imp_{self.prefix}_…"


# History of what the platform or an operator set; not of delivery health, which changes with
# every batch.
@tracked(exclude=["last_success_at", "failing_since", "failure_streak", "circuit", "probe_at"])
class Endpoint(models.Model):
    """Where a platform receives webhooks, and how that has been going."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="endpoints", verbose_name=_("platform")
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_("Event types to send; empty means all."),
    )
    active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled reason"), max_length=200, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    failure_streak = models.PositiveIntegerField(_("failure streak"), default=0)
    circuit = models.CharField(
        _("circuit"),
        max_length=10,
        choices=[
            # Translators: the state of an endpoint's circuit breaker.
            ("closed", pgettext_lazy("circuit breaker", "Closed")),
            ("open", pgettext_lazy("circuit breaker", "Open")),
            ("half_open", pgettext_lazy("circuit breaker", "Probing")),
        ],
        default="closed",
        help_text=_("Open: failing, nothing is sent until `probe_at`; then one delivery probes."),
    )
    probe_at = models.DateTimeField(_("probe at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["platform", "url"]
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


@tracked(exclude=["secret"])
class EndpointSecret(models.Model):
    """A signing secret (`whsec_…`). During a rotation the old one stays valid until
    `expires_at`, and deliveries are signed with both."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.secret[:10]}… (endpoint {self.endpoint_id})"


class EventType(models.TextChoices):
    POST_CLEARED = "post.cleared"
    POST_APPROVED = "post.approved"
    POST_REJECTED = "post.rejected"
    POST_CHANGES_REQUESTED = "post.changes_requested"
    POST_REVOKED = "post.revoked"
    ACCOUNT_SANCTIONED = "account.sanctioned"
    ACCOUNT_REINSTATED = "account.reinstated"
    PING = "ping"


class Event(models.Model):
    """One state change the platform must hear about, written in the same transaction as
    the change. `body` is the exact JSON sent, so every retry sends the same bytes."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    platform = models.ForeignKey(
        Platform,
        null=True,
        on_delete=models.CASCADE,
        related_name="events",
        help_text="The one platform this event is for: the one that submitted the post, or "
        "one the author is linked to. (Empty only on events from before platforms had "
        "account links; no feed shows those.)",
    )
    post = models.ForeignKey(
        "approvals.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    stream = models.CharField(
        max_length=40, blank=True, help_text='What the event is about: "post:42", "account:7".'
    )
    sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="1, 2, 3… per stream, in the order the changes happened."
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def webhook_id(self) -> str:
        """Standard Webhooks `webhook-id`: the same for every attempt of this message."""
        return f"msg_{self.uid.hex}"


class EventStream(models.Model):
    """The last sequence number given out for a stream (a post, an account)."""

    key = models.CharField(max_length=40, unique=True)
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} @{self.last_sequence}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Pending")
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


class Delivery(models.Model):
    """One event to one endpoint, until it is delivered or given up."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("attempt count"), default=0)
    schedule_from = models.PositiveIntegerField(
        _("schedule from"),
        default=0,
        help_text=_("attempt_count when the retry schedule last (re)started."),
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    stream = models.CharField(_("stream"), max_length=40, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    leased_until = models.DateTimeField(
        _("leased until"), null=True, blank=True, help_text=_("A worker is sending it until then.")
    )
    lease = models.UUIDField(
        _("lease"), null=True, blank=True, help_text=_("Which worker holds it.")
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status="pending"),
            ),
            # "Is an earlier delivery of this stream still pending for this endpoint?"
            models.Index(
                fields=["endpoint", "stream", "sequence"],
                name="delivery_stream_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    INTERRUPTED = "interrupted", _("Cut off (the worker stopped)")


class Attempt(models.Model):
    """One try at sending a delivery. Written before the request goes out and finished after,
    so an attempt cut off by a dead worker is on record too."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("number"))
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return _("attempt %(number)s: %(result)s") % {
            "number": self.number,
            "result": self.status_code or self.error,
        }


class IdempotencyRecord(models.Model):
    """The first response to a create with an `Idempotency-Key`, replayed on a retry."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="one_response_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}:{self.key}"
