"""Reference data the service needs to work at all: roles (groups and their model
permissions), the standard reason codes, and a first desk that every category routes to.

`ensure_reference_data` is idempotent and takes an app registry, so the data migration and
tests that flush the database (transactional tests) share one definition.
"""

from django.contrib.auth.management import create_permissions

from accounts.roles import ROLE_PERMISSIONS
from approvals.audit import GENESIS
from approvals.screening.seed import ensure_screening_data

# Code, English label, Simplified Chinese label, counts as a strike.
REASON_CODES = [
    ("rumour", "Rumour or unverified claim", "谣言或未经证实的说法", True),
    ("violence", "Incitement to violence", "煽动暴力", True),
    ("terrorism", "Terrorism", "恐怖主义", True),
    ("pornography", "Pornography", "色情内容", True),
    ("defamation", "Defamation", "诽谤", True),
    ("copyright", "Copyright infringement", "侵犯版权", True),
    ("harassment", "Harassment", "骚扰", True),
    ("spam", "Spam", "垃圾信息", True),
    ("unapproved_source", "Unapproved news source", "未经批准的新闻来源", True),
    ("other", "Other (see note)", "其他（见备注）", False),
]

GENERAL_DESK = {
    "slug": "general",
    "name": "General",
    "name_zh_hans": "综合组",
    "description": "Everything not routed elsewhere.",
    "description_zh_hans": "未分派到其他审核组的所有内容。",
}


PLEDGE_V1 = """I publish news under my own verified name, or my organisation's.
I report only what I have good reason to believe is true, and I say where it comes from.
I do not publish rumour as fact, and I correct my mistakes openly.
I do not incite violence or terrorism, or publish pornography.
I do not defame, harass or impersonate anyone.
I respect copyright and credit the work of others.
I accept the reviewers' decisions, and I appeal them only through Imprimatur."""

PLEDGE_V1_TITLE_ZH_HANS = "Imprimatur 承诺书"
PLEDGE_V1_ZH_HANS = """我以本人或本机构经过验证的真实姓名发布新闻。
我只报道有充分理由相信属实的内容，并注明消息来源。
我不把谣言当作事实发布，并公开更正自己的错误。
我不煽动暴力或恐怖主义，也不发布色情内容。
我不诽谤、骚扰或冒充任何人。
我尊重版权，并注明他人作品的出处。
我接受审核员的决定，只通过 Imprimatur 提出申诉。"""


def _translated(Model, values: dict) -> dict:
    """`values` without the translation columns a migration's model does not have yet."""
    names = {field.name for field in Model._meta.get_fields()}
    return {key: value for key, value in values.items() if key in names}


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
    for code, label, label_zh_hans, is_violation in REASON_CODES:
        ReasonCode.objects.get_or_create(
            code=code,
            defaults=_translated(
                ReasonCode,
                {"label": label, "label_zh_hans": label_zh_hans, "is_violation": is_violation},
            ),
        )

    Desk = apps.get_model("approvals", "Desk")
    CategoryRoute = apps.get_model("approvals", "CategoryRoute")
    desk, _ = Desk.objects.get_or_create(
        slug=GENERAL_DESK["slug"], defaults=_translated(Desk, GENERAL_DESK)
    )
    for category in ("news", "current_affairs", "other"):
        CategoryRoute.objects.get_or_create(category=category, defaults={"desk": desk})

    try:
        PledgeVersion = apps.get_model("accounts", "PledgeVersion")
    except LookupError:  # an early migration: the pledge arrives in a later one
        return
    if not PledgeVersion.objects.exists():
        PledgeVersion.objects.create(
            version=1,
            **_translated(
                PledgeVersion,
                {
                    "clauses": PLEDGE_V1,
                    "clauses_zh_hans": PLEDGE_V1_ZH_HANS,
                    "title_zh_hans": PLEDGE_V1_TITLE_ZH_HANS,
                },
            ),
        )

    try:
        apps.get_model("approvals", "WatchedTerm")
        AuditChainHead = apps.get_model("approvals", "AuditChainHead")
    except LookupError:  # an early migration: screening and the chain arrive later
        return
    ensure_screening_data(apps)
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})

    try:
        apps.get_model("approvals", "NoteTemplate")
    except LookupError:  # an early migration: note templates arrive in 0020
        return
    from approvals.note_templates import ensure_note_templates

    ensure_note_templates(apps)


def translate_reference_data(apps) -> None:
    """Write the Chinese of the standard reason codes, the first desk and the first pledge
    into rows made before those columns existed (where nobody has written one)."""
    import pgtrigger

    ReasonCode = apps.get_model("approvals", "ReasonCode")
    for code, _label, label_zh_hans, _violation in REASON_CODES:
        ReasonCode.objects.filter(code=code, label_zh_hans="").update(label_zh_hans=label_zh_hans)
    apps.get_model("approvals", "Desk").objects.filter(
        slug=GENERAL_DESK["slug"], name_zh_hans=""
    ).update(
        name_zh_hans=GENERAL_DESK["name_zh_hans"],
        description_zh_hans=GENERAL_DESK["description_zh_hans"],
    )
    # A translation of the text people signed, not a change to it: past the kept-row trigger.
    with pgtrigger.ignore("accounts.PledgeVersion:pledge_is_kept"):
        apps.get_model("accounts", "PledgeVersion").objects.filter(
            version=1, clauses=PLEDGE_V1, clauses_zh_hans=""
        ).update(clauses_zh_hans=PLEDGE_V1_ZH_HANS, title_zh_hans=PLEDGE_V1_TITLE_ZH_HANS)
