"""Embargo: an approval may carry a "not before" time. Validated (future, at most
EMBARGO_MAX_DAYS ahead, in the reviewer's time zone), stored and audited, carried in the
signed post.approved webhook, the API and the schema, and shown to the author."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
import yaml
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from approvals import services
from approvals.models import AuditEntry, Delivery, Event, Post, State
from approvals.platform import services as platform_services
from approvals.platform.delivery import delivery_send
from approvals.timestamps import wire_time
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db

WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the messages below are matched in English
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def platform(author):
    platform = platform_services.platform_create(name="Chirp")
    link_account(platform=platform, user=author)
    return platform


def _claimed(author, reviewer):
    return PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)


# --- validation ---------------------------------------------------------------------------


def test_approval_with_a_not_before_time_stores_and_audits_it(frozen, author, reviewer):
    when = NOW + timedelta(days=2)
    post = services.post_approve(post=_claimed(author, reviewer), by=reviewer, not_before=when)
    post.refresh_from_db()
    assert post.state == State.APPROVED and post.not_before == when
    entry = AuditEntry.objects.get(post=post, action="post.approve")
    assert entry.data["not_before"] == "2026-11-25T12:00:00.000000Z"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (NOW - timedelta(minutes=1), "Choose a time in the future"),
        (NOW, "Choose a time in the future"),
        (NOW + timedelta(days=30, seconds=1), "An embargo lasts at most 30 days"),
        (datetime(2026, 12, 1, 9, 0), "Give the time with its time zone"),  # naive
    ],
)
def test_a_not_before_time_must_be_in_the_future_and_within_the_limit(
    frozen, author, reviewer, when, message
):
    post = _claimed(author, reviewer)
    with pytest.raises(ValidationError) as refused:
        services.post_approve(post=post, by=reviewer, not_before=when)
    assert message in refused.value.message_dict["not_before"][0]
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW  # nothing changed


def test_the_limit_follows_the_setting(frozen, settings, author, reviewer):
    settings.EMBARGO_MAX_DAYS = 1
    post = _claimed(author, reviewer)
    with pytest.raises(ValidationError, match="at most 1 day"):
        services.post_approve(post=post, by=reviewer, not_before=NOW + timedelta(days=2))
    services.post_approve(post=post, by=reviewer, not_before=NOW + timedelta(days=1))


def test_the_approve_form_reads_the_time_in_the_reviewers_time_zone(frozen, client, author, desk):
    shanghai = UserFactory(
        username="lin", display_name="Lin Reviewer", reviewer_on=[desk], time_zone="Asia/Shanghai"
    )
    post = _claimed(author, shanghai)
    client.force_login(shanghai)
    client.post(
        reverse("approvals:post_action", args=[post.pk, "approve"]),
        {"approve-note": "", "approve-not_before": "2026-11-24T10:00"},
    )
    post.refresh_from_db()
    assert post.state == State.APPROVED
    assert post.not_before == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in UTC+8


def test_the_approve_form_says_what_is_wrong_and_changes_nothing(frozen, client, author, reviewer):
    post = _claimed(author, reviewer)
    client.force_login(reviewer)
    url = reverse("approvals:post_action", args=[post.pk, "approve"])
    for value, message in (
        ("2026-11-22T10:00", "Choose a time in the future"),
        ("2027-02-01T10:00", "An embargo lasts at most 30 days"),
        ("tomorrow", "Enter a date and time"),
    ):
        response = client.post(url, {"approve-not_before": value})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW


def test_the_author_sees_when_the_post_goes_out(frozen, client, author, reviewer):
    post = services.post_approve(
        post=_claimed(author, reviewer), by=reviewer, not_before=NOW + timedelta(hours=30)
    )
    author.time_zone = "UTC"
    author.save()
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Goes out after" in page and 'datetime="2026-11-24T18:00:00+00:00"' in page


def test_an_approval_without_embargo_says_nothing_of_it(client, author, reviewer):
    post = services.post_approve(post=_claimed(author, reviewer), by=reviewer)
    client.force_login(author)
    assert "Goes out after" not in client.get(post.get_absolute_url()).content.decode()


# --- the platform: webhook, API, schema ---------------------------------------------------


def test_the_signed_post_approved_webhook_carries_not_before(author, reviewer, platform, receiver):
    endpoint = platform_services.endpoint_create(platform=platform, url=receiver.url)
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=250000)
    services.post_approve(post=_claimed(author, reviewer), by=reviewer, not_before=when)

    assert delivery_send(delivery_id=Delivery.objects.get().pk) == "delivered"

    (request,) = receiver.received
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "post.approved"
    assert payload["data"]["not_before"] == wire_time(when)
    assert WIRE_TIME.match(payload["data"]["not_before"])
    assert payload["data"]["decided_at"] is not None  # the approval itself is not delayed


def test_not_before_is_null_without_embargo_and_in_other_events(author, reviewer, senior, platform):
    post = services.post_approve(post=_claimed(author, reviewer), by=reviewer)
    embargoed = services.post_approve(
        post=_claimed(author, reviewer),
        by=reviewer,
        not_before=timezone.now() + timedelta(days=1),
    )
    services.post_revoke(post=embargoed, by=senior, reason_code="rumour")

    def data(post, type):
        return json.loads(Event.objects.get(post=post, type=type).body)["data"]

    assert data(post, "post.approved")["not_before"] is None
    assert data(embargoed, "post.approved")["not_before"] is not None
    assert data(embargoed, "post.revoked")["not_before"] is None


def test_the_api_shows_not_before_on_an_approved_post(author, reviewer, platform):
    key = platform_services.api_key_create(platform=platform).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    plain = services.post_approve(post=_claimed(author, reviewer), by=reviewer)
    when = timezone.now() + timedelta(days=5)
    embargoed = services.post_approve(post=_claimed(author, reviewer), by=reviewer, not_before=when)

    assert api.get(f"/api/v1/posts/{plain.pk}/").json()["not_before"] is None
    body = api.get(f"/api/v1/posts/{embargoed.pk}/").json()
    assert body["not_before"] == wire_time(when)
    listed = {p["id"]: p["not_before"] for p in api.get("/api/v1/posts/").json()["results"]}
    assert listed[embargoed.pk] == wire_time(when)


def test_the_schema_documents_not_before_in_the_webhook_and_the_post(client):
    schema = yaml.safe_load(client.get(reverse("schema")).content)
    components = schema["components"]["schemas"]
    webhook = schema["webhooks"]["post.approved"]["post"]
    event_ref = webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    event = components[event_ref.rsplit("/", 1)[1]]
    data_ref = (
        event["properties"]["data"].get("$ref") or event["properties"]["data"]["allOf"][0]["$ref"]
    )
    data = components[data_ref.rsplit("/", 1)[1]]
    assert "not_before" in data["properties"] and "not_before" in data["required"]
    assert "null" in json.dumps(data["properties"]["not_before"])
    post = components["Post"]["properties"]["not_before"]
    assert post["format"] == "date-time" and "null" in json.dumps(post)
