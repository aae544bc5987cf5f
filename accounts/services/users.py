"""Creating accounts and giving them roles."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.languages import supported
from accounts.models import AccountType, Role, User
from accounts.time_zones import zone_named


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    display_name: str = "",
    account_type: str = AccountType.INDIVIDUAL,
    roles: tuple[Role, ...] = (Role.AUTHOR,),
    language: str = "",
) -> User:
    """Create an account holder (or staff member) with the given roles. Without a password
    the account cannot log in until its holder sets one (a platform's onboarding link)."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
        account_type=account_type,
        language=supported(language) or "",
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_set_roles(user=user, roles=roles)
    return user


def user_set_roles(*, user: User, roles: tuple[Role, ...]) -> None:
    groups = [Group.objects.get(name=role) for role in roles]
    user.groups.add(*groups)


def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """The zone the user's times are shown in ("" for the browser's)."""
    if time_zone and zone_named(time_zone) is None:
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")})
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """The language the user's pages and emails are in ("" for the browser's)."""
    if language and supported(language) != language:
        raise ValidationError({"language": _("Choose a language from the list.")})
    user.language = language
    user.save(update_fields=["language"])
    return user
