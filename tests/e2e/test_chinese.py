"""The main path in Chinese, as the first users work: a browser that asks for zh-CN, an
author who writes in Chinese, a reviewer who asks for changes and then approves. Screenshots
of each step land in test-results/screenshots/zh-*.png (the README shows one)."""

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Notification, User
from tests.factories import PASSWORD, UserFactory, one_time_code
from tests.mailbox import send_waiting_mail

pytestmark = pytest.mark.django_db(transaction=True)

CHINESE_BROWSER = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 800}}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if "/two-factor/" in page.url:
        code = one_time_code(User.objects.get(username=username))
        page.goto(page.url.replace("/two-factor/setup/", "/two-factor/"))  # a code will do
        page.get_by_label("验证码").fill(code)
        page.get_by_role("button", name="继续").click()
    expect(page.get_by_text("已登录")).to_be_visible()


def nav(page: Page, name: str):
    return page.get_by_role("navigation").get_by_role("link", name=name)


def badge(page: Page):
    return page.locator(".page-head .badge")


def back_on(page: Page, url: str) -> None:
    """After a decision the reviewer goes on to the next post (here, with nothing else
    waiting: the queue); come back to look at the one decided."""
    page.wait_for_url("**/review/")
    page.goto(url)


def test_author_and_reviewer_work_through_a_post_in_chinese(live_server, browser, desk, screenshot):
    UserFactory(username="wang", display_name="王伟")
    UserFactory(username="li", display_name="李娜", reviewer_on=[desk])
    base = live_server.url
    author = browser.new_context(**CHINESE_BROWSER).new_page()
    reviewer = browser.new_context(**CHINESE_BROWSER).new_page()

    # 王伟 writes a news post in Chinese and submits it.
    log_in(author, base, "wang")
    nav(author, "新建稿件").click()
    author.get_by_label("标题").fill("地铁三号线延长段今日开通")
    author.get_by_label("正文").fill("市交通局今天上午宣布，地铁三号线延长段正式开通运营。")
    author.get_by_label("类别").select_option("news")
    screenshot(author, "zh-new-post")
    author.get_by_role("button", name="保存草稿").click()
    expect(author.get_by_text("草稿已保存")).to_be_visible()
    author.get_by_role("button", name="提交审核").click()
    expect(badge(author)).to_have_text("已提交")
    post_url = author.url

    # 李娜 finds it in the queue, claims it and asks for changes.
    log_in(reviewer, base, "li")
    nav(reviewer, "审核队列").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("审核队列")
    screenshot(reviewer, "zh-queue")
    reviewer.get_by_role("link", name="地铁三号线延长段今日开通").click()
    reviewer.get_by_role("button", name="认领").click()
    expect(badge(reviewer)).to_have_text("审核中")
    reviewer.locator("[data-form=request_changes]").get_by_label("备注").fill(
        "请注明新增了哪几座车站。"
    )
    reviewer.locator("[data-form=request_changes] button").click()
    back_on(reviewer, post_url)
    expect(badge(reviewer)).to_have_text("待修改")

    # 王伟 reads the note in Chinese, edits and resubmits.
    author.goto(post_url)
    expect(author.get_by_text("请注明新增了哪几座车站。").first).to_be_visible()
    screenshot(author, "zh-changes-requested")
    author.get_by_role("link", name="编辑").click()
    author.get_by_label("正文").fill(
        "市交通局今天上午宣布，地铁三号线延长段正式开通运营，新增六座车站。"
    )
    author.get_by_role("button", name="保存草稿").click()
    author.get_by_role("button", name="重新提交").click()
    expect(badge(author)).to_have_text("已提交")

    # 李娜 claims it again and approves revision 2.
    reviewer.goto(post_url)
    reviewer.get_by_role("button", name="认领").click()
    expect(reviewer.locator(".meta")).to_contain_text("修订版 2")
    reviewer.locator("[data-form=approve] button").click()
    back_on(reviewer, post_url)
    expect(badge(reviewer)).to_have_text("已批准")
    screenshot(reviewer, "zh-approved")

    # 王伟 sees it approved in their list, and the emails speak Chinese too.
    nav(author, "我的稿件").click()
    expect(author.get_by_role("row", name="地铁三号线延长段今日开通")).to_contain_text("已批准")
    screenshot(author, "zh-my-posts")
    assert not Notification.objects.filter(user__username="wang").exclude(language="zh-hans")
    send_waiting_mail()
    assert any("已批准" in message.subject for message in mail.outbox)


def test_the_language_switch_changes_the_page_and_is_remembered(live_server, browser):
    UserFactory(username="alice", display_name="Alice Author")
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()

    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav(page, "我的稿件")).to_be_visible()

    # Another browser, asking for English: the profile's choice wins once signed in.
    other = browser.new_context(locale="en-GB").new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("Username").fill("alice")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(nav(other, "我的稿件")).to_be_visible()
    other.get_by_role("button", name="English").click()
    expect(nav(other, "My posts")).to_be_visible()
