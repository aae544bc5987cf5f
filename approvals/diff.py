"""What changed between two texts, for reviewers comparing revisions of a post.

Text written with spaces between words (English, French, Russian, Korean …) compares word by
word; Chinese and Japanese, written without spaces, compare character by character; a text that
mixes them does each part its own way. Pure: no Django, no database, only the standard
library's difflib.SequenceMatcher.
"""

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal, Protocol

Kind = Literal["equal", "insert", "delete"]
EQUAL: Kind = "equal"
INSERT: Kind = "insert"
DELETE: Kind = "delete"

# Scripts written without spaces between words: every character is a token of its own.
_UNSPACED = (
    "\u2e80-\u2fdf"  # CJK and Kangxi radicals
    "\u3005-\u3007"  # 々 〆 〇
    "\u3021-\u3029"  # Hangzhou numerals
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3100-\u312f\u31a0-\u31bf"  # bopomofo
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B to G
)
# Combining marks stay with the letter they modify ("e" + U+0301 is one letter).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = rf"(?:[^\W{_UNSPACED}]|[{_MARKS}])"
_TOKEN = re.compile(
    rf"[{_UNSPACED}]"  # one Chinese or Japanese character
    rf"|{_LETTER}+(?:['’]{_LETTER}+)*"  # a word, with its apostrophes: don't, l’été
    r"|\s+"  # a run of spaces and line breaks
    r"|.",  # anything else, one at a time: punctuation, symbols, emoji
    re.DOTALL,
)
# Where a sentence ends (besides a line break).
_STOPS = frozenset(".!?…。！？")
# A "sentence" this long without a stop (a text with no punctuation) also ends after any
# token whose checksum ends in four zero bits: chosen by content, not position, so an edit
# does not move the ends of the sentences after it.
_LONG_SENTENCE = 64
# How many pairs of equal tokens a matcher may visit in one pass (a dictionary look-up
# each). A long text in which a few tokens recur thousands of times (an author can type "哈"
# 20,000 times) would take minutes; past the budget the matcher leaves out the most frequent
# tokens, and past it again the passage shows as replaced whole.
_BUDGET = 1_000_000


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is the same in both versions (equal), only in the new one
    (insert), or only in the old one (delete)."""

    kind: Kind
    text: str

    @property
    def is_blank(self) -> bool:
        """Only spaces or line breaks, which a page cannot show as added or removed."""
        return not self.text.strip()

    @property
    def is_line_break(self) -> bool:
        return self.is_blank and "\n" in self.text


def tokenise(text: str) -> list[str]:
    """Words, the spaces and punctuation between them, and single CJK characters, in order:
    `"".join(tokenise(text)) == text`."""
    return _TOKEN.findall(text)


def diff(old: str, new: str) -> list[Segment]:
    """The segments that turn `old` into `new`, in reading order, none empty and no two
    neighbours of one kind. Where a passage was replaced, its deletion comes first. The
    equal and deleted segments make `old`; the equal and inserted ones make `new`."""
    out = _Segments()
    a, b = _sentences(_units(tokenise(old))), _sentences(_units(tokenise(new)))
    # Sentences first, then words or characters within the sentences that changed (as
    # difflib.Differ does with lines, then characters): a long body with a few edits costs
    # little, where one matcher over all its words would rescan the body for every edit.
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        old_units = [unit for sentence in a[i1:i2] for unit in sentence]
        if tag == "equal":
            out.add(EQUAL, _text(old_units))
        else:
            _diff_units(out, old_units, [unit for sentence in b[j1:j2] for unit in sentence])
    return out.segments()


# What the matcher compares: a token and the spaces that follow it on its line. A space
# token after every English word would be a third of the tokens, matched at every position.
_Unit = tuple[str, str]  # (token, spaces)


def _units(tokens: list[str]) -> list[_Unit]:
    units: list[_Unit] = []
    for token in tokens:
        if units and not units[-1][1] and token.isspace() and "\n" not in token:
            units[-1] = (units[-1][0], token)
        else:
            units.append((token, ""))
    return units


def _text(units: Sequence[_Unit]) -> str:
    return "".join(token + spaces for token, spaces in units)


def _sentences(units: list[_Unit]) -> list[tuple[_Unit, ...]]:
    """Units grouped into sentences, each ending after a line break or a full stop."""
    sentences: list[tuple[_Unit, ...]] = []
    start = 0
    for index, (token, _spaces) in enumerate(units):
        if (
            token in _STOPS
            or "\n" in token
            or (
                index - start >= _LONG_SENTENCE
                and not zlib.crc32(token.encode("utf-8", "surrogatepass")) & 0xF
            )
        ):
            sentences.append(tuple(units[start : index + 1]))
            start = index + 1
    if start < len(units):
        sentences.append(tuple(units[start:]))
    return sentences


def _diff_units(out: "_Segments", a: list[_Unit], b: list[_Unit]) -> None:
    """Word by word (character by character in CJK) through a passage that changed."""
    start = 0  # the common start and end cost nothing to find
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    out.add(EQUAL, _text(a[:start]))
    a_mid, b_mid = a[start : len(a) - end], b[start : len(b) - end]
    # Compare the tokens, not the spaces after them ("cat" at the end of a sentence is the
    # "cat " of the previous revision).
    a_tokens, b_tokens = [token for token, _ in a_mid], [token for token, _ in b_mid]
    for tag, i1, i2, j1, j2 in _opcodes(a_tokens, b_tokens):
        if tag == "equal":
            for (token, old_spaces), (_, new_spaces) in zip(
                a_mid[i1:i2], b_mid[j1:j2], strict=True
            ):
                out.add(EQUAL, token)
                if old_spaces == new_spaces:
                    out.add(EQUAL, old_spaces)
                else:
                    out.add(DELETE, old_spaces)
                    out.add(INSERT, new_spaces)
            continue
        removed, added = _text(a_mid[i1:i2]), _text(b_mid[j1:j2])
        # "<del>cat </del><ins>dog </ins>" reads better as "<del>cat</del><ins>dog</ins> ".
        spaces = min(len(removed) - len(removed.rstrip()), len(added) - len(added.rstrip()))
        while spaces and removed[-spaces:] != added[-spaces:]:
            spaces -= 1
        out.add(DELETE, removed[: len(removed) - spaces])
        out.add(INSERT, added[: len(added) - spaces])
        out.add(EQUAL, removed[len(removed) - spaces :])
    out.add(EQUAL, _text(a[len(a) - end :]))


def _opcodes(a: Sequence, b: Sequence) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes, within the budget. autojunk off while the budget allows:
    frequent words and characters ("the", 的, "，") must still anchor matches, or a one-word
    edit would show as a rewritten passage."""
    for autojunk in (False, True):
        if _work(a, b, autojunk=autojunk) <= _BUDGET:
            return SequenceMatcher(None, a, b, autojunk).get_opcodes()
    return [("replace", 0, len(a), 0, len(b))] if a or b else []


