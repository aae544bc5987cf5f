"""English and Simplified Chinese: which language a person gets, and where it is remembered."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import Notification
from approvals import services
from approvals.models import ReasonCode
from approvals.platform import services as platform_services
from tests.factories import UserFactory, link_account
from tests.logins import TwoFactorClient
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db

SWITCH = "/accounts/language/"


def test_a_page_is_in_the_language_the_browser_asks_for(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
    page = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


def test_a_browser_asking_for_a_language_we_lack_gets_english(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert response["Content-Language"] == settings.LANGUAGE_CODE
    assert "Log in" in response.content.decode()


def test_switching_language_is_kept_on_the_profile_and_follows_the_user(client, author):
    client.force_login(author)
    response = client.post(SWITCH, {"language": "zh-hans", "next": "/posts/"})
    assert response.status_code == 302
    assert response["Location"] == "/posts/"
    author.refresh_from_db()
    assert author.language == "zh-hans"

    elsewhere = TwoFactorClient()  # another browser, which asks for English
    elsewhere.force_login(author)
    page = elsewhere.get("/posts/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert page["Content-Language"] == "zh-hans"
    assert "我的稿件" in page.content.decode()


def test_switching_back_to_english_is_kept_too(client, author):
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    client.force_login(author)
    client.post(SWITCH, {"language": "en-gb", "next": "/"})
    author.refresh_from_db()
    assert author.language == "en-gb"
    assert client.get("/posts/")["Content-Language"] == "en-gb"


def test_a_profile_without_a_language_keeps_the_one_its_holder_signs_in_with(client, author):
    assert author.language == ""
    client.force_login(author)
    client.get("/posts/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    author.refresh_from_db()
    assert author.language == "zh-hans"
    # … so emails find it, and a later browser asking for English does not change it.
    client.get("/posts/", HTTP_ACCEPT_LANGUAGE="en")
    author.refresh_from_db()
    assert author.language == "zh-hans"


def test_a_visitor_switches_language_with_a_cookie_only(client):
    response = client.post(SWITCH, {"language": "zh-hans", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_an_unknown_language_changes_nothing(client, author):
    client.force_login(author)
    response = client.post(SWITCH, {"language": "xx", "next": "/posts/"})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.language == settings.LANGUAGE_CODE


def test_the_switch_never_sends_anyone_to_another_site(client):
    response = client.post(SWITCH, {"language": "zh-hans", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_switch_takes_no_get(client):
    assert client.get(SWITCH, {"language": "zh-hans"}).status_code == 405


def test_an_email_is_written_in_its_recipients_language(author, reviewer):
    """The reviewer works in English; the author reads Chinese, and so does her email."""
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    post = services.post_create(author=author, title="地铁新线", body="今日开通。", category="news")
    services.post_submit(post=post, by=author)
    services.post_claim(post=post, by=reviewer)
    services.post_reject(post=post, by=reviewer, reason_code="rumour", note="Name a source.")

    notification = Notification.objects.get(user=author)
    assert notification.language == "zh-hans"
    assert "已驳回" in notification.subject
    send_waiting_mail()
    body = mail.outbox[-1].body
    assert ReasonCode.objects.get(code="rumour").label_zh_hans in body
    assert "Name a source." in body


def test_an_email_to_someone_without_a_language_is_in_english(author, reviewer):
    post = services.post_create(author=author, title="Trams", body="They run.", category="news")
    services.post_submit(post=post, by=author)
    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer)
    send_waiting_mail()
    assert Notification.objects.get(user=author).language == settings.LANGUAGE_CODE
    assert "Approved" in mail.outbox[-1].subject


def test_the_api_answers_errors_in_the_language_of_accept_language(author):
    platform = platform_services.platform_create(name="Chirp")
    link_account(platform=platform, user=author)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=platform).key}"
    )
    data = {"author": author.username, "title": "", "body": "x", "category": "news"}

    english = api.post("/api/v1/posts/", data, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.post("/api/v1/posts/", data, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert english.status_code == chinese.status_code == 400
    assert chinese["Content-Language"] == "zh-hans"
    assert english.json()["title"] != chinese.json()["title"]
    assert "不能为空" in str(chinese.json()["title"])


def test_the_api_ignores_the_users_page_language(author):
    """A platform decides per request: the profile's language is for pages and emails."""
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    api = APIClient()
    api.force_login(author)
    response = api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en-gb"


def test_dates_are_written_the_chinese_way(client, author):
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    post = services.post_create(author=author, title="Trams", body="They run.", category="news")
    services.post_submit(post=post, by=author)
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    today = timezone.localtime()
    assert f"{today.year}年{today.month}月{today.day}日" in page


def test_reference_data_reads_in_the_active_language(client, author, desk):
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    client.force_login(author)
    post = services.post_create(author=author, title="Trams", body="They run.", category="news")
    services.post_submit(post=post, by=author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert desk.name_zh_hans in page


def test_the_pledge_is_shown_and_signed_in_the_readers_language(client):
    from accounts.selectors import current_pledge

    holder = UserFactory(username="wang", display_name="王伟", language="zh-hans")
    client.force_login(holder)
    page = client.get("/accounts/pledge/").content.decode()
    pledge = current_pledge()
    assert pledge.clauses_zh_hans.splitlines()[0] in page
    assert pledge.clauses.splitlines()[0] not in page


def test_someone_who_signs_up_in_chinese_gets_their_first_email_in_chinese(client):
    client.post(
        "/accounts/signup/",
        {
            "username": "zhang",
            "display_name": "张三",
            "email": "zhang@example.org",
            "account_type": "individual",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    confirmation = Notification.objects.get(to="zhang@example.org")
    assert confirmation.language == "zh-hans"
    assert confirmation.subject == "确认您的电子邮件地址"


def test_a_password_reset_email_is_in_the_holders_language_whoever_asks(client):
    UserFactory(username="wang", email="wang@example.org", language="zh-hans")
    client.post(
        "/accounts/password_reset/", {"email": "wang@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    message = mail.outbox[-1]
    assert "Imprimatur" in message.subject
    assert "设置新密码" in message.subject
    assert "/accounts/reset/" in message.body


def test_what_a_reviewer_writes_is_never_replaced_by_a_translation(client, author, reviewer):
    """'Approved.' is also a catalogue entry; a reviewer's note that says so stays theirs."""
    post = services.post_create(author=author, title="Trams", body="They run.", category="news")
    services.post_submit(post=post, by=author)
    services.post_claim(post=post, by=reviewer)
    services.post_approve(post=post, by=reviewer, note="Approved.")
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    client.force_login(author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<p>Approved.</p>" in page
    assert "<blockquote>Approved.</blockquote>" in page


def test_a_note_the_system_wrote_is_shown_in_the_readers_language():
    from accounts.languages import as_written
    from approvals.services import REJECTION_OVERTURNED

    with translation.override("zh-hans"):
        assert as_written(REJECTION_OVERTURNED) != REJECTION_OVERTURNED
        assert as_written("Rejected.") == "Rejected."


def test_an_api_404_names_no_model_and_speaks_the_requests_language(author):
    platform = platform_services.platform_create(name="Chirp")
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=platform).key}"
    )
    english = api.get("/api/v1/posts/999999/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.get("/api/v1/posts/999999/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert english.status_code == chinese.status_code == 404
    assert english.json() == {"detail": "Not found.", "code": "not_found"}
    assert chinese.json()["code"] == "not_found"
    assert chinese.json()["detail"] != "Not found."
