"""Pages that load third-party code in a browser (the API docs, the admin) work under the
Content Security Policy (the conftest fails any test whose pages were refused something)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.logins import pass_second_factor_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_under_the_policy(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Imprimatur")
    expect(page.get_by_text("/api/v1/posts/").first).to_be_visible()


def test_the_admin_works_under_the_policy(live_server, page):
    UserFactory(username="olga", roles=[Role.OPERATOR], is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_second_factor_in_browser(page, "olga")
    page.goto(f"{live_server.url}/admin/approvals/post/")
    expect(page.get_by_role("heading", name="Select post to view")).to_be_visible()


def test_a_browser_in_shanghai_sees_shanghai_times(live_server, browser):
    UserFactory(username="lin", display_name="Lin")
    context = browser.new_context(timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/accounts/standing/")
    expect(page.locator("#time-zone")).to_contain_text("CST")
    expect(page.get_by_label("Show times in")).to_contain_text("My browser's (Asia/Shanghai)")
    context.close()
