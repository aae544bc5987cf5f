"""New permissions for roles (verify identity, apply sanctions) and the first pledge."""

from django.db import migrations

from approvals.reference_data import ensure_reference_data


def seed(apps, schema_editor):
    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_platform_outbox"),
        ("accounts", "0002_identity_pledge_standing"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
