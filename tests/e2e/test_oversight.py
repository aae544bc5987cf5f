"""The oversight dashboard in a real browser, at 1280 px and 390 px, English and Chinese:
charts drawn, tables beside them, nothing scrolling sideways, the CSV links working."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page

from approvals import services
from approvals.models import QueueDepthSample
from tests.conftest import SENIOR
from tests.e2e.test_accessibility import _violations, axe_page  # noqa: F401 (a fixture)
from tests.factories import PASSWORD, DeskFactory, PostFactory, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_second_factor_in_browser(page, username)


def a_month_of_work(desk) -> None:
    sport = DeskFactory(name="Sport", slug="sport", name_zh_hans="体育")
    rita = UserFactory(username="rita", display_name="Rita Reviewer", reviewer_on=[desk, sport])
    rob = UserFactory(username="rob", display_name="Rob Reviewer", reviewer_on=[desk])
    alice = UserFactory(username="alice", display_name="Alice Author")
    now = timezone.now()
    for n, (reviewer, hours, reject) in enumerate(
        [(rita, 2, False), (rita, 5, True), (rob, 9, False), (rob, 30, True), (rita, 1, False)]
    ):
        start = now - timedelta(days=3 + n)
        with time_machine.travel(start, tick=False):
            post = PostFactory(author=alice, title=f"地铁三号线 {n}")
            post = services.post_submit(post=post, by=alice)
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            post = services.post_claim(post=post, by=reviewer)
            if reject:
                services.post_reject(post=post, by=reviewer, reason_code="rumour", note="不实")
            else:
                services.post_approve(post=post, by=reviewer)
    for day in range(30):
        for d, base in ((desk, 12), (sport, 4)):
            QueueDepthSample.objects.create(
                desk=d,
                at=now - timedelta(days=day),
                waiting=base + (day * 7) % 11,
                overdue=(day * 3) % 4,
            )


def sideways(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(
    ("size", "locale"), [("desktop", "en-GB"), ("phone", "en-GB"), ("phone", "zh-CN")]
)
def test_a_senior_reads_the_oversight_dashboard(
    live_server, browser, desk, screenshot, size, locale
):
    a_month_of_work(desk)
    UserFactory(username="sam", display_name="Sam Senior", roles=SENIOR)
    page = browser.new_context(
        locale=locale, **(DESKTOP if size == "desktop" else PHONE)
    ).new_page()
    log_in(page, live_server.url, "sam")
    page.locator("header nav a[href='/review/oversight/']").click()
    page.wait_for_url("**/review/oversight/")
    screenshot(page, f"oversight-{size}-{locale}")
    assert page.locator("svg.chart").count() >= 5
    assert page.locator("#times-desk table tbody tr").count() == 1
    assert page.locator("#queue svg polyline").count() == 2
    assert sideways(page) <= 0
    with page.expect_download() as download:
        page.locator("#times-reviewer .oversight-csv a").click()
    assert download.value.suggested_filename.startswith("oversight-times-reviewer-")


def test_a_reviewer_filters_their_desk(live_server, browser, desk):
    a_month_of_work(desk)
    page = browser.new_context(**DESKTOP).new_page()
    log_in(page, live_server.url, "rob")
    page.goto(f"{live_server.url}/review/oversight/")
    assert page.locator("#webhooks").count() == 0
    page.locator("#id_desk").select_option(label="General")
    page.locator("form.oversight-filters button[type=submit]").click()
    page.wait_for_url("**desk=*")
    assert page.locator("#overdue tbody tr").count() == 1


def test_the_dashboard_has_no_serious_accessibility_violations(live_server, axe_page, desk):  # noqa: F811
    a_month_of_work(desk)
    UserFactory(username="sam", display_name="Sam Senior", roles=SENIOR)
    log_in(axe_page, live_server.url, "sam")
    assert _violations(axe_page, f"{live_server.url}/review/oversight/") == []
