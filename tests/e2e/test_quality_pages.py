"""The second-review pages, the agreement rates and an embargoed post, in a real browser:
at 1280 px and on a phone, in English and Chinese, nothing scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from approvals import second_review as sr
from approvals import services
from approvals.models import SecondReview, State
from tests.e2e.test_phone import PHONE, log_in, sideways
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_second_review_pages_fit_at_both_sizes(
    live_server, browser, desk, settings, screenshot, locale, size
):
    settings.SECOND_REVIEW_SHARE = 1.0
    rita = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk])
    rob = UserFactory(username="rob", display_name="Rob Reviewer", reviewer_on=[desk])
    UserFactory(
        username="sue", display_name="Sue Senior", roles=[Role.REVIEWER, Role.SENIOR_REVIEWER]
    )
    alice = UserFactory(username="alice", display_name="Alice Author")

    def decided(title, decide):
        post = PostFactory(author=alice, state=State.UNDER_REVIEW, reviewer=rita, title=title)
        return decide(post)

    embargoed = decided(
        "Council approves the new tram line after a long debate",
        lambda p: services.post_approve(
            post=p, by=rita, note="Checked.", not_before=timezone.now() + timedelta(days=2)
        ),
    )
    decided(
        "地铁三号线今日开通",
        lambda p: services.post_reject(
            post=p, by=rita, reason_code="rumour", note="消息来源不明，编号九九。"
        ),
    )
    review = SecondReview.objects.get(post=embargoed)
    review = sr.second_review_claim(review=review, by=rob)
    sr.second_review_decide(
        review=review, by=rob, decision="rejected", reason_code="rumour", note="Invented quote."
    )
    context = PHONE if size == "phone" else DESKTOP
    name = f"{size}-{locale}"

    page = browser.new_context(locale=locale, **context).new_page()
    log_in(page, live_server.url, "rob")
    page.goto(f"{live_server.url}/review/second/")
    assert sideways(page) <= 0
    screenshot(page, f"second-review-list-{name}")
    page.locator("table.queue tbody tr form button").first.click()  # claim
    assert "/review/second/" in page.url
    assert sideways(page) <= 0
    assert "编号九九" not in page.content() and "Rita Reviewer" not in page.content()
    screenshot(page, f"second-review-blind-{name}")

    page = browser.new_context(locale=locale, **context).new_page()
    log_in(page, live_server.url, "sue")
    for path in ("/review/second/", review.get_absolute_url(), "/review/quality/"):
        page.goto(f"{live_server.url}{path}")
        assert sideways(page) <= 0, path
    assert "Rita Reviewer" in page.content()
    screenshot(page, f"quality-{name}")
    page.goto(f"{live_server.url}{review.get_absolute_url()}")
    screenshot(page, f"second-review-resolve-{name}")

    page = browser.new_context(locale=locale, **context).new_page()
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{embargoed.get_absolute_url()}")
    assert page.locator(".embargo time").count() == 1
    assert sideways(page) <= 0
    screenshot(page, f"embargoed-post-{name}")
