"""Search over posts and their decision notes, scoped to the posts the user may open.

Matching is by substring: every word of the query must appear in the post's title, body or
decision note, or in a note of its history (audit entries). Substrings find Chinese inside
running text ("地铁" in "地铁三号线延长段今日开通") with no segmentation, and English word
parts ("reopen" in "reopened").

On PostgreSQL each word is an `ILIKE` that the `gin_trgm_ops` indexes of migration 0014 serve
(pg_trgm) when it has three characters or more. A word of one or two characters with Chinese
(Japanese, Korean) in it, which no trigram index can serve (most Chinese words have two), is
looked up in the GIN indexes of migration 0016 on `imprimatur_cjk_grams(…)`, the single CJK
characters and the pairs of adjacent ones of the text: `grams(text) @> ARRAY['地铁']` holds
for exactly the texts that contain 地铁 (and not for 地下铁路), so a word all of CJK needs
no further check; one with a letter or digit (A股) is looked up by its CJK character and the
rows found are checked for the word, ignoring case as ILIKE does. Shorter words without CJK
(rarely searched; "ai" is in most English posts) are checked row by row.

The rank is the number of words in the title, plus the English full-text rank (SearchRank) of
title and decision note, plus trigram word similarity of the query to the title; ties go to
the newest. Elsewhere (SQLite, a first local run) it is a plain `icontains`, ranked by the
number of words in the title, then the newest.

Who sees what is `approvals.permissions.may_view`, written as SQL: authors their own posts,
reviewers the submitted posts of the desks they serve (and any they hold a claim on), senior
reviewers and operators every submitted post. Drafts stay with their author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Lower, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from accounts.models import User
from accounts.roles import holds
from approvals.models import AuditEntry, Desk, Post
from approvals.permissions import served_desk_ids

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Full-text rank works on English word forms; 'english' stems ("opened" ~ "opens").
TEXT_SEARCH_CONFIG = "english"
# The characters imprimatur_cjk_grams (migration 0016) makes grams of: CJK ideographs (with
# extension A, the compatibility block and the supplementary planes), kana, Hangul syllables,
# 々 and 〇. The same set as the function's; a word without any of them has no grams.
CJK = re.compile(
    "[\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f]"
)
# Words this long or longer have a trigram for pg_trgm's indexes; shorter CJK words use the
# gram indexes.
TRIGRAM = 3


class _ILike(Lookup):
    """`column ILIKE pattern`, as pg_trgm's GIN index serves it (Django's `icontains` writes
    `UPPER(column) LIKE UPPER(…)`, which an index on the plain column cannot serve)."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def search_terms(query: str) -> list[str]:
    """The words of a query: split on any whitespace (the ideographic space too), each once,
    at most MAX_TERMS of them."""
    terms: list[str] = []
    for word in query[:MAX_QUERY_LENGTH].split():
        if word.casefold() not in {t.casefold() for t in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


def _is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _reads_every_submitted_post(user: User) -> bool:
    """Senior reviewers (they decide appeals on every desk) and operators (they read posts)."""
    return holds(user, "approvals.decide_appeal") or holds(user, "approvals.view_post")


def searchable_posts(*, user: User) -> QuerySet[Post]:
    """The posts `user` may open (approvals.permissions.may_view), as one SQL filter."""
    if not _is_signed_in(user):
        return Post.objects.none()
    submitted = Q(submitted_at__isnull=False)
    if _reads_every_submitted_post(user):
        others = submitted
    else:
        others = submitted & Q(claimed_by=user)
        desk_ids = sorted(served_desk_ids(user)) if holds(user, "approvals.review_post") else []
        if desk_ids:
            others |= submitted & Q(desk__in=desk_ids)
    return Post.objects.filter(Q(author=user) | others)


def searchable_desks(*, user: User) -> QuerySet[Desk]:
    """Desks to offer as a filter: every desk to those who read every submitted post; else the
    desks the user serves and the desks of their own posts."""
    if not _is_signed_in(user):
        return Desk.objects.none()
    if _reads_every_submitted_post(user):
        return Desk.objects.all()
    served = sorted(served_desk_ids(user)) if holds(user, "approvals.review_post") else []
    own = Exists(Post.objects.filter(desk=OuterRef("pk"), author=user))
    return Desk.objects.filter(Q(pk__in=served) | own)


@dataclass(frozen=True)
class SearchFilters:
    desk: Desk | None = None
    state: str = ""
    category: str = ""
    author: str = ""  # a username (exactly) or part of a display name
    date_from: date | None = None  # submitted (created, for drafts) on or after, local time
    date_to: date | None = None  # … on or before


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(posts: QuerySet[Post], filters: SearchFilters) -> QuerySet[Post]:
    if filters.desk is not None:
        posts = posts.filter(desk=filters.desk)
    if filters.state:
        posts = posts.filter(state=filters.state)
    if filters.category:
        posts = posts.filter(category=filters.category)
    if filters.author:
        posts = posts.filter(
            Q(author__username__iexact=filters.author)
            | Q(author__display_name__icontains=filters.author)
        )
    # The day a post was submitted; a draft's, the day it was written.
    if filters.date_from is not None:
        start = _start_of(filters.date_from)
        posts = posts.filter(
            Q(submitted_at__gte=start) | Q(submitted_at__isnull=True, created_at__gte=start)
        )
    if filters.date_to is not None and filters.date_to < date.max:
        end = _start_of(filters.date_to + timedelta(days=1))
        posts = posts.filter(
            Q(submitted_at__lt=end) | Q(submitted_at__isnull=True, created_at__lt=end)
        )
    return posts


def uses_postgresql() -> bool:
    """PostgreSQL: trigram-indexed ILIKE and full-text rank; anything else: the fallback."""
    return connection.vendor == "postgresql"


def _like_pattern(term: str) -> str:
    return f"%{connection.ops.prep_for_like_query(term)}%"


def _contains(field: str, term: str):
    """`field` contains `term`, ignoring case: ILIKE on PostgreSQL, icontains elsewhere."""
    if uses_postgresql():
        return _ILike(F(field), Value(_like_pattern(term)))
    return Q(**{f"{field}__icontains": term})


class _CjkGrams(Func):
    """`imprimatur_cjk_grams(text)` (migration 0016): the CJK characters of the text and the
    pairs of adjacent ones, as text[]. Of several fields, their text joined by a space, as the
    index on title and body is written: `imprimatur_cjk_grams((title || ' ' || body))`. The
    SQL must stay that of the index expressions, or the planner cannot use the indexes."""

    function = "imprimatur_cjk_grams"
    template = "%(function)s((%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = TextField()  # text[]; only ever an operand of `@>`


class _HasGrams(Lookup):
    """`grams @> other_grams`, as a GIN index on the array serves it."""

    lookup_name = "has_grams"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> {rhs}", [*lhs_params, *rhs_params]


def _served_by_grams(term: str) -> bool:
    """A word too short for a trigram that has CJK characters in it (地铁, 铁, A股)."""
    return len(term) < TRIGRAM and CJK.search(term) is not None


def _word_grams(term: str) -> list[str]:
    """The grams to look up for a short CJK word: the word itself when it is a pair of CJK
    characters, else its CJK character. Grams of the word as imprimatur_cjk_grams makes them
    (so every text that contains the word has them), but only the rarest: the single
    characters of a pair would add nothing to the lookup but work and a worse row estimate."""
    cjk = CJK.findall(term)
    return [term] if len(cjk) == len(term) == 2 else cjk[:1]


def _has_grams_of(term: str, *fields: str) -> _HasGrams:
    """The text of `fields` has the grams of `term` (_word_grams): a condition the gram
    indexes serve that every text containing `term` meets."""
    grams = Func(
        *(Value(gram) for gram in _word_grams(term)),
        template="ARRAY[%(expressions)s]::text[]",
        output_field=TextField(),
    )
    return _HasGrams(_CjkGrams(*(F(field) for field in fields)), grams)


def _holds(field: str, term: str) -> GreaterThan:
    """`field` contains `term`, ignoring case, as `ILIKE '%term%'` decides it (PostgreSQL's
    ILIKE compares the lower-cased text with the lower-cased pattern), but written so that no
    trigram index serves it: for a word of two characters pg_trgm has no trigram to look up
    and its index scan reads the whole index, which the planner does not foresee (measured:
    0.9 s at 200,000 posts, for the decision notes). The gram indexes find the rows; this
    checks them."""
    return GreaterThan(StrIndex(Lower(F(field)), Lower(Value(term))), 0)


def _grams_decide(term: str) -> bool:
    """A word all of CJK characters, one or two: the text contains it exactly when its grams
    include it (each gram is a character of the text, or two that stand together; CJK has
    no case), so nothing is left to check on the rows the index finds. Checking them anyway
    would read every candidate's body: 3 to 8 times the time (bench/search.py)."""
    return len(CJK.findall(term)) == len(term)


def _term_matches(term: str) -> Q:
    """The post's title, body or decision note contains `term`, or a note in its history does.

    On PostgreSQL the four arms are one UNION of index scans (each on its own trigram index),
    joined to the posts by id, so no arm forces a scan of the whole table. A short CJK word
    has three arms, each on a gram index (title and body share one); when the word has other
    characters than CJK, the rows found are checked for the word itself."""
    if not uses_postgresql():
        in_history = AuditEntry.objects.filter(note__icontains=term).order_by().values("post_id")
        return (
            Q(title__icontains=term)
            | Q(body__icontains=term)
            | Q(decision_note__icontains=term)
            | Q(pk__in=in_history)
        )
    if _served_by_grams(term) and _grams_decide(term):
        arms = [
            Post.objects.filter(_has_grams_of(term, "title", "body")),
            Post.objects.filter(_has_grams_of(term, "decision_note")),
        ]
        in_history = AuditEntry.objects.filter(_has_grams_of(term, "note"))
    elif _served_by_grams(term):  # with a letter or digit: 'A股'
        arms = [
            Post.objects.filter(
                _has_grams_of(term, "title", "body"),
                _holds("title", term) | _holds("body", term),
            ),
            Post.objects.filter(
                _has_grams_of(term, "decision_note"), _holds("decision_note", term)
            ),
        ]
        in_history = AuditEntry.objects.filter(_has_grams_of(term, "note"), _holds("note", term))
    else:
        arms = [
            Post.objects.filter(_contains(field, term))
            for field in ("title", "body", "decision_note")
        ]
        in_history = AuditEntry.objects.filter(_contains("note", term))
    arms = [arm.order_by().values("pk") for arm in arms]
    in_history = in_history.filter(post_id__isnull=False).order_by().values("post_id")
    return Q(pk__in=arms[0].union(*arms[1:], in_history))


def _title_hits(terms: list[str]):
    """How many of the words the title contains."""
    return sum(
        (
            Case(
                When(_contains("title", term), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            for term in terms
        ),
        start=Value(0, output_field=IntegerField()),
    )


def post_search(*, user: User, query: str, filters: SearchFilters | None = None) -> QuerySet[Post]:
    """Posts `user` may open that contain every word of `query`, best first: title matches
    above body and note matches, then by text rank, then newest. An empty query finds nothing.

    Each post carries `search_rank` (and, on PostgreSQL, `title_hits`) for the page."""
    terms = search_terms(query)
    if not terms:
        return Post.objects.none()
    posts = _filtered(searchable_posts(user=user), filters or SearchFilters())
    for term in terms:
        posts = posts.filter(_term_matches(term))
    posts = posts.annotate(title_hits=_title_hits(terms))
    if uses_postgresql():
        text = " ".join(terms)
        # The body is left out of the text rank on purpose: to_tsvector over the bodies of
        # tens of thousands of matches costs seconds (measured: bench/search.py).
        vector = SearchVector("title", weight="A", config=TEXT_SEARCH_CONFIG) + SearchVector(
            "decision_note", weight="C", config=TEXT_SEARCH_CONFIG
        )
        rank = (
            Cast(F("title_hits"), FloatField())
            + SearchRank(vector, SearchQuery(text, config=TEXT_SEARCH_CONFIG, search_type="plain"))
            + TrigramWordSimilarity(Value(text), "title") * Value(0.5)
        )
    else:
        rank = Cast(F("title_hits"), FloatField())
    return (
        posts.annotate(search_rank=rank)
        .select_related("author", "desk")
        .order_by("-search_rank", F("submitted_at").desc(nulls_last=True), "-id")
    )
