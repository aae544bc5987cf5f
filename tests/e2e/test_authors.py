"""The author's side in a browser: note templates fill the reviewer's note (and follow the
reason), the new-post form says at once which category an unverified account cannot submit,
and the author's "what happens next" panel at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from approvals import services
from approvals.models import NoteTemplate, Post, ReasonCode, State
from tests.e2e.test_review_loop import log_in
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def open_form(page, summary: str) -> None:
    """Open a folded action (<details>); a claimed post's decisions are open already."""
    folded = page.locator("details:not([open]) > summary", has_text=summary)
    if folded.count():
        folded.first.click()


def test_a_template_fills_the_note_and_follows_the_reason(live_server, browser, desk, screenshot):
    author = UserFactory(username="alice", display_name="Alice Author")
    reviewer = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    NoteTemplate.objects.create(
        reason_code=ReasonCode.objects.get(code="spam"), title="Advert", body="An advert."
    )
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    open_form(page, "Reject")
    form = page.locator("[data-form=reject]")
    form.get_by_label("Reason").select_option("rumour")
    templates = form.get_by_label("Start from a template")
    expect(templates.locator("option", has_text="Advert")).to_be_hidden()
    templates.select_option(label="Rumour or unverified claim: Unnamed source")
    note = form.get_by_label("Note")
    expect(note).to_have_value(
        "The post states as fact something only an unnamed source says. Name the source "
        "(a person, an organisation or a published report), or say clearly that it is "
        "unconfirmed."
    )
    screenshot(page, "note-template")
    note.fill("Only the harbour master says so; name him or say it is unconfirmed.")
    form.get_by_role("button", name="Reject").click()
    # Nothing else waits, so the reviewer is back on the queue.
    expect(page.get_by_text("That was the last post waiting on your desks.")).to_be_visible()
    post.refresh_from_db()
    assert post.state == State.REJECTED
    assert post.decision_note.startswith("Only the harbour master")


def test_an_unverified_author_is_told_at_once_which_categories_wait(live_server, browser):
    UserFactory(username="nina", display_name="Nina New", verified=False, pledged=False)
    page = browser.new_context().new_page()
    log_in(page, live_server.url, "nina")
    page.goto(f"{live_server.url}/posts/new/")
    reasons = page.locator("[data-eligibility-for=news]")
    expect(reasons).to_be_visible()
    expect(reasons).to_contain_text("Verify your identity")
    page.get_by_label("Category").select_option("other")
    expect(reasons).to_be_hidden()
    page.get_by_label("Category").select_option("current_affairs")
    expect(page.locator("[data-eligibility-for=current_affairs]")).to_be_visible()
    expect(page.locator("#allowance")).to_contain_text("5 more posts")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_author_reads_what_happens_next_after_a_takedown(
    live_server, browser, desk, screenshot, width
):
    author = UserFactory(username="alice", display_name="Alice Author")
    reviewer = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    senior = UserFactory(
        username="sam", display_name="Sam Senior", roles=["reviewer", "senior_reviewer"]
    )
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    services.post_revoke(post=post, by=senior, reason_code="rumour", note="The port denies it.")
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    panel = page.locator("#next-steps")
    expect(panel).to_contain_text("by a senior reviewer")
    expect(panel).to_contain_text("You may appeal the takedown until")
    screenshot(page, f"next-steps-{width}")
    open_form(page, "Appeal")
    page.get_by_label("Why should the decision change?").fill("The port confirmed it.")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.locator(".page-head .badge")).to_have_text("Appealed")
    assert Post.objects.get(pk=post.pk).appealed_from == State.REVOKED
