"""Roles, and the permissions that come from them.

Roles are Django groups; `ROLE_PERMISSIONS` (applied by a data migration) says which model
permissions each holds. Deciding anything (a post, an appeal, a sanction, an identity) asks
`holds`, which reads only what the user's roles and own grants give: superuser status is
for administering the service, and is no way around the roles, desks or separation of duties.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "author": ["approvals.add_post"],
    "reviewer": ["approvals.review_post"],
    "senior_reviewer": [
        "approvals.review_post",
        "approvals.decide_appeal",
        "approvals.revoke_post",
        "approvals.release_any_claim",
        "accounts.apply_sanction",
    ],
    "operator": [
        "approvals.view_post",
        "approvals.add_desk",
        "approvals.change_desk",
        "approvals.view_desk",
        "approvals.add_reasoncode",
        "approvals.change_reasoncode",
        "approvals.view_reasoncode",
        "approvals.view_auditentry",
        "accounts.verify_identity",
    ],
}

# Accounts in these roles work for Imprimatur; no platform may act for them. So does anyone
# granted one of the permissions those roles carry, however it was granted.
STAFF_ROLES = ("reviewer", "senior_reviewer", "operator")
STAFF_PERMISSIONS = frozenset(
    perm for role in STAFF_ROLES for perm in ROLE_PERMISSIONS[role]
) - frozenset(ROLE_PERMISSIONS["author"])


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_permissions(user) -> frozenset[str]:
    """ "app_label.codename" of every permission the user's groups and own grants give,
    superuser status aside. One query, then cached on the user object for the request."""
    if not _signed_in(user) or not hasattr(user, "_meta"):
        return frozenset()
    cached = getattr(user, "_role_permissions", None)
    if cached is None:
        # A UNION of the two grants, not one query with OR: with an OR across the two joins
        # PostgreSQL reads every account's group membership (1.1 s at 500,000 accounts).
        fields = ("content_type__app_label", "codename")
        rows = (
            Permission.objects.filter(group__user=user)
            .values_list(*fields)
            .union(Permission.objects.filter(user=user).values_list(*fields))
        )
        cached = frozenset(f"{app_label}.{codename}" for app_label, codename in rows)
        user._role_permissions = cached
    return cached


def holds(user, perm: str) -> bool:
    """Does the user hold `perm` through a role or an explicit grant (never as superuser)?"""
    return perm in role_permissions(user)


def is_staff_account(user) -> bool:
    """Imprimatur's own people: admin users, and anyone holding a permission of a reviewing
    or operating role (through a group or granted directly)."""
    if user.is_staff or user.is_superuser:
        return True
    return bool(role_permissions(user) & STAFF_PERMISSIONS)


def role_required(perm: str):
    """View decorator: signed in, and holding `perm` through a role (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not holds(request.user, perm):
                raise PermissionDenied(_("This page is for staff in the right role."))
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorate
