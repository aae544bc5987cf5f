"""factory-boy factories. Posts reach their state through the real services."""

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import (
    DocumentType,
    Identity,
    PledgeSignature,
    Role,
    User,
    VerificationState,
)
from accounts.selectors import current_pledge
from accounts.services.two_factor import RECOVERY
from approvals import services
from approvals.models import Category, Desk, Post, State

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Verified by default; `verified=False` for an account that has not been checked."""
        if extracted is False:
            return
        Identity.objects.get_or_create(
            user=self,
            defaults={
                "state": VerificationState.VERIFIED,
                "legal_name": self.display_name or self.username,
                "document_type": DocumentType.PASSPORT,
                "issuing_country": "GB",
                "document_last4": "1234",
            },
        )

    @factory.post_generation
    def pledged(self, create, extracted, **kwargs):
        """Has signed the current pledge by default; `pledged=False` otherwise."""
        pledge = current_pledge()
        if extracted is False or pledge is None:
            return
        PledgeSignature.objects.get_or_create(
            user=self, pledge=pledge, defaults={"typed_name": self.display_name or self.username}
        )

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = list(extracted or [Role.AUTHOR])
        self.groups.add(*Group.objects.filter(name__in=roles))

    @factory.post_generation
    def reviewer_on(self, create, extracted, **kwargs):
        """`reviewer_on=[desk, …]`: a reviewer serving these desks."""
        if extracted:
            self.groups.add(Group.objects.get(name=Role.REVIEWER))
            for desk in extracted:
                services.desk_assign_reviewer(desk=desk, user=self)


class DeskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Desk
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")


# The path through the lifecycle to each state: (service, who acts, extra arguments).
PATHS: dict[str, list[tuple[str, str, dict]]] = {
    State.DRAFT: [],
    State.SUBMITTED: [("submit", "author", {})],
    State.UNDER_REVIEW: [("submit", "author", {}), ("claim", "reviewer", {})],
    State.APPROVED: [
        ("submit", "author", {}),
        ("claim", "reviewer", {}),
        ("approve", "reviewer", {}),
    ],
    State.REJECTED: [
        ("submit", "author", {}),
        ("claim", "reviewer", {}),
        ("reject", "reviewer", {"reason_code": "rumour", "note": "Unsourced."}),
    ],
    State.CHANGES_REQUESTED: [
        ("submit", "author", {}),
        ("claim", "reviewer", {}),
        ("request_changes", "reviewer", {"note": "Name your source."}),
    ],
    State.WITHDRAWN: [("withdraw", "author", {})],
}
PATHS[State.APPEALED] = [*PATHS[State.REJECTED], ("appeal", "author", {"statement": "It is true."})]
PATHS[State.REVOKED] = [*PATHS[State.APPROVED], ("revoke", "senior", {"reason_code": "rumour"})]


class PostFactory(factory.django.DjangoModelFactory):
    """`PostFactory(state=State.REJECTED, reviewer=rita)` walks a new draft to that state."""

    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Harbour story {n}")
    body = factory.Sequence(lambda n: f"The harbour reopened on day {n}, the port authority said.")
    category = Category.NEWS

    @classmethod
    def _create(cls, model_class, *args, state=State.DRAFT, reviewer=None, senior=None, **kwargs):
        post = services.post_create(**kwargs)
        actors = {"author": post.author, "reviewer": reviewer, "senior": senior}
        for name, actor, extra in PATHS[state]:
            service = getattr(services, f"post_{name}")
            post = service(post=post, by=actors[actor], **extra)
        return post


def link_account(*, platform, user, platform_user_id: str = ""):
    """Link `user` to `platform` as its holder would (the platform may then act for them)."""
    from approvals.platform import links

    invitation = links.ConnectRequest(
        platform=platform, platform_user_id=platform_user_id or f"{platform.pk}-{user.username}"
    )
    return links.link_allow(request=invitation, holder=user)


def second_factor_device(user) -> StaticDevice:
    """The staff member's recovery-code device, as if they had set up their second factor."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY, defaults={"confirmed": True}
    )
    return device


def one_time_code(user) -> str:
    """A fresh recovery code for a staff member, for tests that log in through the forms."""
    token = StaticToken.random_token()
    second_factor_device(user).token_set.create(token=token)
    return token
