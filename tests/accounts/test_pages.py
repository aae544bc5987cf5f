"""Account pages and what the UI and API tell an account that may not submit."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, Sanction, VerificationState
from approvals.models import Post, State
from approvals.platform import services as platform_services
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nina", display_name="Nina New", verified=False, pledged=False)


def test_the_post_page_tells_an_unverified_author_why_they_cannot_submit(client, newcomer):
    post = PostFactory(author=newcomer)
    client.force_login(newcomer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "You cannot submit this post yet." in page
    assert "Verify your identity" in page and 'data-action="submit"' not in page

    response = client.post(reverse("approvals:post_action", args=[post.pk, "submit"]), follow=True)
    assert "Verify your identity (legal name" in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.DRAFT


def test_the_api_refuses_news_from_an_unverified_account_with_the_reasons(newcomer):
    platform = platform_services.platform_create(name="Chirp")
    link_account(platform=platform, user=newcomer)
    key = platform_services.api_key_create(platform=platform).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.post(
        "/api/v1/posts/",
        {"author": "nina", "title": "Big news", "body": "It happened.", "category": "news"},
        format="json",
    )
    assert response.status_code == 400
    assert any("Verify your identity" in r for r in response.json()["reasons"])
    assert not Post.objects.exists()


def test_my_standing_shows_verification_pledge_strikes_and_sanctions(client, author, senior):
    services.sanction_apply(user=author, by=senior, kind="warning", note="Check sources.")
    client.force_login(author)
    page = client.get(reverse("standing")).content.decode()
    assert "✓ Verified" in page and "✓ Signed" in page
    assert "Warned" in page and "Check sources." in page and "Appeal this warning" in page


def test_an_account_holder_submits_verification_and_signs_the_pledge(client, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("verify_identity"),
        {
            "legal_name": "Nina Newcomb",
            "account_type": "individual",
            "document_type": "passport",
            "issuing_country": "GB",
            "document_number": "P123456789",
        },
        follow=True,
    )
    assert "Staff will check your identity" in response.content.decode()
    assert newcomer.identity.state == VerificationState.PENDING

    wrong = client.post(reverse("pledge"), {"typed_name": "Not Me"})
    assert "Type your legal name exactly: Nina Newcomb." in wrong.content.decode()
    signed = client.post(reverse("pledge"), {"typed_name": "Nina Newcomb"}, follow=True)
    assert "Signed: pledge version 1." in signed.content.decode()


def test_the_verification_form_explains_bad_input(client, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("verify_identity"),
        {
            "legal_name": "Nina",
            "account_type": "organisation",
            "document_type": "passport",
            "issuing_country": "G1",
            "document_number": "12",
        },
    )
    page = response.content.decode()
    assert "Choose the country that issued the document." in page
    assert "Organisations give their registration number." in page


def test_staff_work_the_verification_queue(client, newcomer):
    services.identity_submit(
        user=newcomer,
        legal_name="Nina Newcomb",
        account_type="individual",
        document_type="passport",
        issuing_country="GB",
        document_number="P123456789",
    )
    staff = UserFactory(username="vera", roles=[Role.OPERATOR])
    client.force_login(staff)
    page = client.get(reverse("verification_queue")).content.decode()
    assert "Nina Newcomb" in page and "6789" in page and "P123456789" not in page
    identity = newcomer.identity
    client.post(reverse("verification_decide", args=[identity.pk, "approve"]))
    identity.refresh_from_db()
    assert identity.state == VerificationState.VERIFIED


def test_authors_cannot_reach_the_staff_pages(client, author):
    client.force_login(author)
    assert client.get(reverse("verification_queue")).status_code == 403
    assert client.get(reverse("sanctions_desk")).status_code == 403


def test_a_senior_applies_a_sanction_from_the_desk_with_clear_errors(client, author, senior):
    client.force_login(senior)
    bad = client.post(
        reverse("sanctions_desk"), {"username": "ghost", "kind": "limitation", "note": "x"}
    )
    assert "No account has that username." in bad.content.decode()
    no_days = client.post(
        reverse("sanctions_desk"), {"username": "alice", "kind": "limitation", "note": "x"}
    )
    assert "A limitation needs a number of days." in no_days.content.decode()
    assert not Sanction.objects.exists()

    done = client.post(
        reverse("sanctions_desk"),
        {
            "username": "alice",
            "kind": "limitation",
            "days": 7,
            "reason_code": "rumour",
            "pledge_clause": 2,
            "note": "Unsourced claims.",
        },
        follow=True,
    )
    assert "Limitation applied to Alice Author." in done.content.decode()
    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.pledge_clause, sanction.reason_code.code) == (
        "limitation",
        2,
        "rumour",
    )


def test_an_author_appeals_a_sanction_from_my_standing(client, author, senior):
    sanction = services.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    client.force_login(author)
    response = client.post(
        reverse("sanction_appeal", args=[sanction.pk]),
        {"statement": "It was satire."},
        follow=True,
    )
    assert "Appeal sent." in response.content.decode()
    sanction.refresh_from_db()
    assert sanction.appeal_statement == "It was satire."


def test_a_null_character_in_a_staff_note_is_refused_not_a_server_error(client, newcomer):
    services.identity_submit(
        user=newcomer,
        legal_name="Nina Newcomb",
        account_type="individual",
        document_type="passport",
        issuing_country="GB",
        document_number="P123456789",
    )
    client.force_login(UserFactory(username="vera", roles=[Role.OPERATOR]))
    response = client.post(
        reverse("verification_decide", args=[newcomer.identity.pk, "reject"]),
        {"note": "bad\x00note"},
        follow=True,
    )
    assert "Null characters are not allowed." in response.content.decode()
    newcomer.identity.refresh_from_db()
    assert newcomer.identity.state == VerificationState.PENDING
