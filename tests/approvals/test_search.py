"""Search: Chinese and English, ranking, filters, who finds what, the SQLite fallback, and the
page (bad filters are form errors; the query count does not grow with the results)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from approvals import search, services
from approvals.models import Category, Post, State
from approvals.permissions import may_view
from approvals.search import SearchFilters, post_search
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBWAY = "地铁三号线延长段今日开通"


def found(user, query, **filters) -> list[str]:
    """Titles of what `user` finds, in rank order."""
    return [p.title for p in post_search(user=user, query=query, filters=SearchFilters(**filters))]


def page(client, **params):
    return client.get(reverse("approvals:search"), params)


def moved_to(post: Post, desk) -> Post:
    Post.objects.filter(pk=post.pk).update(desk=desk)
    post.refresh_from_db()
    return post


@pytest.fixture(params=["database", "fallback"])
def each_path(request, monkeypatch):
    """Run a test on the database's own path and again on the plain `icontains` fallback
    (what SQLite always uses); on SQLite both are the fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "uses_postgresql", lambda: False)
    return request.param


# --- finding --------------------------------------------------------------------------------


def test_finds_a_chinese_word_inside_running_text(each_path, author, reviewer):
    PostFactory(author=author, title=SUBWAY, body="市政府今日发布通知。", state=State.SUBMITTED)
    PostFactory(author=author, title="台风预警", body="明天上午有暴雨。", state=State.SUBMITTED)

    assert found(reviewer, "地铁") == [SUBWAY]
    assert found(reviewer, "延长段") == [SUBWAY]
    assert found(reviewer, "铁") == [SUBWAY]  # one character
    assert found(reviewer, "通知") == [SUBWAY]  # in the body
    assert found(reviewer, "地铁　通知") == [SUBWAY]  # two words, an ideographic space between
    assert found(reviewer, "地铁 暴雨") == []  # every word must be in the same post


def test_finds_english_words_ignoring_case_and_order(each_path, author, reviewer):
    PostFactory(
        author=author,
        title="Harbour Reopened",
        body="The port authority said ships may dock again.",
        state=State.SUBMITTED,
    )
    assert found(reviewer, "PORT harbour") == ["Harbour Reopened"]
    assert found(reviewer, "reopen") == ["Harbour Reopened"]  # part of a word
    assert found(reviewer, "harbour airport") == []


def test_wildcards_in_a_query_are_plain_characters(each_path, author, reviewer):
    PostFactory(author=author, title="Turnout 100% in Ward 7", state=State.SUBMITTED)
    PostFactory(author=author, title="Turnout 1000 in Ward 8", state=State.SUBMITTED)
    assert found(reviewer, "100%") == ["Turnout 100% in Ward 7"]
    assert found(reviewer, "_") == []


def test_an_empty_query_finds_nothing(author, reviewer):
    PostFactory(author=author, state=State.SUBMITTED)
    assert found(reviewer, "") == [] and found(reviewer, " \u3000 ") == []


def test_title_match_ranks_above_body_match(each_path, author, reviewer):
    PostFactory(
        author=author, title="Council news", body="The harbour is closed.", state="submitted"
    )
    PostFactory(author=author, title="Harbour closed", body="Storm warning.", state="submitted")
    PostFactory(author=author, title="地铁新闻", body="今日台风，地铁停运。", state="submitted")
    PostFactory(author=author, title="台风来袭", body="地铁停运。", state="submitted")

    assert found(reviewer, "harbour") == ["Harbour closed", "Council news"]
    assert found(reviewer, "台风") == ["台风来袭", "地铁新闻"]


def test_more_words_in_the_title_rank_higher(each_path, author, reviewer):
    PostFactory(author=author, title="Harbour strike", body="The union met.", state="submitted")
    PostFactory(author=author, title="Harbour union strike", body="…", state="submitted")
    assert found(reviewer, "harbour union")[0] == "Harbour union strike"


@pytest.mark.postgres
def test_a_decision_note_that_mentions_the_word_ranks_a_body_match_higher(author, reviewer):
    noted = PostFactory(
        author=author,
        title="Port B",
        body="Harbours closed.",
        state=State.UNDER_REVIEW,
        reviewer=reviewer,
    )
    services.post_reject(
        post=noted, by=reviewer, reason_code="rumour", note="Harbour closure unconfirmed."
    )
    PostFactory(author=author, title="Port A", body="The harbour is calm.", state="submitted")
    assert found(reviewer, "harbour") == ["Port B", "Port A"]  # not newest first


