"""Which accounts a platform may act for, and which posts it may see.

A platform acts only for accounts linked to it: accounts it created through the API (the
holder then opens an onboarding link to set a password, verify their real name and sign the
pledge), or accounts whose holder allowed it in the browser. Never for staff accounts. A link
can be revoked by the platform or by the holder; from then on the platform can neither submit
for the account nor hear about it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AccountType, User
from accounts.roles import STAFF_PERMISSIONS, is_staff_account
from accounts.selectors import with_submission_facts
from accounts.services import user_create
from approvals.models import PUBLISHABLE_STATES, LinkOrigin, Platform, PlatformAccount, Post

CONNECT_SALT = "imprimatur.platform-connect"

# The one answer for an author a platform may not act for, whether the account exists or not.
UNKNOWN_AUTHOR = gettext_lazy("No account by that name is linked to this platform.")


# --- reading -------------------------------------------------------------------------------


def linked_account(
    *, platform: Platform, username: str, for_submission: bool = False
) -> User | None:
    """The account called `username`, if it is linked to `platform` now and not staff; one
    query. With `for_submission`, the account comes with what deciding a submission reads
    about it (accounts.selectors.with_submission_facts), and, only if the unverified daily
    allowance can apply to it, its row is locked: one submission at a time per such account,
    so the allowance holds under concurrent requests. (A verified account's submissions do
    not wait for each other: nothing they decide counts the others.)"""
    staff_grant = Permission.objects.filter(
        Q(group__user=OuterRef("pk")) | Q(user=OuterRef("pk")),
        codename__in=[perm.split(".")[1] for perm in STAFF_PERMISSIONS],
    )
    accounts = User.objects.filter(
        username=username,
        is_active=True,
        is_staff=False,
        is_superuser=False,
        platform_links__platform=platform,
        platform_links__revoked_at__isnull=True,
    ).exclude(Exists(staff_grant))
    if not for_submission:
        return accounts.select_related("identity").first()
    account = with_submission_facts(accounts.select_related("identity")).first()
    if account is not None and not account.identity_verified:
        User.objects.select_for_update(no_key=True).filter(pk=account.pk).values_list("pk").get()
    return account


def links_of_platform(*, platform: Platform) -> QuerySet[PlatformAccount]:
    return (
        PlatformAccount.objects.filter(platform=platform, revoked_at__isnull=True)
        .select_related("user__identity")
        .order_by("-created_at", "-id")
    )


def links_of_holder(*, user: User) -> QuerySet[PlatformAccount]:
    return (
        PlatformAccount.objects.filter(user=user)
        .select_related("platform")
        .order_by("revoked_at", "-created_at")
    )


def _own_posts(platform: Platform) -> Q:
    """The posts it submitted and those its accounts submitted in the browser (which are
    published to it), while the author is linked to it; a draft is its author's alone."""
    linked = PlatformAccount.objects.filter(platform=platform, revoked_at__isnull=True)
    by_linked = Q(author__in=linked.values("user"))
    return (
        (Q(platform=platform) | Q(platform__isnull=True))
        & by_linked
        & Q(submitted_at__isnull=False)
    )


def posts_of_platform(*, platform: Platform) -> QuerySet[Post]:
    """What the platform lists and acts on."""
    return Post.objects.filter(_own_posts(platform))


def posts_visible_to_platform(*, platform: Platform) -> QuerySet[Post]:
    """Its own posts and published (approved or cleared) ones: nothing else."""
    return Post.objects.filter(_own_posts(platform) | Q(state__in=PUBLISHABLE_STATES))


# --- links made by the platform -----------------------------------------------------------


@dataclass(frozen=True)
class Onboarding:
    url: str
    expires_at: datetime


def onboarding_for(*, user: User) -> Onboarding | None:
    """The link a holder opens to set their password and go on to verify their identity and
    sign the pledge. None once they have a password (they log in as usual)."""
    if user.has_usable_password():
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("onboard", args=[uid, token])
    expires = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return Onboarding(url=f"{settings.SITE_URL}{path}", expires_at=expires)


