"""The whole review loop in a browser: write, submit, claim, request changes, resubmit,
approve; and a second post rejected with a reason the author can read."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor_in_browser(page, username)
    expect(page.get_by_text("Signed in as")).to_be_visible()


def write_and_submit(page: Page, base: str, title: str, body: str) -> str:
    page.goto(f"{base}/posts/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(body)
    page.get_by_label("Category").select_option("news")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".page-head .badge")).to_have_text("Submitted")
    return page.url


def back_on(page: Page, url: str) -> None:
    """After a decision the reviewer goes on to the next post (here, with nothing else
    waiting: the queue); come back to look at the one decided."""
    page.wait_for_url("**/review/")
    page.goto(url)


def test_post_goes_from_draft_to_approved_and_another_is_rejected_with_a_reason(
    live_server, browser, desk, screenshot
):
    UserFactory(username="alice", display_name="Alice Author")
    UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    base = live_server.url
    author = browser.new_context().new_page()
    reviewer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()

    # The author writes a news post and submits it.
    log_in(author, base, "alice")
    post_url = write_and_submit(
        author, base, "Tram line approved", "The council voted for the new tram line."
    )

    # The reviewer finds it in the queue, claims it and asks for changes.
    log_in(reviewer, base, "rita")
    reviewer.goto(f"{base}/review/")
    expect(reviewer.get_by_role("link", name="Tram line approved")).to_be_visible()
    screenshot(reviewer, "queue")
    reviewer.get_by_role("link", name="Tram line approved").click()
    reviewer.get_by_role("button", name="Claim").click()
    expect(reviewer.get_by_text("Claimed. The post is yours to decide.")).to_be_visible()
    reviewer.locator("[data-form=request_changes]").get_by_label("Note").fill(
        "Say how many councillors voted for it."
    )
    reviewer.locator("[data-form=request_changes] button").click()
    back_on(reviewer, post_url)
    expect(reviewer.locator(".page-head .badge")).to_have_text("Changes requested")

    # The author reads the note, edits and resubmits.
    author.goto(post_url)
    expect(author.get_by_text("Say how many councillors voted for it.").first).to_be_visible()
    author.get_by_role("link", name="Edit").click()
    author.get_by_label("Body").fill("The council voted 30 to 2 for the new tram line.")
    author.get_by_role("button", name="Save draft").click()
    author.get_by_role("button", name="Resubmit").click()
    expect(author.locator(".page-head .badge")).to_have_text("Submitted")

    # The reviewer claims it again and approves revision 2.
    reviewer.goto(post_url)
    reviewer.get_by_role("button", name="Claim").click()
    expect(reviewer.locator(".meta")).to_contain_text("revision 2")
    reviewer.locator("[data-form=approve] button").click()
    back_on(reviewer, post_url)
    expect(reviewer.locator(".page-head .badge")).to_have_text("Approved")
    screenshot(reviewer, "post")

    # The author sees it approved.
    author.goto(f"{base}/posts/")
    expect(author.get_by_role("row", name="Tram line approved")).to_contain_text("Approved")

    # A second post is rejected with a reason code and a note; the author sees both.
    second_url = write_and_submit(author, base, "Mayor to resign", "A friend of hers says so.")
    reviewer.goto(second_url)
    reviewer.get_by_role("button", name="Claim").click()
    reviewer.get_by_label("Reason").select_option(label="Rumour or unverified claim")
    reviewer.locator("[data-form=reject]").get_by_label("Note").fill("One unnamed source.")
    reviewer.locator("[data-form=reject] button").click()
    back_on(reviewer, second_url)
    expect(reviewer.locator(".page-head .badge")).to_have_text("Rejected")

    author.goto(second_url)
    expect(author.locator(".page-head .badge")).to_have_text("Rejected")
    decision = author.locator(".callout")
    expect(decision).to_contain_text("Rumour or unverified claim")
    expect(decision).to_contain_text("One unnamed source.")
    screenshot(author, "rejected")
