"""OpenAPI: every operation documents the errors it can answer, in the shape it answers them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema

ERROR = {
    "type": "object",
    "description": _("`detail` for the whole request, or one list of messages per field."),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

WHY = {
    "400": _("Invalid input: a message per field, or the reasons a transition was refused."),
    "401": _("Missing, unknown or revoked API key."),
    "404": _("No such object for this platform (or no such page)."),
    "409": _("The post moved on first; `detail` names who acted."),
    "422": _("The Idempotency-Key was used for a different request."),
    "429": _("Too many requests for this API key."),
}


class ImprimaturAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = ["401", "429"]
        takes_query = any(p.get("in") == "query" for p in self._get_parameters())
        if method == "POST" or takes_query:
            codes.append("400")
        if method == "POST" or "{" in self.path or self._is_list_view():
            codes.append("404")
        if self.path.endswith("/withdraw/"):
            codes.append("409")
        if method == "POST" and self.path.endswith("/posts/"):
            codes.append("422")
        for code in codes:
            responses.setdefault(
                code,
                {"description": WHY[code], "content": {"application/json": {"schema": ERROR}}},
            )
        return responses
