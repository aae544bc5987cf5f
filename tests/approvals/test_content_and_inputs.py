"""An unambiguous content hash over exactly what the platform sent; inputs that would have
given a 500 (deep JSON, huge bodies, broken Unicode) get a JSON 4xx; emails survive odd
titles; the daily allowance and external_id hold under concurrent requests."""

import hashlib
import json
import threading

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.notifications import send_notification
from approvals import services
from approvals.models import CONTENT_HASH_ALGORITHM, Category, Event, Post, State, content_hash
from approvals.platform import services as platform_services
from tests.factories import PostFactory, UserFactory, link_account

POSTS = "/api/v1/posts/"


def recipe(title: str, body: str) -> str:
    """What the README tells a platform to run before it publishes."""
    canonical = json.dumps(
        {"title": title, "body": body}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.fixture
def chirp(db):
    return platform_services.platform_create(name="Chirp")


@pytest.fixture
def api(chirp, author):
    link_account(platform=chirp, user=author)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=chirp).key}"
    )
    return client


def test_the_content_hash_cannot_be_fooled_by_moving_text_between_title_and_body():
    assert content_hash("A\n\nB", "C") != content_hash("A", "B\n\nC")
    assert content_hash("AB", "") != content_hash("A", "B")


@pytest.mark.django_db
def test_the_api_keeps_and_hashes_exactly_what_was_sent(api, author, reviewer):
    title, body = "  Tram line ✓ 通车  ", "Line one\r\n\tline two \n"
    response = api.post(
        POSTS,
        {"author": "alice", "title": title, "body": body, "category": "news"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    revision = response.json()["revision"]
    assert revision["content_hash"] == recipe(title, body)
    assert revision["content_hash_algorithm"] == CONTENT_HASH_ALGORITHM == "sha256-jcs-v1"
    post = Post.objects.get(pk=response.json()["id"])
    assert (post.title, post.body) == (title, body)

    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer)
    data = json.loads(Event.objects.get(type="post.approved").body)["data"]
    assert data["content_hash"] == recipe(title, body)
    assert data["content_hash_algorithm"] == "sha256-jcs-v1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"title": "\\ud800", "body": "B", "author": "alice", "category": "news"}', 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"title": NaN}', 400),
    ],
    ids=["lone-surrogate", "nested-100000-deep", "nan"],
)
def test_bad_json_is_a_json_400_not_a_500(api, raw, status):
    response = api.post(POSTS, raw, content_type="application/json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_a_json_413(api, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    body = json.dumps({"author": "alice", "title": "T", "body": "x" * 20_000, "category": "news"})
    response = api.post(POSTS, body, content_type="application/json")
    assert response.status_code == 413 and response.json()["detail"].startswith("The request")


@pytest.mark.django_db
def test_a_title_with_a_line_break_still_reaches_the_author_unescaped(author, reviewer):
    post = PostFactory(
        author=author, title="Fish & chips <b>\r\nBcc: victim@example.org", state=State.SUBMITTED
    )
    services.post_claim(post=post, by=reviewer)
    services.post_request_changes(post=post, by=reviewer, note='Say "who" & <when>.')
    assert send_notification(Notification.objects.get(user=author).pk) == "sent"
    message = mail.outbox[-1]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Fish & chips <b> Bcc: victim@example.org" in message.subject
    assert message.recipients() == [author.email]
    assert 'Say "who" & <when>.' in message.body and "&amp;" not in message.body


# --- concurrency ---------------------------------------------------------------------------


def _together(count, call):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = call(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_unverified_daily_allowance_holds_under_20_concurrent_submissions(settings):
    settings.UNVERIFIED_DAILY_POSTS = 5
    newcomer = UserFactory(username="nina", verified=False, pledged=False)
    drafts = [
        services.post_create(
            author=newcomer, title=f"Cat {n}", body="My cat slept all day.", category=Category.OTHER
        )
        for n in range(20)
    ]
    _together(20, lambda i: services.post_submit(post=drafts[i], by=newcomer))
    submitted = Post.objects.filter(author=newcomer).exclude(state=State.DRAFT).count()
    assert submitted == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_external_id_make_one_post_and_nineteen_409s():
    platform = platform_services.platform_create(name="Chirp")
    author = UserFactory(username="alice")
    link_account(platform=platform, user=author)
    key = platform_services.api_key_create(platform=platform).key

    def submit(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        payload = {
            "author": "alice",
            "title": f"Take {i}",
            "body": "Same story.",
            "category": "news",
            "external_id": "story-1",
        }
        return client.post(POSTS, payload, format="json")

    responses = _together(20, submit)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 19, [getattr(r, "content", r) for r in responses]
    post = Post.objects.get()
    assert {r.json()["post_id"] for r in responses if r.status_code == 409} == {post.pk}
