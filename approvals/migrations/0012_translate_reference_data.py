from django.db import migrations

from approvals.reference_data import translate_reference_data


def forwards(apps, schema_editor):
    translate_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0011_languages"),
        ("accounts", "0008_languages"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
