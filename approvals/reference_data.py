"""Reference data the service needs to work at all: roles (groups and their model
permissions), the standard reason codes, and a first desk that every category routes to.

`ensure_reference_data` is idempotent and takes an app registry, so the data migration and
tests that flush the database (transactional tests) share one definition.
"""

from django.contrib.auth.management import create_permissions

from accounts.roles import ROLE_PERMISSIONS
from approvals.audit import GENESIS
from approvals.screening.seed import ensure_screening_data

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


PLEDGE_V1 = """I publish news under my own verified name, or my organisation's.
I report only what I have good reason to believe is true, and I say where it comes from.
I do not publish rumour as fact, and I correct my mistakes openly.
I do not incite violence or terrorism, or publish pornography.
I do not defame, harass or impersonate anyone.
I respect copyright and credit the work of others.
I accept the reviewers' decisions, and I appeal them only through Imprimatur."""


def ensure_reference_data(apps) -> None:
    # Permissions are normally created after migrate; create them now so roles can hold them.
    # (A migration's app registry has no models_module, which create_permissions requires.)
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:  # an early migration runs before later models exist
                group.permissions.add(permission)

    ReasonCode = apps.get_model("approvals", "ReasonCode")
    for code, label, is_violation in REASON_CODES:
        ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "is_violation": is_violation}
        )

    Desk = apps.get_model("approvals", "Desk")
    CategoryRoute = apps.get_model("approvals", "CategoryRoute")
    desk, _ = Desk.objects.get_or_create(
        slug="general",
        defaults={"name": "General", "description": "Everything not routed elsewhere."},
    )
    for category in ("news", "current_affairs", "other"):
        CategoryRoute.objects.get_or_create(category=category, defaults={"desk": desk})

    try:
        PledgeVersion = apps.get_model("accounts", "PledgeVersion")
    except LookupError:  # an early migration: the pledge arrives in a later one
        return
    if not PledgeVersion.objects.exists():
        PledgeVersion.objects.create(version=1, clauses=PLEDGE_V1)

    try:
        apps.get_model("approvals", "WatchedTerm")
        AuditChainHead = apps.get_model("approvals", "AuditChainHead")
    except LookupError:  # an early migration: screening and the chain arrive later
        return
    ensure_screening_data(apps)
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