@transaction.atomic
def account_create_for_platform(
    *,
    platform: Platform,
    platform_user_id: str,
    username: str,
    email: str,
    display_name: str = "",
    account_type: str = AccountType.INDIVIDUAL,
) -> PlatformAccount:
    """A new account for one of the platform's users, linked to it. It has no password
    until the holder opens the onboarding link."""
    _refuse_taken_platform_user_id(platform, platform_user_id)
    username = User.normalize_username(username)  # as it will be stored (NFKC)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken; choose another.")})
    user = user_create(
        username=username,
        password=None,
        email=email,
        display_name=display_name,
        account_type=account_type,
    )
    return _link(platform, user, platform_user_id, LinkOrigin.API, created_by=None)


def _refuse_taken_platform_user_id(platform: Platform, platform_user_id: str) -> None:
    live = PlatformAccount.objects.filter(
        platform=platform, platform_user_id=platform_user_id, revoked_at__isnull=True
    )
    if live.exists():
        raise ValidationError(
            {"platform_user_id": _("This id is already linked to an account; unlink it first.")}
        )


def _link(
    platform: Platform, user: User, platform_user_id: str, origin: str, created_by: User | None
) -> PlatformAccount:
    if is_staff_account(user):
        raise PermissionDenied(_("Staff accounts cannot be linked to a platform."))
    try:
        with transaction.atomic():
            return PlatformAccount.objects.create(
                platform=platform,
                user=user,
                platform_user_id=platform_user_id,
                origin=origin,
                created_by=created_by,
            )
    except IntegrityError as error:  # a concurrent link for the same account or id won
        raise ValidationError(
            {"platform_user_id": _("This account or id was just linked; reload and try again.")}
        ) from error


@transaction.atomic
def link_revoke(*, link: PlatformAccount, by: User | None) -> PlatformAccount:
    """End a link (`by` is the holder, or None when the platform unlinks through the API)."""
    link = PlatformAccount.objects.select_for_update(no_key=True).get(pk=link.pk)
    if by is not None and by.pk != link.user_id:
        raise PermissionDenied(_("Only the account holder may remove this link."))
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = timezone.now(), by
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link


# --- links allowed by the holder ----------------------------------------------------------


@dataclass(frozen=True)
class ConnectRequest:
    platform: Platform
    platform_user_id: str


def connect_url(*, platform: Platform, platform_user_id: str) -> Onboarding:
    """A signed link the platform gives its user; opening it (signed in) asks the holder
    whether to allow the platform to act for their account."""
    token = signing.dumps({"p": platform.pk, "u": platform_user_id}, salt=CONNECT_SALT)
    path = reverse("platform_connect", args=[token])
    expires = timezone.now() + settings.PLATFORM_CONNECT_MAX_AGE
    return Onboarding(url=f"{settings.SITE_URL}{path}", expires_at=expires)


def connect_request(*, token: str) -> ConnectRequest:
    """The request behind a connect link, or a ValidationError if it is forged or stale."""
    max_age = settings.PLATFORM_CONNECT_MAX_AGE.total_seconds()
    try:
        payload = signing.loads(token, salt=CONNECT_SALT, max_age=max_age)
        platform = Platform.objects.get(pk=payload["p"], active=True)
    except (signing.BadSignature, Platform.DoesNotExist, KeyError, TypeError) as error:
        raise ValidationError(
            _("This link is not valid or has expired; ask the platform again.")
        ) from error
    return ConnectRequest(platform=platform, platform_user_id=str(payload["u"]))


@transaction.atomic
def link_allow(*, request: ConnectRequest, holder: User) -> PlatformAccount:
    """The holder allows the platform to act for their account, as its user `platform_user_id`."""
    existing = PlatformAccount.objects.filter(
        platform=request.platform, user=holder, revoked_at__isnull=True
    ).first()
    if existing is not None:
        if existing.platform_user_id == request.platform_user_id:
            return existing
        raise ValidationError(
            _(
                "Your account is already linked to %(platform)s as another user; "
                "remove that link first."
            )
            % {"platform": request.platform.name}
        )
    _refuse_taken_platform_user_id(request.platform, request.platform_user_id)
    return _link(
        request.platform, holder, request.platform_user_id, LinkOrigin.HOLDER, created_by=holder
    )
