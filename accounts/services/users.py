"""Creating accounts and giving them roles."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import AccountType, Role, User


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
