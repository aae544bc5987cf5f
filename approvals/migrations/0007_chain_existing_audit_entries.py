"""Put the audit entries written before the chain existed into it, in the order they were
written; hash every revision with the canonical content hash; seed screening terms."""

from django.db import migrations

from approvals.audit import CHAINED_FIELDS, GENESIS, chain_hash
from approvals.models import CONTENT_HASH_ALGORITHM, content_hash
from approvals.reference_data import ensure_reference_data


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("approvals", "AuditEntry")
    AuditChainHead = apps.get_model("approvals", "AuditChainHead")
    prev_hash, seq = GENESIS, 0
    for entry in AuditEntry.objects.order_by("created_at", "id").iterator(chunk_size=2000):
        seq += 1
        entry.seq, entry.prev_hash = seq, prev_hash
        values = {field: getattr(entry, field) for field in CHAINED_FIELDS[:-2]}
        entry.hash = chain_hash(prev_hash, values)
        entry.save(update_fields=["seq", "prev_hash", "hash"])
        prev_hash = entry.hash
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev_hash})


def rehash_revisions(apps, schema_editor):
    Revision = apps.get_model("approvals", "Revision")
    for revision in Revision.objects.iterator(chunk_size=2000):
        revision.content_hash = content_hash(revision.title, revision.body)
        revision.content_hash_algorithm = CONTENT_HASH_ALGORITHM
        revision.save(update_fields=["content_hash", "content_hash_algorithm"])


def seed(apps, schema_editor):
    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0006_gate_records_links_screening"),
        ("accounts", "0003_gate_records_links_screening"),
    ]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(rehash_revisions, migrations.RunPython.noop),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
