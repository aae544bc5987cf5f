import json

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import AccountType
from accounts.selectors import account_standing, has_signed_current_pledge, identity_of
from approvals.models import (
    AUTHOR_NOTE_MAX_LENGTH,
    Attempt,
    Category,
    Delivery,
    Endpoint,
    Event,
    EventType,
    PlatformAccount,
    Post,
    State,
)
from approvals.platform.links import onboarding_for, posts_visible_to_platform
from approvals.timestamps import wire_time


class Timestamp(serializers.DateTimeField):
    """Every moment the API answers: UTC, microseconds, Z (as in webhook bodies)."""

    def to_representation(self, value):
        return None if value is None else wire_time(value)


class ApiModelSerializer(serializers.ModelSerializer):
    """Model serializers of this API write their date-times as Timestamps."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: Timestamp,
    }


class ExactTextField(serializers.CharField):
    """Text kept exactly as sent: no trimming, no rewriting (the content hash covers these
    very characters). What cannot be stored as sent is refused, naming the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise serializers.ValidationError(
                gettext("Contains an unpaired surrogate (\\ud800 to \\udfff); send valid Unicode.")
            ) from error
        return value


class RevisionField(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField(
        help_text=_('SHA-256 of the RFC 8785 canonical JSON of {"body", "title"} (UTF-8).')
    )
    content_hash_algorithm = serializers.CharField(help_text=_("Today always sha256-jcs-v1."))


class DecisionSerializer(serializers.Serializer):
    reason_code = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    decided_at = Timestamp(allow_null=True)


class PostSerializer(ApiModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    external_id = serializers.SerializerMethodField(
        help_text=_("Your own id for the post; null on a published post of another platform.")
    )
    revision = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    not_before = Timestamp(
        source="embargoed_until",
        read_only=True,
        allow_null=True,
        help_text=_(
            "An embargo on an approved post: publish it only after this time. Null: no embargo."
        ),
    )

    def get_external_id(self, post: Post) -> str | None:
        platform = self.context.get("platform")
        if platform is None or post.platform_id != platform.pk:
            return None
        return post.external_id or None

    class Meta:
        model = Post
        fields = [
            "id",
            "external_id",
            "author",
            "title",
            "body",
            "category",
            "repost_of",
            "state",
            "revision",
            "decision",
            "not_before",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RevisionField(allow_null=True))
    def get_revision(self, post: Post) -> dict | None:
        revision = post.current_revision
        if revision is None:
            return None
        return {
            "number": revision.number,
            "content_hash": revision.content_hash,
            "content_hash_algorithm": revision.content_hash_algorithm,
        }

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, post: Post) -> dict | None:
        if post.decided_at is None:
            return None
        return {
            "reason_code": post.reason_code.code if post.reason_code else None,
            "note": post.decision_note,
            "decided_at": post.decided_at,
        }


@extend_schema_field({"type": "integer"})
class VisiblePostField(serializers.PrimaryKeyRelatedField):
    """The id of a post the calling platform may see (its own, or a published one). Any other
    id gets the same answer as an id that does not exist."""

    def get_queryset(self):
        return posts_visible_to_platform(platform=self.context["platform"])


class PostCreateSerializer(serializers.Serializer):
    author = serializers.CharField(
        max_length=150,
        help_text=_("The username of an account linked to this platform (see /api/v1/accounts/)."),
    )
    title = ExactTextField(max_length=200, help_text=_("Stored and hashed exactly as sent."))
    body = ExactTextField(help_text=_("Stored and hashed exactly as sent."))
    category = serializers.ChoiceField(choices=Category.choices)
    repost_of = VisiblePostField(
        required=False,
        allow_null=True,
        help_text=_("A post this platform may see: its own, or a published one."),
    )
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, trim_whitespace=False
    )
    note = serializers.CharField(
        max_length=AUTHOR_NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("The author's note to the reviewer, kept with the revision (optional)."),
    )


class PostListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)


class EventSerializer(ApiModelSerializer):
    webhook_id = serializers.CharField(read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "webhook_id", "type", "created_at", "payload"]

    @extend_schema_field(
        {
            "type": ["object", "null"],
            "description": _(
                "The webhook body, as sent; null once it has aged out (EVENT_BODY_RETENTION_DAYS)."
            ),
        }
    )
    def get_payload(self, event: Event) -> dict | None:
        return json.loads(event.body) if event.body else None


class DeliveryQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "delivered", "failed"], required=False)


class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0, default=0, help_text=_("Return events with a larger id.")
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=500, default=100, help_text=_("At most this many.")
    )


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    last_id = serializers.IntegerField(
        help_text=_(
            "The id of the last event in this answer, or your ?after= when it is empty: "
            "always the value to pass as ?after= next time."
        )
    )
    next_after = serializers.IntegerField(
        allow_null=True, help_text=_("Pass as ?after= to read on; null when nothing is newer.")
    )


