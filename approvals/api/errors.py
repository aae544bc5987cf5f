"""Service errors as JSON: 400 with field messages, 403, 409 naming who acted first."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from approvals.exceptions import Conflict, DuplicateExternalId, TransitionRefused


def exception_handler(exc, context):
    if isinstance(exc, DuplicateExternalId):
        return Response(
            {
                "detail": exc.message,
                "code": "duplicate_external_id",
                "post_id": exc.existing_post_id,
            },
            status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message, "code": "conflict"}, status.HTTP_409_CONFLICT)
    if isinstance(exc, TransitionRefused):
        return Response(
            {"detail": exc.message, "reasons": exc.reasons, "code": "refused"},
            status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # One shape for every 404, in the request's language, naming no model.
        return Response({"detail": _("Not found."), "code": "not_found"}, status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """404 for a URL no route matches: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return defaults.server_error(request)