def _work(a: Sequence, b: Sequence, *, autojunk: bool) -> int:
    """Pairs of equal tokens SequenceMatcher visits in one pass over `a` and `b` (with
    autojunk, it leaves out tokens making more than 1% of a `b` of 200 tokens or more)."""
    in_b = Counter(b)
    popular = len(b) // 100 + 1 if autojunk and len(b) >= 200 else len(b)
    return sum(count * in_b[token] for token, count in Counter(a).items() if in_b[token] <= popular)


class _Segments:
    """Builds the list of segments, joining neighbours of one kind and dropping empty text."""

    def __init__(self) -> None:
        self._kinds: list[Kind] = []
        self._parts: list[list[str]] = []

    def add(self, kind: Kind, text: str) -> None:
        if not text:
            return
        last = self._kinds[-1] if self._kinds else None
        if kind == DELETE and last == INSERT:
            # An insertion next to a deletion: the deletion reads first (either order makes
            # the same old and new texts).
            if len(self._kinds) > 1 and self._kinds[-2] == DELETE:
                self._parts[-2].append(text)
            else:
                self._kinds.insert(-1, DELETE)
                self._parts.insert(-1, [text])
        elif kind == last:
            self._parts[-1].append(text)
        else:
            self._kinds.append(kind)
            self._parts.append([text])

    def segments(self) -> list[Segment]:
        return [
            Segment(kind, "".join(parts))
            for kind, parts in zip(self._kinds, self._parts, strict=True)
        ]


class _Revision(Protocol):
    number: int
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class RevisionChanges:
    """What one revision changed from the one before it."""

    older: _Revision
    newer: _Revision
    title: list[Segment]
    body: list[Segment]

    @property
    def title_changed(self) -> bool:
        return any(segment.kind != EQUAL for segment in self.title)

    @property
    def body_changed(self) -> bool:
        return any(segment.kind != EQUAL for segment in self.body)


def revision_changes(
    revisions: Sequence[_Revision], compare: object = None
) -> RevisionChanges | None:
    """What revision number `compare` changed from the revision before it; the latest
    revision when `compare` (a query-string value, say) names none after the first. None for
    fewer than two revisions. `revisions` in order of number."""
    if len(revisions) < 2:
        return None
    index = {str(revision.number): i for i, revision in enumerate(revisions)}.get(
        str(compare).strip()
    )
    if not index:  # missing, unknown, or the first revision
        index = len(revisions) - 1
    older, newer = revisions[index - 1], revisions[index]
    return RevisionChanges(
        older=older,
        newer=newer,
        title=diff(older.title, newer.title),
        body=diff(older.body, newer.body),
    )
