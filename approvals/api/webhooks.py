"""The webhooks, documented in the OpenAPI schema (3.1 `webhooks`) with typed payloads.

What a platform's receiver gets: a POST with `content-type: application/json` and the
Standard Webhooks headers `webhook-id` (the same on every retry), `webhook-timestamp` (Unix
seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per
valid secret). Any 2xx within WEBHOOK_TIMEOUT_SECONDS acknowledges it.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from approvals.models import Category, EventType, State

HEADERS = _(
    "Headers: `webhook-id` (the same on every retry of this message: drop duplicates by it), "
    "`webhook-timestamp` (Unix seconds), `webhook-signature` (`v1,<base64 HMAC-SHA256 of "
    '"{webhook-id}.{webhook-timestamp}.{body}">`, one per valid secret during a rotation).'
)


class Moment(serializers.CharField):
    """2026-11-23T14:05:09.123456Z: UTC, microseconds, Z."""


class AuthorData(serializers.Serializer):
    username = serializers.CharField()
    platform_user_id = serializers.CharField(
        allow_null=True, help_text=_("Your own id for the account (null: not linked).")
    )


class PostEventData(serializers.Serializer):
    post_id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True, help_text=_("Your id for the post."))
    category = serializers.ChoiceField(Category.choices)
    state = serializers.ChoiceField(State.choices)
    repost_of = serializers.IntegerField(allow_null=True)
    revision = serializers.IntegerField(allow_null=True)
    content_hash = serializers.CharField(
        allow_null=True, help_text=_("What was decided: see content_hash_algorithm.")
    )
    content_hash_algorithm = serializers.ChoiceField(
        ["sha256-jcs-v1"],
        help_text=_(
            "sha256-jcs-v1: SHA-256 of the UTF-8 RFC 8785 canonical JSON of "
            '{"body": …, "title": …}.'
        ),
    )
    reason_code = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    decided_at = Moment(allow_null=True)
    not_before = Moment(
        allow_null=True,
        help_text=_(
            "post.approved only: an embargo. Publish the post only after this time; null: at "
            "once. Null in every other event."
        ),
    )
    author = AuthorData()


class PostEvent(serializers.Serializer):
    type = serializers.ChoiceField([str(t) for t in EventType.values if t.startswith("post.")])
    timestamp = Moment()
    sequence = serializers.IntegerField(
        help_text=_(
            "1, 2, 3… per post, in the order the changes happened. Deliveries for one "
            "post reach an endpoint in this order; drop an event older than one you have applied."
        )
    )
    data = PostEventData()


class AccountData(serializers.Serializer):
    sanction_id = serializers.IntegerField()
    kind = serializers.ChoiceField(["warning", "limitation", "suspension"])
    starts_at = Moment()
    ends_at = Moment(allow_null=True)
    standing = serializers.ChoiceField(["good", "warned", "limited", "suspended"])
    account = AuthorData()


class AccountEvent(serializers.Serializer):
    type = serializers.ChoiceField([str(t) for t in EventType.values if t.startswith("account.")])
    timestamp = Moment()
    sequence = serializers.IntegerField(help_text=_("1, 2, 3… per account, in order."))
    data = AccountData()


class PingData(serializers.Serializer):
    endpoint_id = serializers.IntegerField()


class PingEvent(serializers.Serializer):
    type = serializers.ChoiceField(["ping"])
    timestamp = Moment()
    data = PingData()


WHAT = {
    EventType.POST_CLEARED: _("A post filed as other, not flagged by screening: it may go out."),
    EventType.POST_APPROVED: _(
        "A reviewer approved the post (or overturned its rejection on "
        "appeal): it may go out, if its content hash matches what you publish."
    ),
    EventType.POST_REJECTED: _("The post was rejected, with a reason code and a note."),
    EventType.POST_CHANGES_REQUESTED: _("The author must change the post and resubmit."),
    EventType.POST_REVOKED: _(
        "Take the post down, everywhere. Reposts come down with their "
        "original, each with its own event."
    ),
    EventType.ACCOUNT_SANCTIONED: _("A warning, limitation or suspension on a linked account."),
    EventType.ACCOUNT_REINSTATED: _("A sanction on a linked account was lifted or overturned."),
    EventType.PING: _("A test event you asked for (POST /api/v1/endpoints/<id>/test/)."),
}


def _webhook(event_type: str, payload) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=str(event_type),
        decorator=extend_schema(
            summary=WHAT[event_type],
            description=format_lazy("{}\n\n{}", WHAT[event_type], HEADERS),
            request={"application/json": payload},
            responses={
                "2XX": OpenApiResponse(description=_("Received. Anything else is retried.")),
                "410": OpenApiResponse(description=_("Gone: the endpoint is disabled.")),
            },
        ),
    )


post_cleared = _webhook(EventType.POST_CLEARED, PostEvent)
post_approved = _webhook(EventType.POST_APPROVED, PostEvent)
post_rejected = _webhook(EventType.POST_REJECTED, PostEvent)
post_changes_requested = _webhook(EventType.POST_CHANGES_REQUESTED, PostEvent)
post_revoked = _webhook(EventType.POST_REVOKED, PostEvent)
account_sanctioned = _webhook(EventType.ACCOUNT_SANCTIONED, AccountEvent)
account_reinstated = _webhook(EventType.ACCOUNT_REINSTATED, AccountEvent)
ping = _webhook(EventType.PING, PingEvent)
