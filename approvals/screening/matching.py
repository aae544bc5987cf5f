"""Finding watched terms and news sources in normalised text, and scoring what was found.

English: the text is split into words, each reduced to its stem (Snowball's English stemmer),
so a term matches every form of its words: "minister" finds "Ministers", "resign" finds
"resigned". Words broken up with separators ("e l e c t i o n", "m-i-n-i-s-t-e-r",
"p.o.l.i.c.e") are put back together, and digits standing in for letters ("m1nister") are
read as letters. A term of several words matches those stems in a row.

Chinese: separators between Chinese characters are removed ("选 举", "政*府"), and terms are
found anywhere inside the running text, which is simplified already (normalise).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from approvals.screening.normalise import Normalised, is_cjk, normalise

_LATIN_WORD = re.compile(r"[a-z0-9]+")
_DOMAIN = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        word = word.translate(_LEET)
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class Word:
    stem: str
    start: int  # in the normalised text
    end: int
    text: str = ""


def _latin_words(text: str, breaks: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Runs of Latin letters and digits, cut again where camel case runs words together."""
    words = []
    for match in _LATIN_WORD.finditer(text):
        start = match.start()
        for cut in sorted(b for b in breaks if match.start() < b < match.end()):
            words.append((start, cut))
            start = cut
        words.append((start, match.end()))
    return words


