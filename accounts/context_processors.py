"""What the navigation may offer the signed-in user: by role, never by superuser status."""

from accounts.roles import holds
from approvals.oversight import may_oversee


def roles(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "can": {
            "review": holds(user, "approvals.review_post"),
            "verify": holds(user, "accounts.verify_identity"),
            "sanction": holds(user, "accounts.apply_sanction"),
            "appeals": holds(user, "approvals.decide_appeal"),
            "oversee": may_oversee(user),
        }
    }
