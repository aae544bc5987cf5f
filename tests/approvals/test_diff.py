"""What changed between revisions: the diff itself (approvals.diff), then the post page that
shows it to the post's reviewer and its author."""

import itertools
import random
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import diff as diff_module
from approvals import services
from approvals.diff import DELETE, EQUAL, INSERT, Segment, diff, revision_changes, tokenise
from approvals.models import State
from tests.factories import PostFactory


def marked(segments):
    """A diff as text: [-removed-] and {+added+}."""
    out = {EQUAL: "{}", DELETE: "[-{}-]", INSERT: "{{+{}+}}"}
    return "".join(out[segment.kind].format(segment.text) for segment in segments)


def assert_rebuilds(old, new):
    segments = diff(old, new)
    assert "".join(s.text for s in segments if s.kind != INSERT) == old
    assert "".join(s.text for s in segments if s.kind != DELETE) == new
    assert all(s.text for s in segments)
    assert all(a.kind != b.kind for a, b in itertools.pairwise(segments))


# --- the diff ------------------------------------------------------------------------------


def test_english_text_is_split_into_words_spaces_and_punctuation():
    assert tokenise("Port reopened, the mayor's office said!") == [
        "Port",
        " ",
        "reopened",
        ",",
        " ",
        "the",
        " ",
        "mayor's",
        " ",
        "office",
        " ",
        "said",
        "!",
    ]


def test_chinese_text_is_split_into_single_characters():
    assert tokenise("港口重新开放，当局说。") == list("港口重新开放，当局说。")


def test_english_changes_are_marked_word_by_word():
    old = "The harbour reopened on Monday, the port authority said."
    new = "The harbour reopened on Tuesday, the city port authority said."
    assert marked(diff(old, new)) == (
        "The harbour reopened on [-Monday-]{+Tuesday+}, the {+city +}port authority said."
    )


def test_a_changed_english_word_is_replaced_whole_not_letter_by_letter():
    assert diff("a cat", "a car") == [
        Segment(EQUAL, "a "),
        Segment(DELETE, "cat"),
        Segment(INSERT, "car"),
    ]


def test_chinese_changes_are_marked_character_by_character():
    old = "港口周一重新开放，当局说。"
    new = "港口周二重新开放，市政当局说。"
    assert marked(diff(old, new)) == "港口周[-一-]{+二+}重新开放，{+市政+}当局说。"


def test_mixed_english_and_chinese_change_each_in_its_own_way():
    old = "Harbour 港口 reopened on 周一 after the storm."
    new = "Harbour 港口 reopened on 周二 after the big storm."
    assert marked(diff(old, new)) == (
        "Harbour 港口 reopened on 周[-一-]{+二+} after the {+big +}storm."
    )
    assert_rebuilds(old, new)


def test_unchanged_text_is_one_equal_segment():
    body = "Nothing changed.\n\n什么都没变。"
    assert diff(body, body) == [Segment(EQUAL, body)]
    assert diff("", "") == []


def test_text_added_to_an_empty_field_or_removed_from_it_is_one_segment():
    assert diff("", "New text.") == [Segment(INSERT, "New text.")]
    assert diff("Old text.", "") == [Segment(DELETE, "Old text.")]


def test_line_breaks_are_kept_and_a_removed_line_break_is_marked():
    segments = diff("First line\nsecond line", "First line second line")
    assert marked(segments) == "First line[-\n-]{+ +}second line"
    assert segments[1].is_line_break and segments[2].is_blank
    assert marked(diff("One.\n\nTwo.", "One.\n\nTwo!")) == "One.\n\nTwo[-.-]{+!+}"


def test_a_deletion_comes_before_the_insertion_that_replaces_it():
    kinds = [s.kind for s in diff("one two three four", "one 2 three 4")]
    assert kinds == [EQUAL, DELETE, INSERT, EQUAL, DELETE, INSERT]


@pytest.mark.parametrize("seed", range(5))
def test_old_and_new_text_rebuild_from_the_segments_of_long_bodies(seed):
    rng = random.Random(seed)
    words = ["harbour", "port", "the", "said", "港", "口", "开放", "。", ".", ",", "\n\n", " "]
    old = [rng.choice(words) for _ in range(3000)]
    new = list(old)
    for _ in range(40):
        at = rng.randrange(len(new))
        new[at : at + rng.randint(0, 5)] = [rng.choice(words) for _ in range(rng.randint(0, 5))]
    assert_rebuilds(" ".join(old), " ".join(new))


def test_a_passage_too_repetitive_for_the_budget_is_shown_replaced_whole(monkeypatch):
    assert marked(diff("x ab y", "z ab w")) == "[-x-]{+z+} ab [-y-]{+w+}"
    monkeypatch.setattr(diff_module, "_BUDGET", 0)
    assert marked(diff("x ab y", "z ab w")) == "[-x ab y-]{+z ab w+}"
    assert_rebuilds("哈" * 300 + "呵" + "哈" * 300, "哈" * 200 + "呵" + "哈" * 400)


def revision(number, title, body):
    return SimpleNamespace(number=number, title=title, body=body)


