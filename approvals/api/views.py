"""REST API for platforms, under /api/v1/. Every query is scoped to the caller's platform."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services
from approvals.api import serializers as s
from approvals.models import Delivery, Endpoint, Event, IdempotencyRecord, Post
from approvals.platform import links
from approvals.platform import services as platform_services
from approvals.platform.services import deliveries_redeliver

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "Any unique string; a retry with the same key returns the first response."
    ),
)


class Page(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PostSerializer
    pagination_class = Page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["platform"] = self.request.user.platform
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Post.objects.none()
        platform = self.request.user.platform
        if self.action == "retrieve":  # its own posts, and published ones
            posts = links.posts_visible_to_platform(platform=platform)
        else:  # what it lists and acts on: its own posts
            posts = links.posts_of_platform(platform=platform)
        posts = posts.select_related("author", "current_revision", "reason_code")
        if self.action == "list":
            query = s.PostListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if state := query.validated_data.get("state"):
                posts = posts.filter(state=state)
            if since := query.validated_data.get("updated_since"):
                posts = posts.filter(updated_at__gte=since)
        return posts.order_by("-updated_at", "-id")

    @extend_schema(parameters=[s.PostListQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.PostCreateSerializer,
        responses={201: s.PostSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request):
        """Submit a post for review on behalf of an account."""
        platform = request.user.platform
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 255 or not key.isprintable():
            return Response(
                {"Idempotency-Key": [_("Use at most 255 printable characters.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str).encode()
        ).hexdigest()
        if key and (replay := self._replay(platform, key, fingerprint)) is not None:
            return replay

        incoming = s.PostCreateSerializer(data=request.data, context={"platform": platform})
        incoming.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                post = services.post_submit_for_platform(
                    platform=platform, **incoming.validated_data
                )
                body = s.PostSerializer(post, context={"platform": platform}).data
                if key:
                    IdempotencyRecord.objects.create(
                        platform=platform,
                        key=key,
                        request_hash=fingerprint,
                        status_code=201,
                        response=json.loads(json.dumps(body, default=str)),
                    )
        except IntegrityError:
            # A concurrent request with the same key or external_id won; nothing of ours was
            # kept. Answer what the winner got, or name the post it made.
            if key and (replay := self._replay(platform, key, fingerprint)) is not None:
                return replay
            services.post_duplicate_external_id(
                platform=platform, external_id=incoming.validated_data.get("external_id", "")
            )
            raise
        return Response(body, status=status.HTTP_201_CREATED)

    def _replay(self, platform, key: str, fingerprint: str) -> Response | None:
        record = IdempotencyRecord.objects.filter(platform=platform, key=key).first()
        if record is None:
            return None
        if record.request_hash != fingerprint:
            return Response(
                {
                    "detail": _("This Idempotency-Key was used for a different request."),
                    "code": "idempotency_key_reused",
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(
            record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"}
        )

    @extend_schema(request=None, responses={200: s.PostSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a post that is still waiting, or sent back for changes, for its author.
        Only while the author's account is linked to this platform."""
        post = self.get_object()
        author = links.linked_account(platform=request.user.platform, username=post.author.username)
        if author is None:
            raise Http404
        post = services.post_withdraw(post=post, by=author)
        return Response(s.PostSerializer(post, context=self.get_serializer_context()).data)


