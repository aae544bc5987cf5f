"""axe-core (from npm) in chromium finds no serious or critical accessibility violation on the
main pages, for an author and for a reviewer."""

from pathlib import Path

import pytest

from accounts import notifications
from accounts.models import User
from approvals.models import State
from tests.conftest import REQUIRE_SERVICES
from tests.factories import PASSWORD, PostFactory, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """
() => axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]})
  .then(result => result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, where: v.nodes.map(n => n.target.join(" "))})))
"""


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        message = "needs axe-core from npm (npm install --no-save axe-core)"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {message}", pytrace=False)
        pytest.skip(message)
    # axe is injected as a script of the test's own; the site's policy would (rightly) refuse it.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def _violations(page, url: str) -> list[dict]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor_in_browser(page, username)


def test_signed_out_pages_have_no_serious_violations(live_server, axe_page):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"):
        assert _violations(axe_page, f"{live_server.url}{path}") == [], path
    # A form with errors: the messages are tied to their fields.
    axe_page.goto(f"{live_server.url}/accounts/signup/")
    axe_page.get_by_role("button", name="Sign up").click()
    axe_page.add_script_tag(path=str(AXE))
    assert axe_page.evaluate(SERIOUS) == []


def test_an_authors_pages_have_no_serious_violations(live_server, axe_page):
    alice = UserFactory(username="alice", display_name="Alice Author")
    post = PostFactory(author=alice, state=State.SUBMITTED)
    _log_in(axe_page, live_server.url, "alice")
    notifications.inbox_add(user=alice, kind="post.approve", params={"title": post.title})
    pages = ("/posts/", "/posts/new/", f"/posts/{post.pk}/", "/accounts/standing/")
    for path in (*pages, "/accounts/notifications/"):
        assert _violations(axe_page, f"{live_server.url}{path}") == [], path


def test_a_reviewers_pages_have_no_serious_violations(live_server, axe_page, desk):
    UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    post = PostFactory(author=alice, state=State.SUBMITTED)
    _log_in(axe_page, live_server.url, "rita")
    assert User.objects.get(username="rita")
    for path in ("/review/", f"/posts/{post.pk}/", "/accounts/standing/"):
        assert _violations(axe_page, f"{live_server.url}{path}") == [], path
    # With the live waiting count in the navigation.
    axe_page.goto(f"{live_server.url}/review/")
    axe_page.locator("header .live-count a").wait_for()
    axe_page.add_script_tag(path=str(AXE))
    assert axe_page.evaluate(SERIOUS) == []


def test_chinese_pages_have_no_serious_violations(live_server, axe_page, desk):
    """The same pages in Chinese: the page says it is Chinese (`lang`), every label and error
    is still tied to its field."""
    wang = UserFactory(username="wang", display_name="王伟", language="zh-hans")
    post = PostFactory(author=wang, state=State.SUBMITTED, title="地铁新线今日开通")
    axe_page.goto(f"{live_server.url}/accounts/login/")
    axe_page.locator("#id_username").fill("wang")
    axe_page.locator("#id_password").fill(PASSWORD)
    axe_page.locator("main form button[type=submit]").click()
    for path in ("/posts/", "/posts/new/", f"/posts/{post.pk}/", "/accounts/standing/"):
        assert _violations(axe_page, f"{live_server.url}{path}") == [], path
        assert axe_page.locator("html").get_attribute("lang") == "zh-hans", path