def test_finds_posts_by_their_decision_note(each_path, author, reviewer):
    PostFactory(author=author, title="Rejected one", state=State.REJECTED, reviewer=reviewer)
    PostFactory(author=author, title="Fine one", state=State.SUBMITTED)
    assert found(reviewer, "unsourced") == ["Rejected one"]  # the note is "Unsourced."
    assert found(author, "unsourced") == ["Rejected one"]  # the author reads it too


def test_finds_posts_by_a_note_in_their_history(each_path, author, reviewer, second_senior):
    post = PostFactory(author=author, title="Appealed", state=State.APPEALED, reviewer=reviewer)
    services.post_overturn(post=post, by=second_senior, note="Source checked.")
    assert Post.objects.get(pk=post.pk).decision_note == "Source checked."

    assert found(reviewer, "unsourced") == ["Appealed"]  # the first decision's note


# --- filters --------------------------------------------------------------------------------


def test_filters_by_desk(each_path, author, senior, other_desk, desk):
    PostFactory(author=author, title="Harbour general", state=State.SUBMITTED)
    moved_to(PostFactory(author=author, title="Harbour sport"), other_desk)
    Post.objects.filter(title="Harbour sport").update(submitted_at=timezone.now())

    assert found(senior, "harbour", desk=desk) == ["Harbour general"]
    assert found(senior, "harbour", desk=other_desk) == ["Harbour sport"]


def test_filters_by_state_and_category(each_path, author, reviewer):
    PostFactory(author=author, title="Harbour waiting", state=State.SUBMITTED)
    PostFactory(author=author, title="Harbour approved", state=State.APPROVED, reviewer=reviewer)
    PostFactory(
        author=author,
        title="Harbour affairs",
        category=Category.CURRENT_AFFAIRS,
        state=State.SUBMITTED,
    )
    assert found(reviewer, "harbour", state=State.APPROVED) == ["Harbour approved"]
    assert found(reviewer, "harbour", category=Category.CURRENT_AFFAIRS) == ["Harbour affairs"]
    assert sorted(found(reviewer, "harbour", state=State.SUBMITTED)) == [
        "Harbour affairs",
        "Harbour waiting",
    ]


def test_filters_by_author_username_or_part_of_a_name(each_path, author, other_author, reviewer):
    PostFactory(author=author, title="Harbour by Alice", state=State.SUBMITTED)
    PostFactory(author=other_author, title="Harbour by Oscar", state=State.SUBMITTED)
    assert found(reviewer, "harbour", author="ALICE") == ["Harbour by Alice"]
    assert found(reviewer, "harbour", author="oscar oth") == ["Harbour by Oscar"]
    assert found(reviewer, "harbour", author="nobody") == []


def test_filters_by_date_range_of_submission(each_path, author, reviewer):
    old = PostFactory(author=author, title="Harbour old", state=State.SUBMITTED)
    PostFactory(author=author, title="Harbour new", state=State.SUBMITTED)
    Post.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()

    assert found(reviewer, "harbour", date_from=today) == ["Harbour new"]
    assert found(reviewer, "harbour", date_to=today - timedelta(days=5)) == ["Harbour old"]
    assert found(
        reviewer,
        "harbour",
        date_from=today - timedelta(days=10),
        date_to=today - timedelta(days=10),
    ) == ["Harbour old"]


# --- who finds what -------------------------------------------------------------------------


def test_reviewer_of_another_desk_finds_nothing_of_this_desk(
    each_path, author, reviewer, outside_reviewer
):
    PostFactory(author=author, title=SUBWAY, state=State.REJECTED, reviewer=reviewer)
    for query in ("地铁", "harbour", "unsourced"):  # title, body (factory text) and note
        assert found(reviewer, query) == [SUBWAY]
        assert found(outside_reviewer, query) == []


def test_authors_find_only_their_own_posts_drafts_included(each_path, author, other_author):
    PostFactory(author=author, title="Harbour draft of Alice")
    PostFactory(author=other_author, title="Harbour draft of Oscar")
    PostFactory(author=other_author, title="Harbour sent by Oscar", state=State.SUBMITTED)
    assert found(author, "harbour") == ["Harbour draft of Alice"]


