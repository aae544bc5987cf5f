from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def required_text(text: str | None, message: str, field: str = "note") -> str:
    """The text stripped, or a ValidationError on `field` when there is none (`message`,
    already translated by the caller)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    if "\x00" in text:
        raise ValidationError({field: _("Null characters are not allowed.")})
    return text
