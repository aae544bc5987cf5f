"""The platform side: platforms, their API keys and webhook endpoints, and the outbox
(events, one delivery per endpoint, every attempt)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.history import tracked


class Platform(models.Model):
    name = models.CharField(max_length=100, unique=True)
    contact_email = models.EmailField(
        blank=True, help_text="Told when one of the platform's endpoints is disabled or recovers."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LinkOrigin(models.TextChoices):
    API = "api", "Created by the platform"
    HOLDER = "holder", "Allowed by the account holder"


@tracked()
class PlatformAccount(models.Model):
    """A platform may act for this account: submit its posts and hear about them. Made when a
    platform creates the account through the API, or when the holder allows the platform in
    the browser; revocable by either. Never for a staff account."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="account_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="platform_links"
    )
    platform_user_id = models.CharField(
        max_length=200, help_text="The platform's own id for this account."
    )
    origin = models.CharField(max_length=10, choices=LinkOrigin.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The holder who allowed it; empty when the platform created the account.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "platform account link"
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

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"imp_{self.prefix}_…"


# History of what the platform or an operator set; not of delivery health, which changes with
# every batch.
@tracked(exclude=["last_success_at", "failing_since", "failure_streak", "circuit", "probe_at"])
class Endpoint(models.Model):
    """Where a platform receives webhooks, and how that has been going."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(
        default=list, blank=True, help_text="Event types to send; empty means all."
    )
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_streak = models.PositiveIntegerField(default=0)
    circuit = models.CharField(
        max_length=10,
        choices=[("closed", "Closed"), ("open", "Open"), ("half_open", "Probing")],
        default="closed",
        help_text="Open: failing, nothing is sent until `probe_at`; then one delivery probes.",
    )
    probe_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "url"]

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
    type = models.CharField(max_length=40, choices=EventType.choices)
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
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event to one endpoint, until it is delivered or given up."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    schedule_from = models.PositiveIntegerField(
        default=0, help_text="attempt_count when the retry schedule last (re)started."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    stream = models.CharField(max_length=40, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    leased_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it until then."
    )
    lease = models.UUIDField(null=True, blank=True, help_text="Which worker holds it.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "deliveries"
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
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Cut off (the worker stopped)"


class Attempt(models.Model):
    """One try at sending a delivery. Written before the request goes out and finished after,
    so an attempt cut off by a dead worker is on record too."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    outcome = models.CharField(
        max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"


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
