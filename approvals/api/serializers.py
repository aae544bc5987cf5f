import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from approvals.models import Attempt, Category, Delivery, Event, Post, State


class RevisionField(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="SHA-256 of title, a blank line, and body.")


class DecisionSerializer(serializers.Serializer):
    reason_code = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    revision = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

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
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RevisionField(allow_null=True))
    def get_revision(self, post: Post) -> dict | None:
        revision = post.current_revision
        if revision is None:
            return None
        return {"number": revision.number, "content_hash": revision.content_hash}

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, post: Post) -> dict | None:
        if post.decided_at is None:
            return None
        return {
            "reason_code": post.reason_code.code if post.reason_code else None,
            "note": post.decision_note,
            "decided_at": post.decided_at,
        }


class UsernameField(serializers.SlugRelatedField):
    """A username, checked as text before it is looked up (PostgreSQL refuses NUL bytes)."""

    def to_internal_value(self, data):
        serializers.CharField(max_length=150).run_validation(data)
        return super().to_internal_value(data)


class PostCreateSerializer(serializers.Serializer):
    author = UsernameField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        help_text="The username of the account the post is submitted for.",
        error_messages={"does_not_exist": "No active account is called {value}."},
    )
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    repost_of = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.all(), required=False, allow_null=True
    )
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PostListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)


class EventSerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "webhook_id", "type", "created_at", "payload"]

    @extend_schema_field({"type": "object", "description": "The webhook body, as sent."})
    def get_payload(self, event: Event) -> dict:
        return json.loads(event.body)


class DeliveryQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "delivered", "failed"], required=False)


class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0, default=0, help_text="Return events with a larger id."
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=500, default=100, help_text="At most this many."
    )


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next_after = serializers.IntegerField(
        allow_null=True, help_text="Pass as ?after= to read on; null when nothing is newer."
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "started_at", "status_code", "latency_ms", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
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
            raise serializers.ValidationError({"until": "Must be after since."})
        return data


class RedeliveredSerializer(serializers.Serializer):
    redelivered = serializers.IntegerField()
