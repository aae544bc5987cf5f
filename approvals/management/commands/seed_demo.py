"""Demo data for a first look: a desk, reviewers, authors and posts in several states, in
English and in Chinese (wang and li read Imprimatur in Simplified Chinese).

Everything is made through the services, so the history pages read as they would in use.
Runs once; a second run only prints the logins.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import AccountType, Role, User
from accounts.selectors import current_pledge
from accounts.services import (
    identity_approve,
    identity_submit,
    pledge_sign,
    two_factor,
    user_create,
)
from approvals import services
from approvals.models import Category, Desk
from approvals.platform import links
from approvals.platform import services as platform_services

PASSWORD = "imprimatur-demo"
DEMO_RECEIVER = "http://127.0.0.1:8001/webhooks"
LOGINS = [
    ("alice", "Alice Author", (Role.AUTHOR,), "verified author, has a strike"),
    ("olivia", "Olivia Org", (Role.AUTHOR,), "a verified organisation"),
    ("uma", "Uma Unverified", (Role.AUTHOR,), "not verified: drafts and 'other' only"),
    ("wang", "王伟", (Role.AUTHOR,), "verified author who writes in Chinese (中文)"),
    ("rita", "Rita Reviewer", (Role.REVIEWER,), "reviews the General desk"),
    ("li", "李娜", (Role.REVIEWER,), "reviewer who works in Chinese (中文)"),
    ("sam", "Sam Senior", (Role.REVIEWER, Role.SENIOR_REVIEWER), "senior: appeals, revocations"),
    ("admin", "Ada Operator", (Role.OPERATOR,), "operator, Django admin"),
]
CHINESE = ("wang", "li")  # their pages and emails are in Simplified Chinese


class Command(BaseCommand):
    help = "Create demo users, a desk and posts in several states (once)."

    def handle(self, *args, **options):
        if User.objects.filter(username="alice").exists():
            self.stdout.write("Demo data already present.")
        else:
            with transaction.atomic():
                self._seed()
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self.stdout.write(f"\nLog in at http://127.0.0.1:8000/ (password: {PASSWORD})")
        for username, name, _, what in LOGINS:
            self.stdout.write(f"  {username:<8} {name:<14} {what}")
        self._second_factor_codes()

    def _second_factor_codes(self) -> None:
        """Staff need a second factor as in production: fresh recovery codes on every run, a
        few of them printed, so a first look needs no authenticator app."""
        self.stdout.write(
            "\nStaff (rita, li, sam, admin) then enter a one-time code; each works once, and a new "
            "set is printed every time this runs. Set up an authenticator under My standing."
        )
        for user in User.objects.filter(username__in=[u for u, *_ in LOGINS]).order_by("pk"):
            if two_factor.second_factor_required(user):
                codes = two_factor.recovery_codes_renew(user=user)[:3]
                self.stdout.write(f"  {user.username:<8} {'  '.join(codes)}")

    def _seed(self) -> None:
        users = {}
        for username, name, roles, _ in LOGINS:
            users[username] = user_create(
                username=username,
                password=PASSWORD,
                email=f"{username}@example.org",
                display_name=name,
                roles=roles,
                account_type=(
                    AccountType.ORGANISATION if username == "olivia" else AccountType.INDIVIDUAL
                ),
            )
        # Demo addresses count as confirmed, so the demo's emails show in the console.
        User.objects.filter(pk__in=[u.pk for u in users.values()]).update(
            email_verified_at=timezone.now()
        )
        User.objects.filter(username__in=CHINESE).update(language="zh-hans")
        for user in users.values():
            user.refresh_from_db()
        admin = users["admin"]
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

        platform = platform_services.platform_create(name="Demo platform")
        key = platform_services.api_key_create(platform=platform, name="demo")
        platform_services.endpoint_create(platform=platform, url=DEMO_RECEIVER)
        self.stdout.write(f"Demo platform API key (shown once): {key.key}")
        self.stdout.write(f"Webhooks go to the demo receiver at {DEMO_RECEIVER}")
        for username in ("alice", "olivia", "uma", "wang"):  # the platform acts for these
            invitation = links.ConnectRequest(
                platform=platform, platform_user_id=f"demo-{username}"
            )
            links.link_allow(request=invitation, holder=users[username])

        desk = Desk.objects.get(slug="general")
        for reviewer in ("rita", "li", "sam"):
            services.desk_assign_reviewer(desk=desk, user=users[reviewer])

        alice, olivia, rita, sam = (users[u] for u in ("alice", "olivia", "rita", "sam"))
        pledge = current_pledge()
        wang, li = users["wang"], users["li"]
        for user, legal_name, kind, registration, country in (
            (alice, "Alice Anders", AccountType.INDIVIDUAL, "", "GB"),
            (olivia, "Olivia Media Ltd", AccountType.ORGANISATION, "09876543", "GB"),
            (wang, "王伟", AccountType.INDIVIDUAL, "", "CN"),
        ):
            identity = identity_submit(
                user=user,
                legal_name=legal_name,
                account_type=kind,
                registration_number=registration,
                document_type="passport" if not registration else "company_registration",
                issuing_country=country,
                document_number=f"DEMO{user.pk:06d}",
            )
            identity_approve(identity=identity, by=admin)
            with translation.override(user.language or None):  # signs the text they read
                pledge_sign(
                    user=user,
                    pledge=pledge,
                    typed_name=legal_name,
                    ip_address=None,
                    user_agent="seed",
                )
        identity_submit(
            user=users["uma"],
            legal_name="Uma Ulrich",
            account_type=AccountType.INDIVIDUAL,
            document_type="national_id",
            issuing_country="FR",
            document_number="DEMOFR123456",
        )

        def draft(author, title, body, category=Category.NEWS):
            return services.post_create(author=author, title=title, body=body, category=category)

        draft(alice, "Notes for next week", "Still writing this one.")
        for title in ("Council approves new tram line", "Flood warnings along the river"):
            services.post_submit(post=draft(olivia, title, f"{title}. Details follow."), by=olivia)

        post = services.post_submit(
            post=draft(alice, "Harbour reopens after repairs", "The harbour reopened today."),
            by=alice,
            note="The harbour master confirmed it by phone this morning.",
        )
        services.post_claim(post=post, by=rita)
        services.post_approve(post=post, by=rita, note="Sourced and accurate.")

        post = services.post_submit(
            post=draft(alice, "Mayor to resign, says a friend", "A friend says so."), by=alice
        )
        services.post_claim(post=post, by=rita)
        services.post_reject(
            post=post, by=rita, reason_code="rumour", note="One unnamed source is not enough."
        )
        services.post_appeal(post=post, by=alice, statement="My friend works at the town hall.")
        services.post_uphold(post=post, by=sam, note="Still one unnamed source.")  # a strike

        post = services.post_submit(
            post=draft(
                alice, "School term dates", "Term starts on the 4th.", Category.CURRENT_AFFAIRS
            ),
            by=alice,
        )
        services.post_claim(post=post, by=sam)
        services.post_request_changes(
            post=post, by=sam, note="Say which schools and link the council notice."
        )

        services.post_submit(
            post=draft(alice, "My favourite recipes", "Soup.", Category.OTHER), by=alice
        )

        self._seed_chinese(wang=wang, li=li, sam=sam)

    def _seed_chinese(self, *, wang: User, li: User, sam: User) -> None:
        """王伟's posts, reviewed by 李娜: the same states as the English ones."""

        def draft(title, body, category=Category.NEWS):
            return services.post_create(author=wang, title=title, body=body, category=category)

        draft("下周采访提纲", "还在写。")
        services.post_submit(
            post=draft(
                "地铁三号线延长段今日开通",
                "市交通局今天上午宣布，地铁三号线延长段正式开通运营，新增六座车站。",
            ),
            by=wang,
            note="消息来自市交通局官网今天上午的公告。",
        )
        post = services.post_submit(
            post=draft("暴雨预警：今晚至明天有大到暴雨", "市气象台今天下午发布暴雨黄色预警。"),
            by=wang,
        )
        services.post_claim(post=post, by=li)
        services.post_approve(post=post, by=li, note="来源可靠，内容准确。")

        post = services.post_submit(post=draft("听说市长要辞职了", "一位朋友告诉我的。"), by=wang)
        services.post_claim(post=post, by=li)
        services.post_reject(
            post=post, by=li, reason_code="rumour", note="只有一个匿名消息来源，不足以发布。"
        )

        post = services.post_submit(
            post=draft(
                "市区部分学校调整开学时间",
                "新学期将于九月四日开始。",
                Category.CURRENT_AFFAIRS,
            ),
            by=wang,
        )
        services.post_claim(post=post, by=sam)
        services.post_request_changes(
            post=post, by=sam, note="请注明是哪些学校，并附上教育局通知的链接。"
        )

        services.post_submit(
            post=draft("我最喜欢的家常菜", "西红柿炒鸡蛋。", Category.OTHER), by=wang
        )
