"""One way to write a moment on the wire: ISO 8601 in UTC with microseconds and a Z,
"2026-11-23T14:05:09.123456Z", in webhook bodies and API answers alike."""

import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder


def wire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WireJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime):
            return wire_time(o)
        return super().default(o)


def wire_json(value) -> str:
    """Compact JSON for webhook bodies (the exact bytes are signed and stored)."""
    return json.dumps(value, cls=WireJSONEncoder, separators=(",", ":"), ensure_ascii=False)
