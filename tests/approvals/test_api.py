"""The platform API: auth, scoping, idempotent create, validation, withdraw, events, schema."""

import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from approvals import services
from approvals.models import IdempotencyRecord, Post, State
from approvals.platform import services as platform_services
from tests.factories import link_account

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


@pytest.fixture
def platform(db):
    return platform_services.platform_create(name="Chirp")


@pytest.fixture
def api_key(platform):
    return platform_services.api_key_create(platform=platform)


@pytest.fixture
def author(author, platform):
    """Alice, linked to the platform, so it may submit for her."""
    link_account(platform=platform, user=author)
    return author


@pytest.fixture
def api(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.key}")
    return client


def payload(author, **overrides):
    return {
        "author": author.username,
        "title": "Tram line approved",
        "body": "The council voted 30 to 2.",
        "category": "news",
        "external_id": "chirp-1",
    } | overrides


def test_requests_without_a_key_are_refused(client, author):
    response = APIClient().post(POSTS, payload(author), format="json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not Post.objects.exists()


def test_a_wrong_key_is_refused(author):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer imp_abc_def")
    assert client.get(POSTS).status_code == 401


def test_a_revoked_key_stops_working_at_once(api, api_key):
    assert api.get(POSTS).status_code == 200
    platform_services.api_key_revoke(api_key=api_key.api_key)
    assert api.get(POSTS).status_code == 401


def test_keys_are_stored_hashed(api_key):
    stored = api_key.api_key
    assert api_key.key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_a_platform_submits_a_post_for_an_account(api, author, platform):
    response = api.post(POSTS, payload(author), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "submitted" and body["author"] == "alice"
    assert body["external_id"] == "chirp-1"
    assert len(body["revision"]["content_hash"]) == 64
    post = Post.objects.get(pk=body["id"])
    assert post.platform == platform and post.state == State.SUBMITTED


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_result(api, author):
    first = api.post(POSTS, payload(author), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(POSTS, payload(author), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Post.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(api, author):
    api.post(POSTS, payload(author), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = api.post(
        POSTS, payload(author, external_id="chirp-2"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"author": "nobody"}, "author"),
        ({"title": ""}, "title"),
        ({"category": "gossip"}, "category"),
        ({"repost_of": 999999}, "repost_of"),
    ],
)
def test_invalid_input_gets_a_field_message_and_changes_nothing(api, author, overrides, field):
    response = api.post(POSTS, payload(author) | overrides, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Post.objects.exists()


def test_a_duplicate_external_id_is_a_conflict_naming_the_existing_post(api, author):
    first = api.post(POSTS, payload(author), format="json").json()
    response = api.post(POSTS, payload(author, title="Another"), format="json")
    assert response.status_code == 409
    assert response.json()["post_id"] == first["id"]
    assert response.json()["code"] == "duplicate_external_id"
    assert Post.objects.count() == 1


def test_a_failed_idempotent_create_records_no_response(api, author):
    response = api.post(POSTS, payload(author, title=""), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 400
    assert not IdempotencyRecord.objects.exists()


def test_a_platform_sees_only_its_own_posts(api, author):
    other = platform_services.platform_create(name="Other")
    link_account(platform=other, user=author)
    theirs = services.post_submit_for_platform(
        platform=other, author=author.username, title="T", body="B", category="news"
    )
    mine = api.post(POSTS, payload(author), format="json").json()
    listed = api.get(POSTS).json()["results"]
    assert [p["id"] for p in listed] == [mine["id"]]
    assert api.get(f"{POSTS}{theirs.pk}/").status_code == 404
    assert api.post(f"{POSTS}{theirs.pk}/withdraw/").status_code == 404


def test_list_filters_by_state_and_rejects_a_bad_filter(api, author):
    api.post(POSTS, payload(author), format="json")
    assert len(api.get(POSTS, {"state": "submitted"}).json()["results"]) == 1
    assert api.get(POSTS, {"state": "approved"}).json()["results"] == []
    bad = api.get(POSTS, {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.json()


def test_a_platform_withdraws_a_waiting_post(api, author):
    post = api.post(POSTS, payload(author), format="json").json()
    response = api.post(f"{POSTS}{post['id']}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"


def test_withdrawing_a_decided_post_is_a_conflict_that_changes_nothing(api, author, reviewer):
    post_id = api.post(POSTS, payload(author), format="json").json()["id"]
    post = services.post_claim(post=Post.objects.get(pk=post_id), by=reviewer)
    services.post_approve(post=post, by=reviewer)
    response = api.post(f"{POSTS}{post_id}/withdraw/")
    assert response.status_code == 409
    assert "Already decided by Rita Reviewer" in response.json()["detail"]
    assert Post.objects.get(pk=post_id).state == State.APPROVED


def test_events_can_be_read_in_order_after_a_cursor(api, author, reviewer):
    for n in range(3):
        post_id = api.post(POSTS, payload(author, external_id=f"e{n}"), format="json").json()["id"]
        post = services.post_claim(post=Post.objects.get(pk=post_id), by=reviewer)
        services.post_approve(post=post, by=reviewer)
    first = api.get("/api/v1/events/", {"limit": 2}).json()
    assert [e["type"] for e in first["events"]] == ["post.approved", "post.approved"]
    rest = api.get("/api/v1/events/", {"after": first["next_after"]}).json()
    assert len(rest["events"]) == 1 and rest["next_after"] is None
    assert rest["events"][0]["payload"]["data"]["external_id"] == "e2"


def test_the_openapi_schema_is_valid(client):
    response = client.get(reverse("schema"))
    assert response.status_code == 200
    validate(yaml.safe_load(response.content))


def test_the_api_docs_page_loads_without_a_cdn(client):
    page = client.get(reverse("docs")).content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower()


def test_requests_are_throttled_per_key(api, settings):
    from django.core.cache import cache

    cache.clear()
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    rates["api_key"] = "3/minute"
    try:
        codes = [api.get(POSTS).status_code for _ in range(4)]
    finally:
        rates["api_key"] = "6000/minute"
        cache.clear()
    assert codes == [200, 200, 200, 429]


def test_a_malformed_api_url_answers_json_not_an_html_page(api):
    response = api.get("/api/v1/posts/not.a.number/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", POSTS, {"author": "al\x00ice", "title": "T", "body": "B", "category": "news"}),
        ("get", "/api/v1/deliveries/", {"status": "fail\x00ed"}),
        ("get", POSTS, {"updated_since": "2026\x00"}),
    ],
)
def test_nul_bytes_are_a_field_error_not_a_server_error(api, author, method, path, data):
    response = getattr(api, method)(path, data, format="json" if method == "post" else None)
    assert response.status_code == 400
    assert set(response.json()) & {"author", "status", "updated_since"}


def test_an_unreadable_idempotency_key_is_refused(api, author):
    response = api.post(POSTS, payload(author), format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Post.objects.exists()


def test_a_submission_costs_at_most_twelve_queries(api, author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.post(POSTS, payload(author, external_id="warm-up"), format="json")  # caches warm
    with CaptureQueriesContext(connection) as captured:
        response = api.post(POSTS, payload(author, external_id="counted"), format="json")
    assert response.status_code == 201
    # The test's own transaction turns the view's BEGIN/COMMIT into a savepoint pair.
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(queries) <= 12, "\n".join(queries)
