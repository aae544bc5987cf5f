"""`manage.py seed_load`: a realistic data set for measuring at scale (bench/scale_pages.py).

    DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=postgres://…/imp_load \\
        manage.py seed_load                       # 10,000,000 posts, 500,000 accounts, 20 desks
    manage.py seed_load --scale 0.001              # the same shape, a thousandth of the size
    manage.py seed_load --search-indexes           # only build missing GIN search indexes

Generated in SQL (bench/generate.py: INSERT … SELECT over generate_series, seeded random, in
batches with progress), into a migrated database without posts. The post table's secondary
indexes are dropped for the load and built again afterwards; then VACUUM ANALYZE.

The audit trail of the seeded history (posts newer than --audit-days, and every post still
waiting) is chained as approvals.audit chains entries, with this process's AUDIT_CHAIN_KEY:
`audit_verify` passes when run with the same key. Older decided posts have no revisions and no
history rows: they predate the trail in this data set.
"""

from django.core.management.base import BaseCommand, CommandError

from bench.generate import LoadPlan, build_search_indexes, seed


class Command(BaseCommand):
    help = "Fill an empty database with a large realistic data set (posts, accounts, desks)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=10_000_000)
        parser.add_argument("--accounts", type=int, default=500_000)
        parser.add_argument("--desks", type=int, default=20)
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply --posts and --accounts (e.g. 0.0002 for a quick run).",
        )
        parser.add_argument("--batch", type=int, default=250_000, help="Posts per statement.")
        parser.add_argument(
            "--audit-days",
            type=float,
            default=30.0,
            help="Posts newer than this get revisions and a chained history.",
        )
        parser.add_argument("--seed", type=float, default=0.42, help="setseed(), in [-1, 1].")
        parser.add_argument(
            "--search-indexes",
            action="store_true",
            help="Only build the missing search indexes (GIN) of a seeded database, as "
            "migrations 0014 and 0016 do; for a load stopped before they were done.",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Insert with the post indexes in place (slower at size).",
        )

    def handle(self, *args, **options):
        if options["search_indexes"]:
            took = build_search_indexes(
                say=lambda message: self.stdout.write(message) or self.stdout.flush()
            )
            self.stdout.write(self.style.SUCCESS(f"Search indexes built: {took}"))
            return
        scale = options["scale"]
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        posts = max(1, int(options["posts"] * scale))
        accounts = max(10, int(options["accounts"] * scale))
        if not 1 <= options["desks"] <= 200:
            raise CommandError("--desks must be between 1 and 200.")
        if not -1 <= options["seed"] <= 1:
            raise CommandError("--seed must be between -1 and 1.")
        plan = LoadPlan(
            posts=posts,
            accounts=accounts,
            desks=options["desks"],
            batch=max(1000, options["batch"]),
            audit_days=options["audit_days"],
            seed=options["seed"],
            reviewers=max(4, min(200, posts // 1000)),
            seniors=max(2, min(12, posts // 10_000)),
        )
        self.stdout.write(f"Seeding {posts:,} posts, {accounts:,} accounts, {plan.desks} desks.")
        try:
            stats = seed(
                plan,
                say=lambda message: self.stdout.write(message) or self.stdout.flush(),
                rebuild_indexes=not options["keep_indexes"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {stats['total_s']} s; "
                f"database {stats['database_bytes'] / 2**30:.2f} GiB; "
                f"{stats['audit_entries']:,} audit entries chained."
            )
        )
