"""Text as screening reads it, whatever tricks were used to write it.

Each character of the original is normalised on its own, so every character of the result
knows where it came from (`Normalised.origin`) and a match can be shown in the original text:

- format and zero-width characters (Unicode category Cf: U+200B, U+200D, U+2060, U+FEFF, the
  soft hyphen…) and blank "letters" are dropped;
- Unicode NFKD folds full-width and other compatibility forms (ＢＲＥＡＫＩＮＧ → BREAKING) and
  splits accented letters, whose marks are then dropped (Prìme → Prime);
- case is folded;
- Cyrillic and Greek letters that look like Latin ones become those Latin letters; any other
  letter outside Chinese becomes its closest ASCII (anyascii: small capitals ᴘᴀʀʟɪᴀᴍᴇɴᴛ,
  circled and mathematical letters, ɩ, Armenian օ…);
- traditional Chinese characters become simplified ones (OpenCC's character table).

Separators inserted between letters are handled when the text is split into words
(approvals.screening.matching).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from anyascii import anyascii

# Letters from other scripts that readers take for Latin ones (lower case: we fold first).
LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y",
    "х": "x", "ь": "b", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "π": "n", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w",
    # Latin variants
    "ı": "i", "ȷ": "j", "ſ": "s", "ℓ": "l",
}  # fmt: skip

# Characters that draw nothing but are not format characters.
BLANKS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}


@cache
def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's traditional → simplified character table (first candidate of each)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        if simplified:
            table[traditional] = simplified.split()[0]
    return table


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF


def _fold(char: str) -> str:
    if char.isascii():
        return char
    if is_cjk(char):
        return _traditional_to_simplified().get(char, char)
    if char in LOOKALIKES:
        return LOOKALIKES[char]
    if char.isalpha():
        return anyascii(char).lower()
    return char


@lru_cache(maxsize=65536)
def normalise_char(char: str) -> str:
    if char in BLANKS or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return ""
    parts = unicodedata.normalize("NFKD", char).casefold()
    return "".join(_fold(c) for c in parts if unicodedata.category(c) not in ("Mn", "Me", "Cf"))


@dataclass(frozen=True)
class Normalised:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original of the character text[i]
    # Where words run together in camel case ("PrimeMinisterResigns"): positions in `text`
    # that start a new word although no separator stands before them.
    breaks: frozenset[int] = frozenset()

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """The original text's [start, end) behind the normalised text's [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> Normalised:
    chars: list[str] = []
    origin: list[int] = []
    breaks: set[int] = set()
    for index, char in enumerate(text):
        # A capital after two small letters starts a new word: "MinisterResigns".
        if (
            char.isupper()
            and index >= 2
            and text[index - 1].islower()
            and text[index - 2].islower()
        ):
            breaks.add(len(chars))
        for out in normalise_char(char):
            chars.append(out)
            origin.append(index)
    return Normalised("".join(chars), tuple(origin), frozenset(breaks))
