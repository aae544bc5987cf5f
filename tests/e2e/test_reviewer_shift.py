"""A reviewer's shift by keyboard, at 1280 px and at 390 px: the shortcuts' help on "?",
claim next, request changes, approve (each decision goes on to the next post), and a bulk
rejection from the queue. Screenshots: test-results/screenshots/shift-*.png."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from approvals import services
from approvals.models import Post, State
from approvals.priority import in_priority_order
from tests.e2e.test_accessibility import AXE, SERIOUS, _log_in, _violations
from tests.e2e.test_phone import PHONE, log_in, sideways
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": PHONE,
}


def state_of(title: str) -> str:
    return Post.objects.get(title=title).state


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_reviewer_works_a_shift_by_keyboard(live_server, browser, desk, screenshot, size):
    rita = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    titles = [
        "Harbour reopens after the storm",
        "Council votes on the tram line",
        "School year to start a week later",
        "Rumour: the mayor resigns",
        "Anonymous post says the bridge is closing",
    ]
    for title in titles:
        PostFactory(author=alice, state=State.SUBMITTED, title=title)
    # The shift follows the queue's order (approvals.priority: screening brings newsy ones
    # forward), whatever it makes of these titles.
    titles = [post.title for post in in_priority_order(Post.objects.filter(title__in=titles))]
    base = live_server.url
    page = browser.new_context(**SIZES[size]).new_page()
    log_in(page, base, "rita")

    # The queue; "?" opens the help, a <dialog> with a heading; Esc closes it.
    page.goto(f"{base}/review/")
    assert sideways(page) <= 0
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    expect(help_dialog).to_contain_text("Request changes: go to the note")
    screenshot(page, f"shift-help-{size}")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # j / k move a visible focus over the rows.
    rows = page.locator("table.queue tbody tr")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(rows.nth(1)).not_to_have_class(re.compile(r"\bcurrent\b"))
    outline = rows.nth(0).evaluate("row => getComputedStyle(row).outlineStyle")
    assert outline != "none"
    screenshot(page, f"shift-queue-{size}")

    # Keys do nothing while typing in a field.
    page.locator("#id_note").focus()
    page.keyboard.type("jjk?")
    expect(help_dialog).to_be_hidden()
    expect(rows.nth(0)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Escape")  # leaves the field: the keys work again
    page.locator("#id_note").fill("")

    # Claim next: from a fresh queue, "c" claims the first waiting post and opens it.
    page.goto(f"{base}/review/")
    page.keyboard.press("c")
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    expect(page.get_by_text("Claimed. The post is yours to decide.")).to_be_visible()
    assert state_of(titles[0]) == State.UNDER_REVIEW
    # The three decisions are open at once: nothing to expand.
    for form in ("approve", "request_changes", "reject"):
        expect(page.locator(f"[data-form={form}]")).to_be_visible()
    assert sideways(page) <= 0
    screenshot(page, f"shift-claimed-{size}")

    # "e": request changes, straight into the note; Tab to the button, Enter.
    page.keyboard.press("e")
    assert focused_id(page) == "id_request_changes-note"
    page.keyboard.type("Name the harbour master you quote.")
    page.keyboard.press("Tab")
    expect(page.locator("[data-form=request_changes] button")).to_be_focused()
    page.keyboard.press("Enter")
    # On to the next post: nothing else claimed, so the first waiting one opens, unclaimed;
    # "c" claims it.
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[1])
    expect(page.get_by_text("Changes requested.")).to_be_visible()
    next_message = f"Next: “{titles[1]}”, first in your queue: claim it to decide it."
    expect(page.get_by_text(next_message)).to_be_visible()
    assert state_of(titles[0]) == State.CHANGES_REQUESTED
    assert state_of(titles[1]) == State.SUBMITTED
    page.keyboard.press("c")
    expect(page.get_by_text("Claimed. The post is yours to decide.")).to_be_visible()

    # "?" works here too; then "a" approves, and the next post opens.
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("a")
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[2])
    expect(page.get_by_text("Approved.", exact=True)).to_be_visible()
    assert state_of(titles[1]) == State.APPROVED
    screenshot(page, f"shift-next-{size}")

    # "r" on a claimed post goes to the reason of the rejection.
    page.keyboard.press("c")
    expect(page.get_by_text("Claimed. The post is yours to decide.")).to_be_visible()
    page.keyboard.press("r")
    assert focused_id(page) == "id_reject-reason_code"

    # Back to the queue: select the two waiting posts with x and reject them in bulk.
    page.goto(f"{base}/review/")
    expect(rows).to_have_count(3)  # the claimed one, then two waiting
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("input[name=post]:checked")).to_have_count(2)
    page.keyboard.press("r")
    reason = page.locator(".bulk-bar select[name=reason_code]")
    expect(reason).to_be_focused()
    reason.select_option("rumour")
    page.keyboard.press("Tab")
    page.keyboard.type("A single anonymous source; name who confirms it.")
    page.keyboard.press("Tab")  # Approve selected
    page.keyboard.press("Tab")  # Reject selected
    expect(page.locator("[data-bulk=reject]")).to_be_focused()
    screenshot(page, f"shift-bulk-selected-{size}")
    page.keyboard.press("Enter")

    result = page.locator("table.bulk-result")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk action: what happened")
    expect(page.get_by_text("2 posts rejected.")).to_be_visible()
    for title in titles[3:]:
        expect(result.get_by_role("row", name=title)).to_contain_text("Rejected")
        assert state_of(title) == State.REJECTED
    assert state_of(titles[2]) == State.UNDER_REVIEW  # not selected: still Rita's to decide
    assert sideways(page) <= 0
    screenshot(page, f"shift-bulk-result-{size}")
    assert Post.objects.get(title=titles[3]).decided_by == rita


@pytest.fixture
def axe_page(browser):
    """As in test_accessibility: axe is the test's own script, so this page skips the policy."""
    if not AXE.exists():
        pytest.fail("needs axe-core from npm (npm install --no-save axe-core)", pytrace=False)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def test_the_reviewer_flow_pages_have_no_serious_accessibility_violations(
    live_server, axe_page, desk
):
    """axe-core on what this flow adds: a claimed post with its decisions open, the queue with
    its bulk form and the shortcuts' dialog open, and the bulk result."""
    UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    claimed = PostFactory(author=alice, state=State.SUBMITTED)
    waiting = PostFactory(author=alice, state=State.SUBMITTED)
    base = live_server.url
    _log_in(axe_page, base, "rita")
    services.post_claim(post=claimed, by=User.objects.get(username="rita"))

    assert _violations(axe_page, f"{base}{claimed.get_absolute_url()}") == []
    assert _violations(axe_page, f"{base}/review/") == []
    axe_page.keyboard.press("?")
    expect(axe_page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert axe_page.evaluate(SERIOUS) == []
    axe_page.keyboard.press("Escape")
    # "o" and Enter open the current row.
    axe_page.keyboard.press("j")
    axe_page.keyboard.press("o")
    axe_page.wait_for_url(f"**{claimed.get_absolute_url()}")
    axe_page.goto(f"{base}/review/")
    axe_page.keyboard.press("j")
    axe_page.keyboard.press("j")
    axe_page.keyboard.press("Enter")
    axe_page.wait_for_url(f"**{waiting.get_absolute_url()}")
    axe_page.goto(f"{base}/review/")
    axe_page.locator(f"input[name=post][value='{waiting.pk}']").check()
    axe_page.locator("[data-bulk=release]").click()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Bulk action: what happened")
    axe_page.add_script_tag(path=str(AXE))
    assert axe_page.evaluate(SERIOUS) == []