def _mends_gap(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """Is the gap between two words a separator inserted inside one word? A single mark
    with no space ("m-i-n", "elec.tion"), or a short gap between two single letters
    ("e l e c", "p . o")."""
    gap = text[left[1] : right[0]]
    if not gap or "\n" in gap or any(c.isalnum() for c in gap):
        return False
    single_letters = left[1] - left[0] == 1 and right[1] - right[0] == 1
    if single_letters:
        return len(gap) <= 3
    return len(gap) == 1 and not gap.isspace()


def word_streams(text: str, breaks: frozenset[int] = frozenset()) -> tuple[list[Word], list[Word]]:
    """The stems of the text's words as written, and as mended (words broken up by
    separators joined again; the same as written where nothing was broken)."""
    spans = _latin_words(text, breaks)
    written = [Word(stem(text[s:e]), s, e, text[s:e]) for s, e in spans]
    mended: list[Word] = []
    group: list[tuple[int, int]] = []
    for span in [*spans, None]:
        if span is not None and group and _mends_gap(text, group[-1], span):
            group.append(span)
            continue
        if group:
            start, end = group[0][0], group[-1][1]
            joined = "".join(text[s:e] for s, e in group)
            mended.append(Word(stem(joined), start, end, joined))
        group = [span] if span is not None else []
    return written, mended


def chinese_text(normalised: Normalised) -> tuple[str, list[int]]:
    """The text with separators between Chinese characters removed, and for each character
    left its index in the normalised text."""
    text = normalised.text
    kept: list[str] = []
    index: list[int] = []
    last_cjk = None  # index in `kept` of the last Chinese character
    for i, char in enumerate(text):
        if is_cjk(char):
            if last_cjk is not None and last_cjk < len(kept) - 1:
                # Only separators since the previous Chinese character: drop them.
                between = kept[last_cjk + 1 :]
                if not any(c.isalnum() for c in between) and "\n" not in between:
                    del kept[last_cjk + 1 :], index[last_cjk + 1 :]
            kept.append(char)
            index.append(i)
            last_cjk = len(kept) - 1
        else:
            kept.append(char)
            index.append(i)
    return "".join(kept), index


@lru_cache(maxsize=4096)
def normalise_term(term: str, language: str) -> tuple[str, ...] | str:
    """An English term as its tuple of stems; a Chinese term as normalised characters."""
    text = normalise(term).text
    if language == "zh":
        return "".join(c for c in text if is_cjk(c) or c.isalnum())
    return tuple(stem(m.group()) for m in _LATIN_WORD.finditer(text))


@dataclass(frozen=True)
class Rule:
    label: str  # the term or domain as the admin wrote it
    kind: str  # "term" or "source"
    language: str
    weight: float


@dataclass
class Matcher:
    """Built once from the active terms and sources; matches any number of texts."""

    english: dict[tuple[str, ...], Rule] = field(default_factory=dict)
    single_words: set[str] = field(default_factory=set)  # stems of one-word English terms
    chinese: dict[str, Rule] = field(default_factory=dict)
    sources: dict[str, Rule] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def build(cls, terms: Iterable[Rule], sources: Iterable[Rule]) -> Matcher:
        matcher = cls()
        for rule in terms:
            key = normalise_term(rule.label, rule.language)
            if not key:
                continue
            # Two terms that read the same once normalised ("protest", "protester"): the
            # heavier one counts.
            table = matcher.chinese if rule.language == "zh" else matcher.english
            if key not in table or table[key].weight < rule.weight:
                table[key] = rule
            if rule.language != "zh":
                matcher.longest = max(matcher.longest, len(key))
                if len(key) == 1 and rule.weight > 0:
                    matcher.single_words.add(key[0])
        for rule in sources:
            matcher.sources[rule.label.lower().removeprefix("www.")] = rule
        return matcher

    def find(self, text: str) -> dict[Rule, list[tuple[int, int]]]:
        """Every rule found in `text`, with the [start, end) spans in the original text."""
        normalised = normalise(text)
        found: dict[Rule, set[tuple[int, int]]] = defaultdict(set)
        for stream in word_streams(normalised.text, normalised.breaks):
            self._find_english(stream, normalised, found)
            self._find_split_words(stream, normalised, found)
        self._find_chinese(normalised, found)
        self._find_sources(normalised, found)
        return {rule: sorted(spans) for rule, spans in found.items()}

    def _find_english(self, words: list[Word], normalised: Normalised, found) -> None:
        stems = [w.stem for w in words]
        for n in range(1, self.longest + 1):
            for i in range(len(words) - n + 1):
                rule = self.english.get(tuple(stems[i : i + n]))
                if rule is not None:
                    start, end = words[i].start, words[i + n - 1].end
                    found[rule].add(normalised.span_in_original(start, end))

    def _find_split_words(self, words: list[Word], normalised: Normalised, found) -> None:
        """A watched word cut in two or three by spaces ("Parlia ment", "minis ter"): the
        pieces are joined, and count only when together they are a watched word."""
        text = normalised.text
        for i in range(len(words) - 1):
            for n in (2, 3):
                piece = words[i : i + n]
                if len(piece) < n or any(
                    not text[a.end : b.start].isspace() for a, b in itertools.pairwise(piece)
                ):
                    break
                joined = stem("".join(w.text for w in piece))
                if joined in self.single_words and all(
                    w.stem not in self.single_words for w in piece
                ):
                    rule = self.english[(joined,)]
                    found[rule].add(normalised.span_in_original(piece[0].start, piece[-1].end))

    def _find_chinese(self, normalised: Normalised, found) -> None:
        if not self.chinese or not any(is_cjk(c) for c in normalised.text):
            return
        text, index = chinese_text(normalised)
        for term, rule in self.chinese.items():
            at = text.find(term)
            while at != -1:
                start, end = index[at], index[at + len(term) - 1] + 1
                found[rule].add(normalised.span_in_original(start, end))
                at = text.find(term, at + 1)

    def _find_sources(self, normalised: Normalised, found) -> None:
        if not self.sources:
            return
        # An ideographic full stop reads as a dot in an address bar (reuters。com).
        for match in _DOMAIN.finditer(normalised.text.replace("。", ".")):
            domain = match.group().removeprefix("www.")
            parts = domain.split(".")
            for i in range(len(parts) - 1):
                rule = self.sources.get(".".join(parts[i:]))
                if rule is not None:
                    found[rule].add(normalised.span_in_original(match.start(), match.end()))
                    break
