"""What an account may submit, told before it writes: the daily allowance of an unverified
account, the reasons per category on the new-post form, and a proposed sanction with the
strikes behind it on My standing."""

import pytest
from django.urls import reverse

from accounts.eligibility import blockers_by_category, daily_allowance_left
from accounts.services.strikes import strike_record
from approvals import services
from approvals.models import Category, State
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nina", display_name="Nina New", verified=False, pledged=False)


def _submit_other(user):
    post = PostFactory(author=user, category=Category.OTHER, title="My cat", body="My cat sleeps.")
    return services.post_submit(post=post, by=user)


def test_the_allowance_counts_down_with_each_other_post(newcomer, settings):
    settings.UNVERIFIED_DAILY_POSTS = 3
    assert daily_allowance_left(newcomer) == 3
    _submit_other(newcomer)
    assert daily_allowance_left(newcomer) == 2


def test_a_verified_account_has_no_daily_allowance(author):
    assert daily_allowance_left(author) is None


def test_my_posts_and_the_new_post_form_show_the_allowance_left(client, newcomer, settings):
    settings.UNVERIFIED_DAILY_POSTS = 3
    _submit_other(newcomer)
    client.force_login(newcomer)
    for url in (reverse("approvals:my_posts"), reverse("approvals:post_new")):
        page = client.get(url).content.decode()
        assert "you may submit 2 more posts of category “other”" in page


def test_a_verified_author_sees_no_allowance(client, author):
    client.force_login(author)
    assert 'id="allowance"' not in client.get(reverse("approvals:my_posts")).content.decode()


def test_the_blockers_per_category_are_the_submit_refusals(newcomer):
    blockers = blockers_by_category(newcomer)
    assert any("Verify your identity" in r for r in blockers[Category.NEWS])
    assert blockers[Category.NEWS] == blockers[Category.CURRENT_AFFAIRS]
    assert blockers[Category.OTHER] == []


def test_the_new_post_form_tells_an_unverified_author_at_once_that_news_is_not_for_them_yet(
    client, newcomer
):
    client.force_login(newcomer)
    page = client.get(reverse("approvals:post_new")).content.decode()
    # The form opens on "news": the reasons are shown without JavaScript, for that category.
    assert 'data-eligibility-for="news">' in page
    assert 'data-eligibility-for="current_affairs" hidden' in page
    assert "Verify your identity (legal name and an identity document)" in page
    assert "js/eligibility.js" in page and 'data-eligibility-for="other"' not in page


def test_the_reasons_follow_the_category_the_form_comes_back_with(client, newcomer):
    client.force_login(newcomer)
    page = client.post(
        reverse("approvals:post_new"), {"title": "", "body": "x", "category": "other"}
    ).content.decode()
    assert 'data-eligibility-for="news" hidden' in page


def test_a_verified_author_is_told_nothing(client, author):
    client.force_login(author)
    assert "data-eligibility-for" not in client.get(reverse("approvals:post_new")).content.decode()


def test_an_unverified_author_may_still_save_a_news_draft(client, newcomer):
    client.force_login(newcomer)
    client.post(
        reverse("approvals:post_new"),
        {"title": "Harbour", "body": "It reopened.", "category": "news"},
    )
    assert newcomer.posts.get().state == State.DRAFT


def test_my_standing_shows_a_proposed_sanction_and_the_strike_behind_it(client, author, reviewer):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    strike_record(post=post)  # the appeal window lapsed; the policy proposes a warning
    client.force_login(author)
    page = client.get(reverse("standing")).content.decode()
    assert "Proposed sanction" in page
    assert "the strike policy proposed a warning" in page
    assert "Behind it: 1 active strike." in page
    assert post.title in page[page.find("proposed-sanction") :]


def test_no_proposal_no_section(client, author):
    client.force_login(author)
    assert "proposed-sanction" not in client.get(reverse("standing")).content.decode()
