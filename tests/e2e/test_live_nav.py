"""The navigation's live counts in a real browser: htmx polls under the page's CSP, the
reviewer's waiting count and the author's bell change without a reload."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from approvals import services
from approvals.models import State
from tests.e2e.test_phone import PHONE, log_in, sideways
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_waiting_count_and_the_bell_update_live(
    live_server, browser, desk, settings, screenshot, size
):
    settings.LIVE_POLL_SECONDS = 1
    settings.LIVE_COUNT_CACHE_SECONDS = 0.01
    UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    PostFactory(author=alice, state=State.SUBMITTED, title="Harbour reopens")

    contexts = [browser.new_context(**(PHONE if size == "phone" else DESKTOP)) for _ in "ra"]
    try:
        _watch_both(live_server, contexts, screenshot, size)
    finally:  # no page may poll the server while the database is flushed after the test
        for context in contexts:
            context.close()


def _watch_both(live_server, contexts, screenshot, size):
    alice = User.objects.get(username="alice")
    reviewer = contexts[0].new_page()
    log_in(reviewer, live_server.url, "rita")
    reviewer.goto(f"{live_server.url}/posts/")
    waiting = reviewer.locator("header .live-count")
    expect(waiting).to_have_text("1 waiting")
    PostFactory(author=alice, state=State.SUBMITTED, title="Tram line approved")
    expect(waiting).to_have_text("2 waiting")  # no reload
    screenshot(reviewer, f"live-nav-reviewer-{size}")

    author_page = contexts[1].new_page()
    log_in(author_page, live_server.url, "alice")
    author_page.goto(f"{live_server.url}/posts/")
    bell = author_page.locator("header .live-bell")
    expect(bell).to_have_text("Notifications")
    post = services.post_claim(post=alice.posts.get(title="Harbour reopens"), by=_rita())
    services.post_approve(post=post, by=_rita())
    expect(bell.locator(".badge")).to_have_text("1")  # no reload
    bell.locator("a").click()
    expect(author_page.locator("main")).to_contain_text("Your post “Harbour reopens” was approved.")
    assert sideways(author_page) <= 0
    expect(bell.locator(".badge")).to_have_text("1")
    assert author_page.evaluate("document.documentElement.scrollWidth") <= (
        390 if size == "phone" else 1280
    )
    screenshot(author_page, f"notifications-{size}")
    author_page.locator("main button[name=open]").first.click()
    expect(author_page).to_have_url(f"{live_server.url}{post.get_absolute_url()}")
    expect(bell.locator(".badge")).to_have_count(0)


def _rita():
    return User.objects.get(username="rita")


def test_polling_pauses_while_the_tab_is_hidden(live_server, browser, desk):
    UserFactory(username="alice", display_name="Alice Author")
    context = browser.new_context(**DESKTOP)
    try:
        _hide_and_show(live_server, context.new_page())
    finally:
        context.close()


def _hide_and_show(live_server, page: Page):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/posts/")
    expect(page.locator("header .live-bell")).to_have_text("Notifications")
    page.wait_for_load_state("networkidle")  # the bell's first request has come back
    # After js/live.js's listener: was each live request htmx was about to send cancelled?
    page.evaluate(
        """() => {
            window.cancelled = [];
            document.addEventListener('htmx:beforeRequest',
                (e) => window.cancelled.push(e.defaultPrevented));
        }"""
    )
    show = """(state) => {
        Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }"""
    # The bell's trigger fires (htmx handles the event before dispatchEvent returns) and the
    # request is held back.
    page.evaluate(show, "hidden")
    assert page.evaluate("window.cancelled") == [True]
    with page.expect_request(lambda r: "/live/notifications/" in r.url):
        page.evaluate(show, "visible")  # shown again: it asks at once
    assert page.evaluate("window.cancelled") == [True, False]
