from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from approvals.models import ApiKey, Platform
from approvals.platform.services import api_key_authenticate


class PlatformClient:
    """request.user for API calls: the platform behind the key (not a person)."""

    is_authenticated = True
    is_active = True

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.platform: Platform = api_key.platform
        self.pk = f"platform-{self.platform.pk}"

    def __str__(self) -> str:
        return self.platform.name


class PlatformKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer imp_…`. A revoked key stops working on the next request."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != b"bearer":
            return None
        if len(words) != 2:
            raise AuthenticationFailed(_("Send the API key as: Authorization: Bearer <key>."))
        api_key = api_key_authenticate(key=words[1].decode(errors="replace"))
        if api_key is None:
            raise AuthenticationFailed(_("Unknown or revoked API key."))
        return PlatformClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="imprimatur"'


class PlatformKeyScheme(OpenApiAuthenticationExtension):
    target_class = PlatformKeyAuthentication
    name = "platformKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("A platform API key, imp_…"),
        }
