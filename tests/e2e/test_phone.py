"""On a phone (390 px wide): a short header, and no page that scrolls sideways."""

import pytest
from playwright.sync_api import Page

from approvals.models import State
from tests.factories import PASSWORD, PostFactory, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_second_factor_in_browser(page, username)


def sideways(page: Page) -> int:
    """How far the page scrolls sideways (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_a_reviewer_works_the_queue_on_a_phone(live_server, browser, desk, screenshot, locale):
    UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    for title in ("Council approves the new tram line after a long debate", "地铁三号线今日开通"):
        PostFactory(author=alice, state=State.SUBMITTED, title=title)
    rob = UserFactory(username="rob", display_name="Rob Reviewer", reviewer_on=[desk])
    PostFactory(author=alice, state=State.UNDER_REVIEW, reviewer=rob)
    page = browser.new_context(locale=locale, **PHONE).new_page()
    log_in(page, live_server.url, "rita")
    for path in ("/review/", "/review/?mine=1", "/posts/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("header.topbar").bounding_box()["height"] <= 130, path
        assert sideways(page) <= 0, path
    page.goto(f"{live_server.url}/review/")
    screenshot(page, f"phone-queue-{locale}")
    # A row is a card: the title is readable without scrolling.
    card = page.locator("table.queue tbody tr").first
    assert card.bounding_box()["width"] <= 390


def test_an_author_writes_and_reads_a_post_on_a_phone(live_server, browser):
    alice = UserFactory(username="alice", display_name="Alice Author")
    post = PostFactory(author=alice, state=State.SUBMITTED)
    page = browser.new_context(**PHONE).new_page()
    log_in(page, live_server.url, "alice")
    for path in ("/posts/", "/posts/new/", post.get_absolute_url(), "/accounts/standing/"):
        page.goto(f"{live_server.url}{path}")
        assert sideways(page) <= 0, path