def test_reviewers_and_seniors_never_find_drafts(each_path, author, reviewer, senior):
    PostFactory(author=author, title="Harbour draft")
    assert found(reviewer, "harbour") == [] and found(senior, "harbour") == []


def test_seniors_and_operators_find_submitted_posts_on_every_desk(
    each_path, author, other_desk, senior
):
    operator = UserFactory(username="opal", roles=[Role.OPERATOR])
    post = moved_to(PostFactory(author=author, title="Harbour sport"), other_desk)
    services.post_submit(post=post, by=author)
    assert found(senior, "harbour") == ["Harbour sport"]
    assert found(operator, "harbour") == ["Harbour sport"]


def test_anonymous_and_inactive_users_find_nothing(author):
    PostFactory(author=author, title="Harbour", state=State.SUBMITTED)
    assert found(AnonymousUser(), "harbour") == []
    author.is_active = False
    assert found(author, "harbour") == []


def test_search_finds_exactly_the_posts_each_user_may_open(
    each_path, author, other_author, reviewer, outside_reviewer, senior, other_desk
):
    """The SQL scope agrees with may_view (the post page's rule) for every user and post."""
    operator = UserFactory(username="opal", roles=[Role.OPERATOR])
    posts = [
        PostFactory(author=author, title=f"Harbour {state}", state=state, reviewer=reviewer)
        for state in (State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW, State.REJECTED)
    ]
    sport = moved_to(PostFactory(author=other_author, title="Harbour sport"), other_desk)
    posts.append(services.post_submit(post=sport, by=other_author))
    posts.append(PostFactory(author=other_author, title="Harbour Oscar draft"))
    users = [author, other_author, reviewer, outside_reviewer, senior, operator]
    for user in users:
        user = type(user).objects.get(pk=user.pk)  # no cached permissions
        expected = sorted(p.title for p in posts if may_view(p, user))
        assert sorted(found(user, "harbour")) == expected, user.username


def test_a_word_only_in_a_hidden_posts_note_reveals_nothing(author, reviewer, outside_reviewer):
    PostFactory(author=author, title="Quiet title", state=State.REJECTED, reviewer=reviewer)
    assert found(outside_reviewer, "unsourced") == []


# --- the page -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = page(client, q="harbour")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_page_without_a_query_invites_a_search(client, author):
    client.force_login(author)
    response = page(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search posts" in html and "Type a word or phrase" in html and "error" not in html


def test_page_marks_matches_and_escapes_the_text(client, author, reviewer):
    PostFactory(
        author=author,
        title="<script>alert(1)</script> 地铁三号线",
        body="Before. " * 40 + "今日地铁开通 <b>bold</b>",
        state=State.SUBMITTED,
    )
    client.force_login(reviewer)
    html = page(client, q="地铁").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>地铁</mark>三号线" in html
    assert "…" in html and "今日<mark>地铁</mark>开通 &lt;b&gt;bold&lt;/b&gt;" in html


def test_page_shows_the_matching_decision_note_and_history_hint(
    client, author, reviewer, second_senior
):
    post = PostFactory(author=author, title="Appealed", state=State.APPEALED, reviewer=reviewer)
    services.post_overturn(post=post, by=second_senior, note="Source checked.")
    client.force_login(reviewer)
    html = page(client, q="source").content.decode()
    assert "Decision note:" in html and "<mark>Source</mark> checked." in html
    html = page(client, q="unsourced").content.decode()
    assert "Some of the words are in a note in this post's history." in html


def test_page_hides_posts_of_other_desks(client, author, reviewer, outside_reviewer):
    PostFactory(author=author, title="Harbour secret", state=State.REJECTED, reviewer=reviewer)
    client.force_login(outside_reviewer)
    for q in ("harbour", "secret", "unsourced"):
        html = page(client, q=q).content.decode()
        assert "Harbour secret" not in html and "Unsourced" not in html
        assert "Nothing found" in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": ""}, "Type a word or phrase to search for."),
        ({"q": "   "}, "Type a word or phrase to search for."),
        ({"desk": "1"}, "Type a word or phrase to search for."),
        ({"q": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"q": "harbour", "desk": "abc"}, "Select a valid choice."),
        ({"q": "harbour", "desk": "999999"}, "Select a valid choice."),
        ({"q": "harbour", "state": "bogus"}, "Select a valid choice. bogus is not one of"),
        ({"q": "harbour", "category": "<b>x</b>"}, "&lt;b&gt;x&lt;/b&gt; is not one of"),
        ({"q": "harbour", "from": "yesterday"}, "Enter a valid date."),
        ({"q": "harbour", "to": "2024-02-30"}, "Enter a valid date."),
        ({"q": "harbour", "from": "0001-01-01"}, "greater than or equal to"),
        ({"q": "harbour", "to": "9999-12-31"}, "less than or equal to"),
        ({"q": "harbour", "from": "2024-05-02", "to": "2024-05-01"}, "before the start date"),
        ({"q": "harbour", "page": "x"}, None),
        ({"q": "harbour", "page": "-3"}, None),
        ({"q": "harbour", "page": "99999999999999999999"}, None),
    ],
)
def test_bad_filters_are_answered_with_form_errors(client, author, reviewer, params, message):
    PostFactory(author=author, title="Harbour", state=State.SUBMITTED)
    client.force_login(reviewer)
    response = page(client, **params)
    assert response.status_code == 200
    html = response.content.decode()
    if message is None:
        assert "<mark>Harbour</mark>" in html or "No more results" in html
    else:
        assert message in html and 'role="alert"' in html
        assert "<mark>" not in html


