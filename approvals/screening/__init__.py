"""Screening: does a post filed as "other" read like news?

Run at submit and resubmit on the title and body. The score is the sum of the weights of the
distinct watched terms and news-source domains found, less the weights of "everyday voice"
terms (negative weights), which together take off at most SCREENING_MAX_DISCOUNT and never
bring the score below the heaviest term found, so salting news with "my" cannot hide a word
that means news on its own. At SCREENING_THRESHOLD or above the post is treated as
news and waits for a reviewer. The score and what was found (with where, so the
reviewer sees it highlighted) are stored on the post.

The terms and sources are data (approvals.screening.models, edited in the admin); each process
rebuilds its matcher from them at most every SCREENING_CACHE_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from approvals import metrics
from approvals.screening.matching import Matcher, Rule

__all__ = ["Screening", "forget_matcher", "screen", "screen_post"]


@dataclass(frozen=True)
class Screening:
    score: float
    matches: list[dict]

    @property
    def flagged(self) -> bool:
        return self.score >= settings.SCREENING_THRESHOLD


_cached: tuple[float, Matcher] | None = None


def current_matcher() -> Matcher:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] >= settings.SCREENING_CACHE_SECONDS:
        _cached = (now, _load_matcher())
    return _cached[1]


def forget_matcher() -> None:
    """Rebuild from the database at the next screening (after terms change)."""
    global _cached
    _cached = None


def _load_matcher() -> Matcher:
    from approvals.screening.models import NewsSource, WatchedTerm

    terms = [
        Rule(term, "term", language, weight)
        for term, language, weight in WatchedTerm.objects.filter(active=True).values_list(
            "term", "language", "weight"
        )
    ]
    sources = [
        Rule(domain, "source", "", weight)
        for domain, weight in NewsSource.objects.filter(active=True).values_list("domain", "weight")
    ]
    return Matcher.build(terms, sources)


def screen(*, title: str, body: str, matcher: Matcher | None = None) -> Screening:
    matcher = matcher or current_matcher()
    found: dict[Rule, dict[str, list]] = {}
    for field, text in (("title", title), ("body", body)):
        for rule, spans in matcher.find(text).items():
            found.setdefault(rule, {"title": [], "body": []})[field] = [list(s) for s in spans]
    weights = [rule.weight for rule in found]
    gained = sum(w for w in weights if w > 0)
    discount = min(settings.SCREENING_MAX_DISCOUNT, -sum(w for w in weights if w < 0))
    # An everyday voice can outweigh two ambiguous words, never one that means news alone.
    strongest = max((w for w in weights if w > 0), default=0.0)
    score = round(max(gained - discount, strongest), 2)
    matches = [
        {
            "term": rule.label,
            "kind": rule.kind,
            "language": rule.language,
            "weight": rule.weight,
            **spans,
        }
        for rule, spans in sorted(found.items(), key=lambda item: -item[0].weight)
    ]
    return Screening(score=score, matches=matches)


def screen_post(post) -> Screening:
    """Screen the post's current title and body and store the result on it (unsaved)."""
    result = screen(title=post.title, body=post.body)
    post.screening_score, post.screening_matches = result.score, result.matches
    metrics.screened(flagged=result.flagged)
    return result