def test_revisions_compare_the_latest_with_the_one_before_unless_another_is_picked():
    revisions = [revision(1, "T", "one"), revision(2, "T", "two"), revision(3, "T2", "two")]
    latest = revision_changes(revisions)
    assert (latest.older.number, latest.newer.number) == (2, 3)
    assert latest.title_changed and not latest.body_changed
    picked = revision_changes(revisions, "2")
    assert (picked.older.number, picked.newer.number) == (1, 2)
    assert not picked.title_changed and picked.body_changed
    for nonsense in ("1", "4", "x", "", None, "-1"):
        assert revision_changes(revisions, nonsense).newer.number == 3
    assert revision_changes(revisions[:1]) is None


# --- the post page -------------------------------------------------------------------------


def revise(post, *, reviewer, title, body):
    """The reviewer asks for changes, the author edits and resubmits: a new revision."""
    if post.state == State.SUBMITTED:
        post = services.post_claim(post=post, by=reviewer)
    if post.state == State.UNDER_REVIEW:
        post = services.post_request_changes(post=post, by=reviewer, note="Name your source.")
    post = services.post_update(
        post=post, by=post.author, title=title, body=body, category=post.category
    )
    return services.post_resubmit(post=post, by=post.author)


def shown(page, tag):
    """The visible text of each <ins> or <del> in the diffs on the page (the legend and
    screen-reader text left out)."""
    diffs = "".join(re.findall(r'<div class="diff [^"]*">(.*?)</div>', page, flags=re.S))
    diffs = re.sub(r'<span class="(visually-hidden|diff-mark)"[^>]*>.*?</span>', "", diffs)
    return re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", diffs, flags=re.S)


def changes_section(page):
    return page[page.index('id="changes"') :]


@pytest.fixture
def revised_post(author, reviewer):
    post = PostFactory(
        author=author,
        title="Harbour reopens",
        body="The harbour reopened on Monday.\n\nShips are waiting.",
        state=State.SUBMITTED,
    )
    return revise(
        post,
        reviewer=reviewer,
        title="Harbour reopens early",
        body="The harbour reopened on Sunday, the port said.\n\nShips are waiting.",
    )


@pytest.mark.django_db
def test_reviewer_sees_what_the_resubmission_changed_in_title_and_body(
    client, reviewer, revised_post
):
    client.force_login(reviewer)
    page = changes_section(client.get(revised_post.get_absolute_url()).content.decode())

    assert "Revision 2 compared with revision 1" in page
    assert shown(page, "ins") == [" early", "Sunday, the port said"]
    assert shown(page, "del") == ["Monday"]
    assert "added: </span>Sunday" in page and "removed: </span>Monday" in page
    assert "Ships are waiting." in page  # unchanged text around the changes


@pytest.mark.django_db
def test_author_sees_what_their_resubmission_changed(client, author, revised_post):
    client.force_login(author)
    page = changes_section(client.get(revised_post.get_absolute_url()).content.decode())
    assert shown(page, "del") == ["Monday"]


@pytest.mark.django_db
def test_page_says_when_the_title_or_the_body_did_not_change(client, author, reviewer):
    post = PostFactory(author=author, title="Same title", body="Old body.", state=State.SUBMITTED)
    post = revise(post, reviewer=reviewer, title="Same title", body="New body.")
    client.force_login(reviewer)
    page = changes_section(client.get(post.get_absolute_url()).content.decode())
    assert "The title did not change." in page and "The body did not change." not in page

    post = revise(post, reviewer=reviewer, title="New title", body="New body.")
    page = changes_section(client.get(post.get_absolute_url()).content.decode())
    assert "The body did not change." in page and "The title did not change." not in page


@pytest.mark.django_db
def test_an_earlier_pair_of_revisions_is_picked_by_a_link(client, author, reviewer):
    post = PostFactory(author=author, title="T", body="one", state=State.SUBMITTED)
    post = revise(post, reviewer=reviewer, title="T", body="two")
    post = revise(post, reviewer=reviewer, title="T", body="three")
    client.force_login(reviewer)

    page = changes_section(client.get(post.get_absolute_url()).content.decode())
    assert (shown(page, "del"), shown(page, "ins")) == (["two"], ["three"])
    assert '<a href="?compare=2#changes">Revision 2</a>' in page
    assert '<strong aria-current="true">Revision 3</strong>' in page

    page = changes_section(client.get(post.get_absolute_url(), {"compare": "2"}).content.decode())
    assert "Revision 2 compared with revision 1" in page
    assert (shown(page, "del"), shown(page, "ins")) == (["one"], ["two"])
    assert '<a href="?compare=3#changes">Revision 3</a>' in page


@pytest.mark.django_db
def test_markup_in_a_revision_is_shown_as_text(client, author, reviewer):
    post = PostFactory(author=author, title="Plain", body="Plain.", state=State.SUBMITTED)
    post = revise(
        post,
        reviewer=reviewer,
        title="<b>Bold</b>",
        body="Plain. <script>alert('x')</script><img src=x onerror=alert(1)>",
    )
    client.force_login(reviewer)
    page = changes_section(client.get(post.get_absolute_url()).content.decode())
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Bold" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


@pytest.mark.django_db
def test_a_post_with_one_revision_shows_no_changes(client, author, reviewer):
    post = PostFactory(author=author, state=State.SUBMITTED)
    client.force_login(reviewer)
    assert 'id="changes"' not in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_diff_reads_the_revisions_once(client, author, reviewer, revised_post):
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        client.get(revised_post.get_absolute_url())
    reads = [q["sql"] for q in queries if 'FROM "approvals_revision"' in q["sql"]]
    assert len(reads) == 1