class AttemptSerializer(ApiModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "number",
            "outcome",
            "started_at",
            "finished_at",
            "status_code",
            "latency_ms",
            "response_excerpt",
            "error",
        ]


class DeliverySerializer(ApiModelSerializer):
    event = EventSerializer(read_only=True)
    endpoint = serializers.CharField(source="endpoint.url", read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "endpoint",
            "status",
            "attempt_count",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error",
            "created_at",
            "attempts",
        ]


class RedeliverRangeSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=["failed", "pending", "delivered"], default="failed", required=False
    )

    def validate(self, data):
        if data["since"] >= data["until"]:
            raise serializers.ValidationError({"until": gettext("Must be after since.")})
        return data


class RedeliveredSerializer(serializers.Serializer):
    redelivered = serializers.IntegerField()


# --- accounts linked to the platform ------------------------------------------------------


class OnboardingSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text=_(
            "Give it to the account holder: they set a password, verify their real "
            "name and sign the pledge there. Valid once, until expires_at."
        )
    )
    expires_at = Timestamp()


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    platform_user_id = serializers.CharField()
    display_name = serializers.CharField(source="user.display_name")
    account_type = serializers.CharField(source="user.account_type")
    linked_at = Timestamp(source="created_at")
    origin = serializers.CharField(help_text=_("api (created by this platform) or holder."))
    identity = serializers.SerializerMethodField()
    pledge_signed = serializers.SerializerMethodField()
    standing = serializers.SerializerMethodField()
    onboarding = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(["unverified", "pending", "verified", "rejected"]))
    def get_identity(self, link: PlatformAccount) -> str:
        return identity_of(user=link.user).state

    def get_pledge_signed(self, link: PlatformAccount) -> bool:
        return has_signed_current_pledge(user=link.user)

    @extend_schema_field(serializers.ChoiceField(["good", "warned", "limited", "suspended"]))
    def get_standing(self, link: PlatformAccount) -> str:
        return account_standing(user=link.user).kind

    @extend_schema_field(OnboardingSerializer(allow_null=True))
    def get_onboarding(self, link: PlatformAccount) -> dict | None:
        """While the holder has not set a password yet: the link that lets them in."""
        if not self.context.get("with_onboarding"):
            return None
        onboarding = onboarding_for(user=link.user)
        return None if onboarding is None else OnboardingSerializer(onboarding).data


class AccountCreateSerializer(serializers.Serializer):
    platform_user_id = serializers.CharField(
        max_length=200, help_text=_("Your own id for this user; unique among your live links.")
    )
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
        error_messages={"invalid": _("Use letters, digits and @/./+/-/_ only.")},
    )
    email = serializers.EmailField(help_text=_("Where the holder hears about decisions."))
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    account_type = serializers.ChoiceField(
        choices=AccountType.choices, default=AccountType.INDIVIDUAL
    )


class ConnectRequestSerializer(serializers.Serializer):
    platform_user_id = serializers.CharField(
        max_length=200, help_text=_("Your own id for the user who will open the link.")
    )


# --- endpoints, managed by the platform ---------------------------------------------------


EVENT_TYPE_CHOICES = list(EventType.values)


class EndpointSerializer(ApiModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES),
        required=False,
        help_text=_("Event types to receive; empty for all."),
    )
    health = serializers.SerializerMethodField()

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "active",
            "disabled_reason",
            "health",
            "last_success_at",
            "failure_streak",
            "created_at",
        ]
        read_only_fields = ["disabled_reason", "last_success_at", "failure_streak", "created_at"]

    @extend_schema_field(
        serializers.ChoiceField(["healthy", "failing", "circuit_open", "probing", "disabled"])
    )
    def get_health(self, endpoint) -> str:
        if not endpoint.active:
            return "disabled"
        if endpoint.circuit == "open":
            return "circuit_open"
        if endpoint.circuit == "half_open":
            return "probing"
        return "failing" if endpoint.failure_streak else "healthy"


class NewEndpointSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=_("Shown once: whsec_…"))

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class RotateSecretSerializer(serializers.Serializer):
    overlap_hours = serializers.FloatField(
        min_value=0,
        max_value=720,
        default=24,
        help_text=_("How long the current secret stays valid beside the new one."),
    )


class NewSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=_("Shown once: whsec_…"))
    previous_valid_until = Timestamp()


class RetryNowSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text=_("Pending deliveries now due."))


class TestEventSerializer(serializers.Serializer):
    webhook_id = serializers.CharField()
    delivery_id = serializers.IntegerField()


class WhoAmISerializer(serializers.Serializer):
    platform = serializers.CharField()
    key = serializers.CharField(help_text=_("The key's public prefix."))
