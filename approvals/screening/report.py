"""How well screening finds undeclared news: recall on news, false positives on the rest,
overall and per evasion kind, over a labelled corpus (tests/data/screening_corpus.jsonl)."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from approvals.screening import Matcher, screen

CORPUS = Path(settings.BASE_DIR) / "tests" / "data" / "screening_corpus.jsonl"


@dataclass
class Tally:
    news: int = 0
    found: int = 0
    other: int = 0
    false_positives: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.news if self.news else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.false_positives / self.other if self.other else None


def evaluate(matcher: Matcher | None = None, corpus: Path = CORPUS) -> dict[str, Tally]:
    """Tallies keyed "all", "<lang>" and "<lang>/<evasion>"."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        flagged = screen(title=item["title"], body=item["body"], matcher=matcher).flagged
        for key in ("all", item["lang"], f"{item['lang']}/{item['evasion']}"):
            tally = tallies[key]
            if item["label"] == "news":
                tally.news += 1
                tally.found += flagged
                if not flagged:
                    tally.missed.append(item["id"])
            else:
                tally.other += 1
                tally.false_positives += flagged
    return dict(tallies)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def table(tallies: dict[str, Tally]) -> str:
    rows = [("", "news", "recall", "other", "false positives")]
    order = sorted(tallies, key=lambda k: (k != "all", "/" in k, k))
    for key in order:
        t = tallies[key]
        rows.append((key, str(t.news), _pct(t.recall), str(t.other), _pct(t.false_positive_rate)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
