"""Request bodies with limits: what is too big or too deep is a JSON 413 or 400, not a 500."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


class BoundedJSONParser(JSONParser):
    """JSON of at most API_MAX_BODY_BYTES, nested at most as deep as Python's parser allows.

    DRF reads the body from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    check, so the size is checked here (declared length first, then what actually arrives)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.API_MAX_BODY_BYTES
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = _("The request body is over %(limit)d bytes.") % {"limit": limit}
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(too_large)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(too_large)
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(
                raw.decode(get_encoding(parser_context)), parse_constant=parse_constant
            )
        except RecursionError as error:
            raise ParseError(_("JSON parse error: nested too deeply.")) from error
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": error}) from error
