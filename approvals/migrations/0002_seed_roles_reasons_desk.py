"""Roles (groups and their model permissions), the standard reason codes, and a first desk.

These are the data the service needs to work at all; operators edit them in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASON_CODES = [
    ("rumour", "Rumour or unverified claim", True),
    ("violence", "Incitement to violence", True),
    ("terrorism", "Terrorism", True),
    ("pornography", "Pornography", True),
    ("defamation", "Defamation", True),
    ("copyright", "Copyright infringement", True),
    ("harassment", "Harassment", True),
    ("spam", "Spam", True),
    ("unapproved_source", "Unapproved news source", True),
    ("other", "Other (see note)", False),
]


def seed(apps, schema_editor):
    from accounts.roles import ROLE_PERMISSIONS

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )

    ReasonCode = apps.get_model("approvals", "ReasonCode")
    for code, label, is_violation in REASON_CODES:
        ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "is_violation": is_violation}
        )

    Desk = apps.get_model("approvals", "Desk")
    CategoryRoute = apps.get_model("approvals", "CategoryRoute")
    desk, _ = Desk.objects.get_or_create(
        slug="general", defaults={"name": "General", "description": "Everything not routed elsewhere."}
    )
    for category in ("news", "current_affairs", "other"):
        CategoryRoute.objects.get_or_create(category=category, defaults={"desk": desk})


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
