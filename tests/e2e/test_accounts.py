"""In a browser: sign up, verify, sign the pledge, submit news; an unverified account is
refused with an explanation."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(page: Page, base: str, username: str, name: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Account type").select_option("individual")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password confirmation").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="My standing")).to_be_visible()


def draft_news(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/posts/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill("The bridge reopens on Monday, the council said.")
    page.get_by_label("Category").select_option("news")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()


def test_a_new_user_gets_verified_signs_the_pledge_and_submits_news(
    live_server, browser, screenshot
):
    UserFactory(username="vera", display_name="Vera Verifier", roles=[Role.OPERATOR])
    base = live_server.url
    user = browser.new_context().new_page()
    staff = browser.new_context().new_page()

    sign_up(user, base, "nina", "Nina New")
    user.get_by_role("link", name="Verify your identity").click()
    user.get_by_label("Legal name").fill("Nina Newcomb")
    user.get_by_label("Document type").select_option("passport")
    user.get_by_label("Issuing country").select_option("GB")  # a list of countries
    user.get_by_label("Document number").fill("P123456789")
    user.get_by_role("button", name="Send for verification").click()
    expect(user.get_by_text("Staff will check your identity")).to_be_visible()

    staff.goto(f"{base}/accounts/login/")
    staff.get_by_label("Username").fill("vera")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    pass_second_factor_in_browser(staff, "vera")
    staff.goto(f"{base}/accounts/verifications/")
    expect(staff.get_by_role("cell", name="Nina Newcomb")).to_be_visible()
    screenshot(staff, "verifications")
    staff.locator("[data-summary=verify-nina]").click()  # verifying asks to confirm first
    expect(staff.get_by_text("Check the document first")).to_be_visible()
    staff.locator("[data-action=verify-nina]").click()
    expect(staff.get_by_text("Nothing to check")).to_be_visible()

    user.goto(f"{base}/accounts/standing/")
    expect(user.get_by_text("✓ Verified")).to_be_visible()
    user.get_by_role("link", name="Read and sign the pledge").click()
    user.get_by_label("Type your full legal name to sign").fill("Nina Newcomb")
    user.get_by_role("button", name="Sign").click()
    expect(user.get_by_text("Signed: pledge version 1.")).to_be_visible()
    screenshot(user, "standing")

    draft_news(user, base, "Bridge reopens")
    user.get_by_role("button", name="Submit for review").click()
    expect(user.locator(".badge.state-submitted")).to_have_text("Submitted")


def test_an_unverified_user_is_refused_news_with_an_explanation(live_server, browser, screenshot):
    base = live_server.url
    page = browser.new_context().new_page()
    sign_up(page, base, "otto", "Otto Unverified")
    draft_news(page, base, "Unchecked claim")
    expect(page.get_by_text("You cannot submit this post yet.")).to_be_visible()
    expect(page.get_by_text("Verify your identity (legal name")).to_be_visible()
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)
    screenshot(page, "refused")
