"""Walk the audit chain from the first entry to the head and name the first broken or
missing link. Exit status 1 when the chain is broken."""

import time

from django.core.management.base import BaseCommand, CommandError

from approvals.audit import stored_entries, verify_chain
from approvals.models import AuditChainHead


class Command(BaseCommand):
    help = "Check the audit trail's hash chain end to end."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=10_000, help="Entries read per query (default 10000)."
        )

    def handle(self, *args, batch: int, **options):
        started = time.perf_counter()
        head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
        report = verify_chain(stored_entries(batch=batch), head=head)
        seconds = time.perf_counter() - started
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The audit chain is intact: {report.checked} entries checked in "
                    f"{seconds:.1f} s."
                )
            )
            return
        raise CommandError(
            f"The audit chain is broken: {report.problem}. "
            f"({report.checked} entries before it are intact; {seconds:.1f} s.)"
        )
