"""The author's side of review (issue 11, parts 6 and 12): note templates for reviewers, the
author's note to the reviewer, the "what happens next" panel, and appeals of takedowns."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Strike
from approvals import services
from approvals.exceptions import Conflict, TransitionRefused
from approvals.forms import RejectForm, RequestChangesForm, RevokeForm
from approvals.models import (
    AUTHOR_NOTE_MAX_LENGTH,
    AuditEntry,
    Event,
    NoteTemplate,
    Post,
    ReasonCode,
    Revision,
    State,
)
from approvals.platform import services as platform_services
from tests.conftest import SENIOR
from tests.factories import PostFactory, UserFactory, link_account

pytestmark = pytest.mark.django_db


def action_url(post, action):
    return reverse("approvals:post_action", args=[post.pk, action])


@pytest.fixture
def chirp(author, other_author):
    platform = platform_services.platform_create(name="Chirp")
    for user in (author, other_author):
        link_account(platform=platform, user=user)
    return platform


def _events(post):
    return [
        (e.sequence, e.type, json.loads(e.body)["data"]["state"])
        for e in Event.objects.filter(post=post).order_by("sequence", "id")
    ]


def _revoked(author, reviewer, senior):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    return services.post_revoke(post=post, by=senior, reason_code="rumour", note="False claim.")


# --- note templates --------------------------------------------------------------------------


@pytest.fixture
def rumour_template():
    return NoteTemplate.objects.create(
        reason_code=ReasonCode.objects.get(code="rumour"),
        title="Single source",
        title_zh_hans="单一来源",
        body="Only one unnamed source.",
        body_zh_hans="只有一个匿名来源。",
    )


def test_the_migration_seeds_note_templates_in_english_and_chinese():
    seeded = NoteTemplate.objects.filter(active=True)
    assert seeded.count() >= 4
    assert all(t.body_zh_hans and t.title_zh_hans for t in seeded)
    assert seeded.filter(reason_code__isnull=True).exists()


def test_a_template_reads_in_the_readers_language(rumour_template):
    with translation.override("zh-hans"):
        assert rumour_template.local_title == "单一来源"
        assert rumour_template.local_body == "只有一个匿名来源。"
    with translation.override("en"):
        assert rumour_template.local_body == "Only one unnamed source."


def test_the_template_select_carries_each_templates_text_and_reason(rumour_template):
    html = str(RejectForm(prefix="reject")["template"])
    assert "data-note-template" in html
    assert (
        f'value="{rumour_template.pk}" data-body="Only one unnamed source." data-reason="rumour"'
        in html
    )


def test_retired_templates_are_not_offered(rumour_template):
    rumour_template.active = False
    rumour_template.save()
    assert f'value="{rumour_template.pk}"' not in str(RequestChangesForm()["template"])


def test_without_javascript_a_picked_template_comes_back_in_the_note_to_edit(
    client, author, reviewer, rumour_template
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    response = client.post(
        action_url(post, "reject"),
        {"reject-reason_code": "rumour", "reject-template": rumour_template.pk, "reject-note": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The template is now in the note" in page
    assert "Only one unnamed source.</textarea>" in page
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW  # nothing sent yet


def test_the_edited_note_is_sent_and_the_template_never_reaches_the_service(
    client, author, reviewer, rumour_template
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    client.post(
        action_url(post, "reject"),
        {
            "reject-reason_code": "rumour",
            "reject-template": rumour_template.pk,
            "reject-note": "Only one unnamed source: the harbour master.",
        },
    )
    post.refresh_from_db()
    assert post.state == State.REJECTED
    assert post.decision_note == "Only one unnamed source: the harbour master."


def test_a_tampered_template_value_is_a_form_message_not_an_error(client, author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    for value in ("abc", "999999", "1 OR 1=1"):
        response = client.post(
            action_url(post, "request_changes"),
            {"request_changes-template": value, "request_changes-note": ""},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.UNDER_REVIEW


def test_request_changes_and_revoke_forms_offer_templates_too(rumour_template):
    form = RequestChangesForm({"template": rumour_template.pk, "note": ""})
    assert not form.is_valid() and form.data["note"] == "Only one unnamed source."
    form = RevokeForm({"reason_code": "rumour", "template": "", "note": "Gone."})
    assert form.is_valid() and "template" not in form.cleaned_data


def test_the_post_page_loads_the_template_script_without_inline_javascript(
    client, author, reviewer
):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "js/note_templates" in page and "data-note-template" in page
    assert "onchange=" not in page


# --- the author's note to the reviewer -------------------------------------------------------


def test_the_authors_note_is_kept_with_the_revision_and_in_the_audit_trail(author):
    post = PostFactory(author=author)
    post = services.post_submit(post=post, by=author, note="  The mayor confirmed by phone.  ")
    assert post.current_revision.author_note == "The mayor confirmed by phone."
    entry = AuditEntry.objects.get(post=post, action="post.submit")
    assert entry.note == "The mayor confirmed by phone." and entry.revision == post.current_revision


def test_a_resubmission_carries_its_own_note_and_the_first_is_kept(author, reviewer):
    post = PostFactory(author=author)
    post = services.post_submit(post=post, by=author, note="First note.")
    services.post_claim(post=post, by=reviewer)
    services.post_request_changes(post=post, by=reviewer, note="Name the source.")
    post = services.post_update(
        post=post, by=author, title=post.title, body=post.body + " Source: port.", category="news"
    )
    post = services.post_resubmit(post=post, by=author, note="Source named.")
    notes = list(post.revisions.order_by("number").values_list("author_note", flat=True))
    assert notes == ["First note.", "Source named."]


def test_a_note_over_the_limit_is_refused_and_nothing_changes(author):
    post = PostFactory(author=author)
    with pytest.raises(ValidationError) as refused:
        services.post_submit(post=post, by=author, note="x" * (AUTHOR_NOTE_MAX_LENGTH + 1))
    assert "note" in refused.value.message_dict
    post.refresh_from_db()
    assert post.state == State.DRAFT and not post.revisions.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers need PostgreSQL")
def test_the_authors_note_can_never_be_rewritten(author):
    post = services.post_submit(post=PostFactory(author=author), by=author, note="As sent.")
    with pytest.raises(Exception, match="pgtrigger"), transaction.atomic():
        Revision.objects.filter(pk=post.current_revision_id).update(author_note="Rewritten.")
    assert Revision.objects.get(pk=post.current_revision_id).author_note == "As sent."


def test_the_reviewer_sees_the_authors_note_on_the_post_page(client, author, reviewer):
    client.force_login(author)
    post = PostFactory(author=author)
    client.post(action_url(post, "submit"), {"submit-note": "Photos from the harbour office."})
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Note from the author (revision 1):" in page
    assert "Photos from the harbour office." in page


def test_a_platform_can_send_the_authors_note_with_a_submission(chirp, author):
    post = services.post_submit_for_platform(
        platform=chirp,
        author=author.username,
        title="Harbour",
        body="The harbour reopened.",
        category="news",
        note="From our Kowloon desk.",
    )
    assert post.current_revision.author_note == "From our Kowloon desk."


def test_the_api_takes_the_note_and_names_the_field_when_it_is_too_long(chirp, author):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform_services.api_key_create(platform=chirp).key}"
    )
    payload = {"author": author.username, "title": "Harbour", "body": "Open.", "category": "news"}
    response = api.post(
        "/api/v1/posts/", {**payload, "note": "x" * (AUTHOR_NOTE_MAX_LENGTH + 1)}, format="json"
    )
    assert response.status_code == 400 and "note" in response.json()
    assert not Post.objects.exists()
    response = api.post("/api/v1/posts/", {**payload, "note": "Wire copy."}, format="json")
    assert response.status_code == 201
    assert Post.objects.get().current_revision.author_note == "Wire copy."


# --- what happens next -----------------------------------------------------------------------


def _panel(client, user, post):
    client.force_login(user)
    page = client.get(post.get_absolute_url()).content.decode()
    start = page.find('id="next-steps"')
    return page[start : page.find("</section>", start)] if start >= 0 else ""


def test_a_submitted_post_tells_its_author_when_to_expect_a_decision(client, author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    panel = _panel(client, author, post)
    assert "Expect a decision by" in panel


def test_only_the_author_sees_the_panel(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    assert _panel(client, reviewer, post) == ""


def test_a_rejected_post_tells_the_window_once_only_and_the_strike(client, author, reviewer):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    panel = _panel(client, author, post)
    assert "You may appeal this rejection until" in panel
    assert "once only" in panel
    assert "is a strike" in panel and "a warning" in panel


def test_a_rejection_for_no_violation_says_it_is_no_strike(client, author, reviewer):
    post = PostFactory(author=author, state=State.UNDER_REVIEW, reviewer=reviewer)
    services.post_reject(post=post, by=reviewer, reason_code="other", note="Off topic.")
    assert "no strike" in _panel(client, author, post)


def test_after_the_window_the_panel_says_the_rejection_is_final(client, author, reviewer, settings):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    with time_machine.travel(post.decided_at + settings.APPEAL_WINDOW + timedelta(hours=1)):
        assert "The appeal window closed" in _panel(client, author, post)


def test_changes_requested_shows_what_to_fix(client, author, reviewer):
    post = PostFactory(author=author, state=State.CHANGES_REQUESTED, reviewer=reviewer)
    panel = _panel(client, author, post)
    assert "What to fix" in panel and "Name your source." in panel and "resubmit" in panel


def test_a_revoked_post_names_the_role_and_the_reason_not_the_senior(
    client, author, reviewer, senior
):
    post = _revoked(author, reviewer, senior)
    panel = _panel(client, author, post)
    assert "by a senior reviewer" in panel and "False claim." in panel
    assert senior.display_name not in panel
    assert "You may appeal the takedown until" in panel


def test_an_approved_post_is_live(client, author, reviewer):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    assert "may be published" in _panel(client, author, post)


def test_the_panel_reads_in_chinese(client, author, reviewer):
    post = PostFactory(author=author, state=State.REJECTED, reviewer=reviewer)
    author.language = "zh-hans"
    author.save(update_fields=["language"])
    with translation.override("en"):  # the page switches this thread's language; put it back
        panel = _panel(client, author, post)
    assert "接下来" in panel and "申诉" in panel


# --- appealing a takedown --------------------------------------------------------------------


def test_a_takedown_can_be_appealed_and_overturned_and_the_platform_hears_in_order(
    chirp, author, reviewer, senior, second_senior, django_capture_on_commit_callbacks
):
    post = _revoked(author, reviewer, senior)
    assert post.revoked_by == senior and post.revoked_at is not None

    post = services.post_appeal(post=post, by=author, statement="It was true.")
    assert post.state == State.APPEALED and post.appealed_from == State.REVOKED
    post = services.post_overturn(post=post, by=second_senior, note="Confirmed by the port.")

    assert post.state == State.APPROVED
    assert _events(post) == [
        (1, "post.approved", "approved"),
        (2, "post.revoked", "revoked"),
        (3, "post.approved", "approved"),
    ]
    assert not Strike.objects.filter(post=post).exists()


def test_an_upheld_takedown_stays_down_without_a_strike(
    chirp, author, reviewer, senior, second_senior
):
    post = _revoked(author, reviewer, senior)
    post = services.post_appeal(post=post, by=author, statement="It was true.")
    post = services.post_uphold(post=post, by=second_senior, note="It was not.")

    assert post.state == State.REVOKED
    assert [t for _, t, _ in _events(post)] == ["post.approved", "post.revoked", "post.revoked"]
    assert not Strike.objects.filter(post=post).exists()
    entry = AuditEntry.objects.filter(post=post).last()
    assert entry.action == "post.uphold" and entry.description == "upheld on appeal: taken down"


def test_an_upheld_rejection_still_goes_back_to_rejected_with_a_strike(author, reviewer, senior):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    assert post.appealed_from == State.REJECTED
    post = services.post_uphold(post=post, by=senior, note="Stands.")
    assert post.state == State.REJECTED and Strike.objects.filter(post=post).exists()


def test_a_takedown_can_be_appealed_only_once(author, reviewer, senior, second_senior):
    post = _revoked(author, reviewer, senior)
    services.post_appeal(post=post, by=author, statement="True.")
    services.post_uphold(post=post, by=second_senior, note="No.")
    with pytest.raises(TransitionRefused) as refused:
        services.post_appeal(post=post, by=author, statement="Again.")
    assert "only once" in " ".join(refused.value.reasons)


def test_a_takedown_cannot_be_appealed_after_the_window(author, reviewer, senior, settings):
    post = _revoked(author, reviewer, senior)
    late = post.revoked_at + settings.APPEAL_WINDOW + timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(TransitionRefused):
        services.post_appeal(post=post, by=author, statement="Late.")


def test_the_window_of_a_takedown_runs_from_the_takedown_not_the_approval(
    author, reviewer, senior, settings
):
    post = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    later = post.decided_at + settings.APPEAL_WINDOW + timedelta(days=1)
    with time_machine.travel(later):
        post = services.post_revoke(post=post, by=senior, reason_code="rumour")
        post = services.post_appeal(post=post, by=author, statement="In time.")
    assert post.state == State.APPEALED


def test_neither_the_senior_who_took_it_down_nor_the_approver_decides_the_appeal(
    author, desk, senior, second_senior
):
    senior_reviewer = UserFactory(username="stan", roles=SENIOR, reviewer_on=[desk])
    post = PostFactory(author=author, state=State.APPROVED, reviewer=senior_reviewer)
    post = services.post_revoke(post=post, by=senior, reason_code="rumour")
    post = services.post_appeal(post=post, by=author, statement="True.")
    for judge in (senior, senior_reviewer, author):
        with pytest.raises(PermissionDenied):
            services.post_overturn(post=post, by=judge, note="Mine.")
    assert services.post_overturn(post=post, by=second_senior, note="Ok.").state == State.APPROVED


def test_the_appeals_queue_leaves_out_a_seniors_own_takedown(
    author, reviewer, senior, second_senior
):
    from approvals.selectors import appeal_queue

    post = _revoked(author, reviewer, senior)
    services.post_appeal(post=post, by=author, statement="True.")
    assert post not in appeal_queue(user=senior)
    assert post in appeal_queue(user=second_senior)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="constraints checked on PostgreSQL")
def test_the_database_refuses_an_appeal_that_does_not_say_what_it_contests(author, reviewer):
    post = PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(appealed_from="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state="revoked", revoked_at=None)


# --- takedowns of copies ---------------------------------------------------------------------


def _repost(original, by):
    copy = services.post_create(
        author=by,
        title=original.title,
        body=original.body,
        category=original.category,
        repost_of=original,
    )
    return services.post_submit(post=copy, by=by)


def test_overturning_an_original_does_not_bring_its_copies_back_by_itself(
    chirp, author, other_author, reviewer, senior, second_senior
):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    copy = _repost(original, other_author)
    services.post_revoke(post=original, by=senior, reason_code="rumour")
    copy.refresh_from_db()
    assert copy.state == State.REVOKED and copy.revoked_by == senior

    services.post_appeal(post=original, by=author, statement="True.")
    services.post_overturn(post=original, by=second_senior, note="True.")
    copy.refresh_from_db()
    assert copy.state == State.REVOKED  # its author appeals it, or it stays down


def test_a_copy_cannot_be_reinstated_while_its_original_is_down(
    chirp, author, other_author, reviewer, senior, second_senior
):
    original = PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    copy = _repost(original, other_author)
    services.post_revoke(post=original, by=senior, reason_code="rumour")
    copy = services.post_appeal(
        post=Post.objects.get(pk=copy.pk), by=other_author, statement="Mine is fine."
    )

    with pytest.raises(TransitionRefused):  # the original is still down
        services.post_overturn(post=copy, by=second_senior, note="Fine.")
    services.post_appeal(post=original, by=author, statement="True.")
    with pytest.raises(TransitionRefused):  # ... or under appeal
        services.post_overturn(post=copy, by=second_senior, note="Fine.")

    services.post_overturn(post=original, by=second_senior, note="True.")
    copy = services.post_overturn(post=copy, by=second_senior, note="Fine.")
    assert copy.state == State.APPROVED
    assert [t for _, t, _ in _events(copy)] == ["post.cleared", "post.revoked", "post.approved"]


def test_no_new_copy_of_a_post_under_appeal_can_be_made(author, other_author, reviewer, senior):
    original = _revoked(author, reviewer, senior)
    services.post_appeal(post=original, by=author, statement="True.")
    copy = services.post_create(
        author=other_author, title="Copy", body="Copy.", category="news", repost_of=original
    )
    with pytest.raises(TransitionRefused):
        services.post_submit(post=copy, by=other_author)


def test_an_appealed_takedown_cannot_be_revoked_again_while_it_waits(
    author, reviewer, senior, second_senior
):
    post = _revoked(author, reviewer, senior)
    services.post_appeal(post=post, by=author, statement="True.")
    with pytest.raises(Conflict):
        services.post_revoke(post=post, by=second_senior, reason_code="rumour")


# --- through the pages -----------------------------------------------------------------------


def test_the_author_appeals_a_takedown_from_the_post_page(client, author, reviewer, senior):
    post = _revoked(author, reviewer, senior)
    client.force_login(author)
    response = client.post(
        action_url(post, "appeal"), {"appeal-statement": "Here is the source."}, follow=True
    )
    assert "Appeal sent." in response.content.decode()
    assert Post.objects.get(pk=post.pk).state == State.APPEALED


def test_the_senior_sees_an_appealed_takedown_as_a_takedown(
    client, author, reviewer, senior, second_senior
):
    post = _revoked(author, reviewer, senior)
    services.post_appeal(post=post, by=author, statement="Here is the source.")
    client.force_login(second_senior)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Overturn the takedown" in page and "Uphold the takedown" in page
    assert "Taken down by a senior reviewer" in page
