"""Search (approvals.search): pg_trgm and GIN trigram indexes on PostgreSQL; nothing on SQLite.

The indexes serve `column ILIKE '%word%'` for words of three characters or more (pg_trgm needs
one whole trigram in the pattern). They are built CONCURRENTLY, so a large table stays writable
while they build; hence a non-atomic migration. The models do not declare them (a GIN index with
an operator class would make the SQLite schema fail), so makemigrations leaves them alone.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "post_title_trgm_idx": ("approvals_post", "title"),
    "post_body_trgm_idx": ("approvals_post", "body"),
    "post_note_trgm_idx": ("approvals_post", "decision_note"),
    "audit_note_trgm_idx": ("approvals_auditentry", "note"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("approvals", "0013_verbose_names"),
    ]

    operations = [
        TrigramExtension(),  # a no-op on other databases
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
