"""Errors the services raise; views and the API translate them (form message, 400/403/409).

Django's own PermissionDenied (403) and ValidationError (400, per field) are used as they are.
"""

from django.utils.translation import gettext as _


class ServiceError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(ServiceError):
    """Someone else changed the post first ("Already claimed by Alice"). HTTP 409."""


class TransitionRefused(ServiceError):
    """The transition exists from this state but what it needs is missing. HTTP 400."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


class DuplicateExternalId(Conflict):
    """The platform already submitted a post with this `external_id`. HTTP 409."""

    def __init__(self, existing_post_id: int):
        super().__init__(
            _("A post with this external_id exists already (id %(id)s).") % {"id": existing_post_id}
        )
        self.existing_post_id = existing_post_id
