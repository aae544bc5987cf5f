"""Platforms act only for their own accounts: creating accounts and onboarding them, holders
allowing and removing platforms, no submission for unlinked or staff accounts, and no event,
feed entry or post for a platform that may not see it."""

import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, VerificationState
from accounts.services import sanctions
from approvals import services
from approvals.models import Event, LinkOrigin, PlatformAccount, Post, State
from approvals.platform import links
from approvals.platform import services as platform_services
from tests.conftest import SENIOR
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db

POSTS, ACCOUNTS = "/api/v1/posts/", "/api/v1/accounts/"


@pytest.fixture
def chirp(db):
    return platform_services.platform_create(name="Chirp")


@pytest.fixture
def other_platform(db):
    return platform_services.platform_create(name="Other")


def _client(platform):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=platform).key}"
    )
    return client


@pytest.fixture
def api(chirp):
    return _client(chirp)


def news(username, **extra):
    return {"author": username, "title": "Tram", "body": "Approved.", "category": "news"} | extra


# --- onboarding an account through the API ------------------------------------------------


def test_a_platform_creates_an_account_and_its_holder_onboards_through_the_link(
    api, chirp, client, desk
):
    response = api.post(
        ACCOUNTS,
        {
            "platform_user_id": "u-42",
            "username": "nadia",
            "email": "nadia@example.org",
            "display_name": "Nadia",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "nadia" and body["platform_user_id"] == "u-42"
    assert body["origin"] == "api" and body["identity"] == VerificationState.UNVERIFIED
    assert body["pledge_signed"] is False
    onboarding = body["onboarding"]["url"]

    # The holder opens the link, sets a password and lands on their standing page.
    path = re.sub(r"^https?://[^/]+", "", onboarding)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "Welcome to Imprimatur" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "a long pass phrase 7", "new_password2": "a long pass phrase 7"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("standing")
    assert "Verify your identity" in done.content.decode()
    # The link works once.
    assert "expired or was already used" in client.get(path, follow=True).content.decode()
    assert api.post(f"{ACCOUNTS}nadia/onboarding/").json()["onboarding"] is None

    # Until the holder verifies and signs, news is refused with the reasons.
    refused = api.post(POSTS, news("nadia"), format="json")
    assert refused.status_code == 400 and "Verify your identity" in str(refused.json())


def test_a_taken_username_or_platform_user_id_is_a_field_error(api, author, chirp):
    taken = api.post(
        ACCOUNTS,
        {"platform_user_id": "u-1", "username": "alice", "email": "a@example.org"},
        format="json",
    )
    assert taken.status_code == 400 and "username" in taken.json()
    link_account(platform=chirp, user=author, platform_user_id="u-1")
    again = api.post(
        ACCOUNTS,
        {"platform_user_id": "u-1", "username": "zed", "email": "z@example.org"},
        format="json",
    )
    assert again.status_code == 400 and "platform_user_id" in again.json()


def test_a_username_that_only_looks_different_is_taken_too(api, author):
    for look_alike in ("ALICE", "ａｌｉｃｅ", "ＡＬＩＣＥ"):  # case, full-width forms
        answer = api.post(
            ACCOUNTS,
            {"platform_user_id": f"u-{look_alike}", "username": look_alike, "email": "a@x.org"},
            format="json",
        )
        assert answer.status_code == 400 and "username" in answer.json(), look_alike


def test_a_platform_lists_and_unlinks_only_its_own_accounts(api, chirp, other_platform, author):
    link_account(platform=chirp, user=author, platform_user_id="c-1")
    theirs = UserFactory(username="theo")
    link_account(platform=other_platform, user=theirs)
    assert [a["username"] for a in api.get(ACCOUNTS).json()["results"]] == ["alice"]
    assert api.get(f"{ACCOUNTS}theo/").status_code == 404
    assert api.delete(f"{ACCOUNTS}theo/").status_code == 404
    assert api.delete(f"{ACCOUNTS}alice/").status_code == 204
    assert api.post(POSTS, news("alice"), format="json").status_code == 400


# --- acting only for linked accounts ------------------------------------------------------


def test_unknown_unlinked_and_staff_authors_get_the_same_answer(api, chirp, author, senior):
    UserFactory(username="unlinked")
    answers = [api.post(POSTS, news(name), format="json") for name in ("nobody", "unlinked", "sam")]
    assert {r.status_code for r in answers} == {400}
    assert len({json.dumps(r.json()) for r in answers}) == 1
    assert not Post.objects.exists()


def test_a_staff_account_cannot_be_linked(chirp, senior):
    with pytest.raises(Exception, match="Staff"):
        link_account(platform=chirp, user=senior)
    invitation = links.connect_url(platform=chirp, platform_user_id="s-1")
    assert invitation.url.startswith("http")


def test_a_holder_allows_a_platform_in_the_browser_and_can_remove_it(api, chirp, client, author):
    created = api.post("/api/v1/account-links/", {"platform_user_id": "c-77"}, format="json")
    assert created.status_code == 201
    path = re.sub(r"^https?://[^/]+", "", created.json()["url"])

    client.force_login(author)
    page = client.get(path).content.decode()
    assert "Allow Chirp?" in page and "c-77" in page
    client.post(path)
    link = PlatformAccount.objects.get(platform=chirp, user=author)
    assert (link.origin, link.created_by, link.platform_user_id) == (
        LinkOrigin.HOLDER,
        author,
        "c-77",
    )
    assert api.post(POSTS, news("alice"), format="json").status_code == 201

    client.post(reverse("platform_unlink", args=[link.pk]))
    assert api.post(POSTS, news("alice", external_id="2"), format="json").status_code == 400


def test_a_forged_connect_link_is_refused(client, author, chirp):
    client.force_login(author)
    response = client.get("/accounts/platforms/connect/not-a-token/", follow=True)
    assert "not valid" in response.content.decode()
    assert not PlatformAccount.objects.exists()


def test_a_platform_cannot_withdraw_a_post_once_unlinked(api, chirp, author):
    link = link_account(platform=chirp, user=author)
    post_id = api.post(POSTS, news("alice"), format="json").json()["id"]
    links.link_revoke(link=link, by=author)
    assert api.post(f"{POSTS}{post_id}/withdraw/").status_code == 404
    assert Post.objects.get(pk=post_id).state == State.SUBMITTED


# --- events and visibility ----------------------------------------------------------------


def test_events_of_a_browser_post_go_only_to_the_platforms_its_author_is_linked_to(
    chirp, other_platform, author, reviewer, receiver
):
    for platform in (chirp, other_platform):
        platform_services.endpoint_create(platform=platform, url=receiver.url)
    link_account(platform=chirp, user=author, platform_user_id="c-9")
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    events = list(Event.objects.all())
    assert [e.platform for e in events] == [chirp]
    data = json.loads(events[0].body)["data"]
    assert data["author"] == {"username": "alice", "platform_user_id": "c-9"}
    assert _client(other_platform).get("/api/v1/events/").json()["events"] == []


def test_account_events_go_only_to_linked_platforms(chirp, other_platform, author, senior):
    link_account(platform=chirp, user=author)
    sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    assert [e.platform for e in Event.objects.all()] == [chirp]
    assert _client(other_platform).get("/api/v1/events/").json()["events"] == []


def test_a_platform_sees_its_own_posts_and_published_ones_only(
    api, chirp, other_platform, author, other_author, reviewer
):
    link_account(platform=other_platform, user=other_author)
    theirs_waiting = services.post_submit_for_platform(
        platform=other_platform, author="oscar", title="T", body="B", category="news"
    )
    theirs_published = PostFactory(author=other_author, state=State.APPROVED, reviewer=reviewer)
    draft = PostFactory(author=author)
    assert api.get(f"{POSTS}{theirs_waiting.pk}/").status_code == 404
    assert api.get(f"{POSTS}{draft.pk}/").status_code == 404
    assert api.get(f"{POSTS}{theirs_published.pk}/").status_code == 200
    assert api.get(POSTS).json()["results"] == []


def test_repost_of_accepts_only_posts_the_platform_may_see(
    api, chirp, other_platform, author, other_author, reviewer
):
    link_account(platform=chirp, user=author)
    link_account(platform=other_platform, user=other_author)
    hidden = services.post_submit_for_platform(
        platform=other_platform, author="oscar", title="T", body="B", category="news"
    )
    published = PostFactory(author=other_author, state=State.APPROVED, reviewer=reviewer)
    answers = [
        api.post(POSTS, news("alice", repost_of=pk, external_id=str(pk)), format="json")
        for pk in (hidden.pk, 999_999)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json()["repost_of"] == [
        answers[1].json()["repost_of"][0].replace("999999", str(hidden.pk))
    ]
    copy = api.post(
        POSTS,
        news("alice", title=published.title, body=published.body, repost_of=published.pk),
        format="json",
    )
    assert copy.status_code == 201 and copy.json()["state"] == State.CLEARED


def test_staff_roles_are_staff_accounts(db):
    assert links.linked_account(platform=None, username="none") is None
    operator = UserFactory(username="opal", roles=[Role.OPERATOR])
    from accounts.roles import is_staff_account

    assert is_staff_account(operator)
    assert is_staff_account(UserFactory(username="seniora", roles=SENIOR))
    assert not is_staff_account(UserFactory(username="plain"))


def test_a_reviewer_by_direct_grant_is_a_staff_account_too(chirp, desk):
    from django.contrib.auth.models import Permission

    ria = UserFactory(username="ria")
    ria.user_permissions.add(Permission.objects.get(codename="review_post"))
    ria = type(ria).objects.get(pk=ria.pk)
    with pytest.raises(Exception, match="Staff"):
        link_account(platform=chirp, user=ria)


def test_a_published_post_of_another_platform_hides_its_external_id(
    api, chirp, other_platform, other_author, reviewer
):
    link_account(platform=other_platform, user=other_author)
    post = services.post_submit_for_platform(
        platform=other_platform,
        author="oscar",
        title="T",
        body="B",
        category="news",
        external_id="their-internal-77",
    )
    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer)
    seen = api.get(f"{POSTS}{post.pk}/").json()
    assert seen["state"] == "approved" and seen["external_id"] is None
    assert _client(other_platform).get(f"{POSTS}{post.pk}/").json()["external_id"] == (
        "their-internal-77"
    )


def test_once_unlinked_a_platform_hears_nothing_more_about_the_account_or_its_posts(
    api, chirp, author, reviewer, receiver
):
    platform_services.endpoint_create(platform=chirp, url=receiver.url)
    link = link_account(platform=chirp, user=author)
    post_id = api.post(POSTS, news("alice"), format="json").json()["id"]
    links.link_revoke(link=link, by=author)
    post = Post.objects.get(pk=post_id)
    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer)
    assert not Event.objects.filter(platform=chirp).exists()
    assert api.get(f"{POSTS}{post_id}/").status_code == 200  # published: anyone may read it
    assert api.get(POSTS).json()["results"] == []
