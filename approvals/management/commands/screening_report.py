"""Print screening's recall and false-positive rate on the labelled corpus, overall and per
language and evasion kind, with the watched terms as they are in the database now."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from approvals import screening
from approvals.screening.report import CORPUS, evaluate, table


class Command(BaseCommand):
    help = "Measure screening on the labelled corpus (recall on news, false positives)."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", default=str(CORPUS))
        parser.add_argument("--json", action="store_true", help="Print JSON instead.")
        parser.add_argument("--missed", action="store_true", help="List the news missed.")

    def handle(self, *args, corpus, missed: bool, **options):
        screening.forget_matcher()
        tallies = evaluate(corpus=Path(corpus))
        if options["json"]:
            self.stdout.write(_as_json(tallies))
            return
        self.stdout.write(table(tallies))
        overall = tallies["all"]
        recall_met = "met" if overall.recall >= 0.95 else "NOT met"
        fp_met = "met" if overall.false_positive_rate <= 0.10 else "NOT met"
        self.stdout.write(
            f"\nTargets: recall ≥ 95 % ({recall_met}), false positives ≤ 10 % ({fp_met})."
        )
        if missed:
            self.stdout.write("Missed: " + ", ".join(overall.missed))


def _as_json(tallies) -> str:
    return json.dumps(
        {
            key: {
                "news": t.news,
                "recall": t.recall,
                "other": t.other,
                "false_positive_rate": t.false_positive_rate,
            }
            for key, t in tallies.items()
        },
        indent=2,
    )