class EventList(APIView):
    """Events in order, for a platform catching up without webhooks: read with ?after= the
    `last_id` of the previous answer (`next_after` is null once nothing newer is left)."""

    @extend_schema(parameters=[s.EventQuerySerializer], responses={200: s.EventPageSerializer})
    def get(self, request):
        query = s.EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        platform = request.user.platform
        events = list(Event.objects.filter(platform=platform, id__gt=after).order_by("id")[:limit])
        return Response(
            {
                "events": s.EventSerializer(events, many=True).data,
                "last_id": events[-1].id if events else after,
                "next_after": events[-1].id if len(events) == limit else None,
            }
        )


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DeliverySerializer
    pagination_class = Page

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Delivery.objects.none()
        deliveries = (
            Delivery.objects.filter(endpoint__platform=self.request.user.platform)
            .select_related("event", "endpoint")
            .prefetch_related("attempts")
        )
        if self.action == "list":
            query = s.DeliveryQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if wanted := query.validated_data.get("status"):
                deliveries = deliveries.filter(status=wanted)
        return deliveries.order_by("-id")

    @extend_schema(parameters=[s.DeliveryQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=None, responses={202: s.RedeliveredSerializer}, operation_id="delivery_redeliver"
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send this delivery again, from the start of the retry schedule."""
        delivery = self.get_object()
        count = deliveries_redeliver(deliveries=Delivery.objects.filter(pk=delivery.pk))
        return Response({"redelivered": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=s.RedeliverRangeSerializer,
        responses={202: s.RedeliveredSerializer},
        operation_id="deliveries_redeliver_range",
    )
    @action(detail=False, methods=["post"], url_path="redeliver")
    def redeliver_range(self, request):
        """Send again every delivery (failed, by default) created in a time range."""
        incoming = s.RedeliverRangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        deliveries = Delivery.objects.filter(
            endpoint__platform=request.user.platform,
            status=data["status"],
            created_at__gte=data["since"],
            created_at__lt=data["until"],
        )
        count = deliveries_redeliver(deliveries=deliveries)
        return Response({"redelivered": count}, status=status.HTTP_202_ACCEPTED)


class AccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The accounts this platform may act for. Create one for a user of yours, give them the
    onboarding link, and submit their posts once they have verified and signed the pledge."""

    serializer_class = s.AccountSerializer
    pagination_class = Page
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_regex = r"[\w.@+-]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return links.PlatformAccount.objects.none()
        return links.links_of_platform(platform=self.request.user.platform)

    @extend_schema(request=s.AccountCreateSerializer, responses={201: s.AccountSerializer})
    def create(self, request):
        """Create an account for one of your users, linked to this platform. The answer's
        `onboarding.url` is where its holder sets a password, verifies and signs."""
        incoming = s.AccountCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        link = links.account_create_for_platform(
            platform=request.user.platform, **incoming.validated_data
        )
        body = s.AccountSerializer(link, context={"with_onboarding": True}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, username=None):
        """Unlink the account: from now on you can neither submit for it nor hear about it."""
        links.link_revoke(link=self.get_object(), by=None)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.AccountSerializer})
    @action(detail=True, methods=["post"])
    def onboarding(self, request, username=None):
        """A fresh onboarding link for a holder who has not set a password yet (null after)."""
        link = self.get_object()
        return Response(s.AccountSerializer(link, context={"with_onboarding": True}).data)


class ConnectLinkView(APIView):
    """Ask an existing account holder to allow you: a signed link to give your user. Opened
    while signed in to Imprimatur, it asks them to link their account to yours as
    `platform_user_id`; they can remove the link at any time."""

    @extend_schema(request=s.ConnectRequestSerializer, responses={201: s.OnboardingSerializer})
    def post(self, request):
        incoming = s.ConnectRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        invitation = links.connect_url(platform=request.user.platform, **incoming.validated_data)
        return Response(s.OnboardingSerializer(invitation).data, status=status.HTTP_201_CREATED)


class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Your webhook endpoints: where they are, what they receive, how they are doing."""

    serializer_class = s.EndpointSerializer
    pagination_class = Page
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        return Endpoint.objects.filter(platform=self.request.user.platform).order_by("pk")

    @extend_schema(request=s.EndpointSerializer, responses={201: s.NewEndpointSerializer})
    def create(self, request):
        """Add an endpoint. The answer carries its signing secret, shown this once."""
        incoming = s.EndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        new = platform_services.endpoint_create(
            platform=request.user.platform,
            url=data["url"],
            event_types=data.get("event_types", []),
            description=data.get("description", ""),
        )
        body = s.EndpointSerializer(new.endpoint).data | {"secret": new.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EndpointSerializer, responses={200: s.EndpointSerializer})
    def partial_update(self, request, pk=None):
        """Change the URL, the event types it receives, the description; `active: true`
        re-enables a disabled endpoint, `active: false` pauses it (deliveries wait)."""
        endpoint = self.get_object()
        incoming = s.EndpointSerializer(endpoint, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        endpoint = platform_services.endpoint_update(endpoint=endpoint, **incoming.validated_data)
        return Response(s.EndpointSerializer(endpoint).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.RotateSecretSerializer, responses={200: s.NewSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret, shown once. The current one stays valid for `overlap_hours`
        and deliveries carry both signatures meanwhile."""
        endpoint = self.get_object()
        incoming = s.RotateSecretSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        overlap = timedelta(hours=incoming.validated_data["overlap_hours"])
        secret = platform_services.endpoint_rotate_secret(endpoint=endpoint, overlap=overlap)
        return Response({"secret": secret, "previous_valid_until": timezone.now() + overlap})

    @extend_schema(request=None, responses={202: s.TestEventSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a signed `ping` event to this endpoint alone."""
        event = platform_services.endpoint_test(endpoint=self.get_object())
        delivery = event.deliveries.get()
        return Response(
            {"webhook_id": event.webhook_id, "delivery_id": delivery.pk},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses={202: s.RetryNowSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """After an outage: everything pending for this endpoint is sent now, in order."""
        count = platform_services.endpoint_retry_now(endpoint=self.get_object())
        return Response({"queued": count}, status=status.HTTP_202_ACCEPTED)


class WhoAmI(APIView):
    """Which platform and key this is: a cheap way to check a key works."""

    @extend_schema(responses={200: s.WhoAmISerializer})
    def get(self, request):
        key = request.user.api_key
        return Response({"platform": key.platform.name, "key": f"imp_{key.prefix}_…"})
