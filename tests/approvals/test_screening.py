"""Screening that cannot be sidestepped: every evasion kind, scores stored and shown to the
reviewer, reclassification and "always review", and the corpus figures."""

import pytest
from django.urls import reverse

from approvals import enforcement, screening, services
from approvals.models import AuditEntry, Category, State, WatchedTerm
from approvals.screening.report import evaluate
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_terms():
    screening.forget_matcher()
    yield
    screening.forget_matcher()


EVASIONS = {
    "plain": ("Breaking", "Coup attempt: the army has seized the presidential palace."),
    "plural and tense": ("Elections tonight", "Ministers resigned as protesters marched."),
    "zero-width": ("B\u200breaking: c\u200boup", "The a\u200drmy seized the pa\u2060lace."),
    "full-width": (
        "ＢＲＥＡＫＩＮＧ",
        "ＭＩＮＩＳＴＥＲＳ ＲＥＳＩＧＮ after the ｅｌｅｃｔｉｏｎ",
    ),
    "look-alike": ("Вreaking", "Тhe gоvernment minіster resіgned; troорs in the capital."),
    "spacing": ("e l e c t i o n", "The m-i-n-i-s-t-e-r spoke to p.o.l.i.c.e after the riot."),
    "leet": ("3lection n1ght", "The m1nister and the g0vernment fell; tr00ps deployed."),
    "chinese running text": ("今天的消息", "外交部发言人今天表示将对相关国家实施反制裁措施。"),
    "traditional": ("最新消息", "總統府證實軍隊已進入首都，選舉延期。"),
    "chinese spacing": ("消息", "政*府宣布选 举推迟，警_方已逮 捕数人。"),
    "chinese zero-width": ("消息", "国\u200b务院召开常务会议，部署防\u200d汛救灾。"),
    "news source link": ("Read this", "See https://www.reuters.com/world/some-story and share"),
    "accents": ("Prìme mìnister resìgns", "Pàrliament met; pólice outside."),
    "a space inside words": ("Parlia ment", "The minis ter has resig ned."),
    "small capitals and other letters": ("ᴘᴀʀʟɪᴀᴍᴇɴᴛ ᴠᴏᴛᴇ", "The ɩnvasion began; 𝐭𝐫𝐨𝐨𝐩𝐬 crossed."),
    "ideographic full stop in a link": ("Read", "reuters。com/world/story"),
    "one strong word and an everyday voice": ("Referendum called", "I just heard: a referendum."),
    "camel case": ("PrimeMinisterResigns", "#BreakingNews: ArmySeizesPalace after CoupAttempt"),
}


@pytest.mark.parametrize("kind", list(EVASIONS))
def test_each_kind_of_evasion_is_caught(kind):
    title, body = EVASIONS[kind]
    result = screening.screen(title=title, body=body)
    assert result.flagged, (kind, result)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Star Wars marathon", "All nine films this weekend, bring snacks."),
        ("Ceasefire with my brother", "He gets the remote on weekdays, I get weekends."),
        ("家政服务推荐", "阿姨很细心，官方旗舰店买的拖把也好用。"),
        ("冠军！", "我们战队拿了校园电竞冠军，笑到地震。"),
    ],
)
def test_everyday_posts_with_newsy_words_are_not_flagged(title, body):
    assert not screening.screen(title=title, body=body).flagged


def test_salting_news_with_an_everyday_voice_does_not_hide_it():
    body = "My cat and I heard: the army seized the presidential palace in a coup."
    assert screening.screen(title="my my my", body=body).flagged


def test_the_score_and_matches_are_stored_and_other_posts_reading_like_news_go_to_review(
    author,
):
    post = PostFactory(
        author=author, category=Category.OTHER, title="Hi", body="Ministers resigned today."
    )
    post = services.post_submit(post=post, by=author)
    assert post.state == State.SUBMITTED
    assert post.screening_score >= 1.0
    terms = {m["term"] for m in post.screening_matches}
    assert {"minister", "resign"} <= terms
    match = next(m for m in post.screening_matches if m["term"] == "minister")
    start, end = match["body"][0]
    assert post.body[start:end] == "Ministers"
    entry = AuditEntry.objects.get(post=post, action="post.submit")
    assert entry.data["screening_score"] == post.screening_score


def test_the_reviewer_sees_the_matches_highlighted_and_the_author_does_not(
    client, author, reviewer
):
    post = PostFactory(
        author=author,
        category=Category.OTHER,
        title="Hi",
        body="The gоvernment fell.\n\nAnd <script>x</script>",
    )
    post = services.post_submit(post=post, by=author)
    client.force_login(reviewer)
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<mark title="government">gоvernment</mark>' in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    client.force_login(author)
    assert "<mark" not in client.get(post.get_absolute_url()).content.decode()


def test_terms_are_data_the_admin_can_change(author):
    assert not screening.screen(title="Zorblat", body="zorblats everywhere").flagged
    WatchedTerm.objects.create(term="zorblat", language="en", weight=1.0)
    screening.forget_matcher()
    assert screening.screen(title="Zorblat", body="zorblats everywhere").flagged
    assert WatchedTerm.objects.filter(language="en").count() >= 50
    assert WatchedTerm.objects.filter(language="zh").count() >= 50


def test_a_reviewer_reclassifies_a_waiting_post_and_it_is_audited(author, reviewer, client):
    post = PostFactory(author=author, state=State.SUBMITTED, category=Category.CURRENT_AFFAIRS)
    client.force_login(reviewer)
    url = reverse("approvals:post_action", args=[post.pk, "reclassify"])
    client.post(url, {"reclassify-category": "news", "reclassify-note": "It is news."})
    post.refresh_from_db()
    assert post.category == Category.NEWS
    entry = AuditEntry.objects.get(post=post, action="post.reclassify")
    assert entry.actor == reviewer and entry.data == {
        "from_category": "current_affairs",
        "to_category": "news",
    }


def test_the_author_cannot_reclassify_their_own_post(author):
    post = PostFactory(author=author, state=State.SUBMITTED)
    with pytest.raises(Exception, match="reviewer"):
        services.post_reclassify(post=post, by=author, category="other", note="Not news.")


def test_always_review_sends_every_post_of_an_account_to_a_reviewer(author, senior):
    enforcement.account_set_always_review(
        account=author, by=senior, on=True, note="Keeps filing news as other."
    )
    author.refresh_from_db()
    post = PostFactory(author=author, category=Category.OTHER, title="Cat", body="My cat slept.")
    assert services.post_submit(post=post, by=author).state == State.SUBMITTED
    entry = AuditEntry.objects.get(action="account.always_review_on")
    assert (entry.actor, entry.account, entry.note) == (
        senior,
        author,
        "Keeps filing news as other.",
    )


def test_the_corpus_meets_the_targets_for_every_kind_of_evasion():
    tallies = evaluate()
    overall = tallies["all"]
    assert overall.news >= 150 and overall.other >= 100
    assert overall.recall >= 0.95 and overall.false_positive_rate <= 0.10
    for key, tally in tallies.items():
        if "/" in key and tally.news:
            assert tally.recall >= 0.85, (key, tally.missed)
