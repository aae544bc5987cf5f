"""The search page: a filter form, ranked results with the matches marked, one page at a time.

Reads through approvals.search only; a filter that does not validate is a form error, never a
500. The results are those of `post_search`, so nobody finds a post they may not open.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from psycopg.errors import QueryCanceled

from approvals.models import Category, Desk, Post, State
from approvals.pagination import window_page
from approvals.search import (
    MAX_QUERY_LENGTH,
    SearchFilters,
    post_search,
    search_terms,
    searchable_desks,
)

PAGE_SIZE = 20
EXCERPT_LENGTH = 220
# Dates a person means; far-off ones would overflow when shifted between time zones.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Words in Chinese or English; a post must contain every one."),
        error_messages={"required": _("Type a word or phrase to search for.")},
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    desk = forms.ModelChoiceField(
        label=_("Desk"), queryset=Desk.objects.none(), required=False, empty_label=_("All")
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All")), *State.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    author = forms.CharField(
        label=_("Author"),
        max_length=150,
        required=False,
        help_text=_("A username, or part of a name."),
    )

    def __init__(self, *args, desks: QuerySet[Desk], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks
        # "from" and "to" are the parameters of the page's address; "from" cannot be a
        # class attribute, so both are added here.
        self.fields["from"] = _date_field(_("Submitted from"))
        self.fields["to"] = _date_field(_("Submitted until"))

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("This date is before the start date."))
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            desk=data["desk"],
            state=data["state"],
            category=data["category"],
            author=data["author"].strip(),
            date_from=data["from"],
            date_to=data["to"],
        )


def _pattern(terms: list[str]) -> re.Pattern:
    words = sorted(terms, key=len, reverse=True)  # the longest first: "地铁站" before "地铁"
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern) -> SafeString:
    """`text`, escaped, with every match of `pattern` in <mark>."""
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html("<mark>{}</mark>", match.group()))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))


def excerpt(text: str, pattern: re.Pattern, length: int = EXCERPT_LENGTH) -> SafeString:
    """About `length` characters of `text` around its first match, matches marked."""
    match = pattern.search(text)
    start = max(0, match.start() - length // 3) if match else 0
    end = start + length
    cut = text[start:end]
    return format_html(
        "{}{}{}",
        "…" if start > 0 else "",
        highlight(cut, pattern),
        "…" if end < len(text) else "",
    )


@dataclass(frozen=True)
class SearchResult:
    post: Post
    title: SafeString
    excerpt: SafeString
    note: SafeString | None  # the decision note, when it matches
    in_history: bool  # some words are only in a note of the post's history, not shown here


def _result(post: Post, terms: list[str], pattern: re.Pattern) -> SearchResult:
    note_matches = bool(post.decision_note and pattern.search(post.decision_note))
    shown = f"{post.title}\n{post.body}\n{post.decision_note}".casefold()
    return SearchResult(
        post=post,
        title=highlight(post.title, pattern),
        excerpt=excerpt(post.body, pattern),
        note=excerpt(post.decision_note, pattern) if note_matches else None,
        in_history=any(term.casefold() not in shown for term in terms),
    )


TOO_BROAD = _("This search would take too long: add a word, or narrow it by desk, state or dates.")


class SearchTooSlow(Exception):
    pass


@contextmanager
def time_limit(milliseconds: int):
    """On PostgreSQL, cancel the search's statements after `milliseconds` (SET LOCAL, in a
    transaction of their own) and raise SearchTooSlow: one broad search (a single common
    character over millions of posts) must not hold a connection and a core for a minute."""
    if connection.vendor != "postgresql" or not milliseconds:
        yield
        return
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [int(milliseconds)])
            yield
    except OperationalError as error:
        if not isinstance(error.__cause__, QueryCanceled):
            raise
        raise SearchTooSlow from error


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, desks=searchable_desks(user=request.user))
    page, results = None, []
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        posts = post_search(user=request.user, query=query, filters=form.filters())
        try:
            with time_limit(settings.SEARCH_TIMEOUT_MS):
                page = window_page(posts, request.GET.get("page"), PAGE_SIZE)
        except SearchTooSlow:
            form.add_error(None, TOO_BROAD)
            page = None
        else:
            terms = search_terms(query)
            pattern = _pattern(terms)
            results = [_result(post, terms, pattern) for post in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "results": results, "query": params.urlencode()}
    return render(request, "approvals/search.html", context)