def test_desk_filter_refuses_a_desk_the_reviewer_does_not_serve(
    client, author, reviewer, outside_reviewer, desk
):
    PostFactory(author=author, title="Harbour", state=State.SUBMITTED)
    client.force_login(outside_reviewer)
    html = page(client, q="harbour", desk=desk.pk).content.decode()
    assert "Select a valid choice." in html and "<mark>" not in html
    assert f'<option value="{desk.pk}"' not in html


def test_page_lists_results_in_pages(client, author, reviewer, settings):
    for i in range(23):
        PostFactory(author=author, title=f"Harbour {i}", state=State.SUBMITTED)
    client.force_login(reviewer)
    first = page(client, q="harbour", state="submitted").content.decode()
    assert first.count('class="card search-result"') == 20
    assert 'rel="next"' in first and "q=harbour&amp;state=submitted&amp;page=2" in first
    second = page(client, q="harbour", state="submitted", page=2).content.decode()
    assert second.count('class="card search-result"') == 3 and 'rel="prev"' in second
    third = page(client, q="harbour", state="submitted", page=3).content.decode()
    assert "No more results" in third


def test_page_queries_do_not_grow_with_the_results(
    client, author, other_author, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    PostFactory(author=author, title="Harbour one", state=State.SUBMITTED)
    with django_assert_max_num_queries(12) as few:
        page(client, q="harbour")
    for i in range(15):
        PostFactory(
            author=other_author if i % 2 else author, title=f"Harbour {i}", state="submitted"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client, q="harbour").content.decode()
    assert html.count('class="card search-result"') == 16


@pytest.mark.postgres
def test_trigram_indexes_serve_the_search(author, reviewer):
    """Migration 0014 made pg_trgm and the GIN indexes, and the planner can use them."""
    PostFactory(author=author, title=SUBWAY, state=State.SUBMITTED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == ("pg_trgm",)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%trgm%%'")
        assert {row[0] for row in cursor.fetchall()} == {
            "post_title_trgm_idx",
            "post_body_trgm_idx",
            "post_note_trgm_idx",
            "audit_note_trgm_idx",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = post_search(user=reviewer, query="三号线").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("post_title_trgm_idx", "post_body_trgm_idx", "audit_note_trgm_idx"):
        assert index in plan


# --- short Chinese words: the gram indexes (migration 0016) ---------------------------------


def test_finds_a_two_character_word_in_title_body_note_and_history(
    each_path, author, reviewer, second_senior
):
    PostFactory(author=author, title="台风来袭", body="今日停课。", state=State.SUBMITTED)
    PostFactory(author=author, title="Weather", body="台风今晚登陆。", state=State.SUBMITTED)
    noted = PostFactory(author=author, title="Noted", state=State.UNDER_REVIEW, reviewer=reviewer)
    services.post_reject(post=noted, by=reviewer, reason_code="rumour", note="台风路径未证实。")
    history = PostFactory(
        author=author, title="History", state=State.UNDER_REVIEW, reviewer=reviewer
    )
    services.post_reject(post=history, by=reviewer, reason_code="rumour", note="这是台风谣言。")
    services.post_appeal(post=Post.objects.get(pk=history.pk), by=author, statement="属实。")
    services.post_overturn(post=Post.objects.get(pk=history.pk), by=second_senior, note="核实。")
    PostFactory(author=author, title="风台", body="台，风。台北风大。", state=State.SUBMITTED)

    first, *others = found(reviewer, "台风")
    assert first == "台风来袭" and sorted(others) == ["History", "Noted", "Weather"]
    assert found(reviewer, "台风 登陆") == ["Weather"]
    assert found(reviewer, "风大") == ["风台"]
    assert found(reviewer, "北") == ["风台"]  # one character


def test_characters_that_are_not_side_by_side_are_not_the_word(each_path, author, reviewer):
    PostFactory(author=author, title="地下铁路", body="铁，地。铁 地", state=State.SUBMITTED)
    PostFactory(author=author, title="Quiet", body="地\n铁", state=State.SUBMITTED)
    assert found(reviewer, "地铁") == []
    assert found(reviewer, "铁地") == []
    assert found(reviewer, "铁路") == ["地下铁路"]


def test_a_short_word_of_chinese_and_latin_letters(each_path, author, reviewer):
    PostFactory(author=author, title="A股上涨", body="沪指收涨。", state=State.SUBMITTED)
    PostFactory(author=author, title="B股下跌", body="股市。", state=State.SUBMITTED)
    assert found(reviewer, "a股") == ["A股上涨"]
    assert found(reviewer, "股上") == ["A股上涨"]
    assert sorted(found(reviewer, "股")) == ["A股上涨", "B股下跌"]


@pytest.mark.postgres
def test_cjk_grams_are_the_characters_and_adjacent_pairs():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ARRAY(SELECT DISTINCT g FROM unnest(imprimatur_cjk_grams(%s)) g ORDER BY g)",
            ["A股上涨，地铁 go 地"],
        )
        assert sorted(cursor.fetchone()[0]) == sorted(
            ["股", "上", "涨", "股上", "上涨", "地", "铁", "地铁"]
        )
        # The function and approvals.search agree on which characters are CJK.
        for char in "地鿏㐀豈𠀀𰀀ひカ々〇한A1ａ，。・ー ":
            cursor.execute("SELECT imprimatur_cjk_grams(%s)", [char])
            assert (cursor.fetchone()[0] == [char]) == (search.CJK.search(char) is not None), char
        # What a short word is looked up by is among the word's grams.
        for word in ("地铁", "铁", "A股", "股a", "ひら", "한국", "𠀀𠀁", "地，"):
            cursor.execute(
                "SELECT imprimatur_cjk_grams(%s) @> %s", [word, search._word_grams(word)]
            )
            assert cursor.fetchone() == (True,), word


@pytest.mark.postgres
def test_gram_indexes_serve_short_chinese_words(author, reviewer):
    """Migration 0016 made the gram indexes, and a two-character word is looked up in them
    (all three: title and body, decision note, history note)."""
    PostFactory(author=author, title=SUBWAY, state=State.SUBMITTED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%cjk%%'")
        assert {row[0] for row in cursor.fetchall()} == {
            "post_text_cjk_idx",
            "post_note_cjk_idx",
            "audit_note_cjk_idx",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in ("地铁", "铁"):
            sql, params = post_search(user=reviewer, query=query).query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for index in ("post_text_cjk_idx", "post_note_cjk_idx", "audit_note_cjk_idx"):
                assert index in plan, (query, plan)


@pytest.mark.postgres
def test_a_search_that_runs_too_long_is_cancelled_and_the_page_asks_for_a_narrower_one(
    client, author, reviewer, settings, monkeypatch
):
    from django.db.models.expressions import RawSQL

    from approvals import search_views

    PostFactory(author=author, state=State.SUBMITTED, title="Harbour reopens")
    slow = Post.objects.annotate(slept=RawSQL("pg_sleep(0.5)::text", []))
    monkeypatch.setattr(search_views, "post_search", lambda **kwargs: slow)
    settings.SEARCH_TIMEOUT_MS = 50
    client.force_login(reviewer)

    response = page(client, q="harbour")

    assert response.status_code == 200
    assert "would take too long" in response.content.decode()
    assert response.context["results"] == []
    with connection.cursor() as cursor:  # the connection is fine, and the limit is gone
        cursor.execute("SELECT pg_sleep(0.1), current_setting('statement_timeout')")
        assert cursor.fetchone()[1] == "0"
