"""Roll up the oversight dashboard's closed days from a date (backfill, or after a change to
old decisions); the beat keeps the recent days rolled up by itself."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from approvals import rollups


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = "Roll up the oversight figures of every closed day from --since (to --until)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: yesterday).")

    def handle(self, *args, since: str, until: str | None, **options):
        first = _date(since)
        last = _date(until) if until else None
        if last is not None and last < first:
            raise CommandError("--until is before --since.")
        if first >= rollups.today():
            raise CommandError("Only closed days are rolled up: --since must be before today.")
        days = rollups.roll_up(since=first, until=last)
        self.stdout.write(f"Rolled up {len(days)} day(s): {days[0]} to {days[-1]}.")
