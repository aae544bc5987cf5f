"""REST API for platforms, under /api/v1/. Every query is scoped to the caller's platform."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services
from approvals.api import serializers as s
from approvals.models import Delivery, Event, IdempotencyRecord, Post
from approvals.platform.services import deliveries_redeliver

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Any unique string; a retry with the same key returns the first response.",
)


class Page(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PostSerializer
    pagination_class = Page

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Post.objects.none()
        posts = Post.objects.filter(platform=self.request.user.platform).select_related(
            "author", "current_revision", "reason_code"
        )
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
                {"Idempotency-Key": ["Use at most 255 printable characters."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str).encode()
        ).hexdigest()
        if key and (replay := self._replay(platform, key, fingerprint)) is not None:
            return replay

        incoming = s.PostCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                post = services.post_submit_for_platform(
                    platform=platform, **incoming.validated_data
                )
                body = s.PostSerializer(post).data
                if key:
                    IdempotencyRecord.objects.create(
                        platform=platform,
                        key=key,
                        request_hash=fingerprint,
                        status_code=201,
                        response=json.loads(json.dumps(body, default=str)),
                    )
        except IntegrityError:
            # A concurrent request with the same key won; nothing of ours was kept.
            if key and (replay := self._replay(platform, key, fingerprint)) is not None:
                return replay
            raise
        return Response(body, status=status.HTTP_201_CREATED)

    def _replay(self, platform, key: str, fingerprint: str) -> Response | None:
        record = IdempotencyRecord.objects.filter(platform=platform, key=key).first()
        if record is None:
            return None
        if record.request_hash != fingerprint:
            return Response(
                {
                    "detail": "This Idempotency-Key was used for a different request.",
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
        """Withdraw a post that is still a draft, waiting, or sent back for changes."""
        post = self.get_object()
        post = services.post_withdraw(post=post, by=post.author)
        return Response(s.PostSerializer(post).data)


class EventList(APIView):
    """Events in order, for a platform catching up without webhooks: read with ?after=
    the `next_after` of the previous page until it is null."""

    @extend_schema(parameters=[s.EventQuerySerializer], responses={200: s.EventPageSerializer})
    def get(self, request):
        query = s.EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        platform = request.user.platform
        events = list(
            Event.objects.filter(
                Q(platform=platform) | Q(platform__isnull=True), id__gt=after
            ).order_by("id")[:limit]
        )
        return Response(
            {
                "events": s.EventSerializer(events, many=True).data,
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
