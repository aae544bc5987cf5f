from django.core.exceptions import ValidationError


def required_text(text: str | None, message: str, field: str = "note") -> str:
    """The text stripped, or a ValidationError on `field` when there is none."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    if "\x00" in text:
        raise ValidationError({field: "Null characters are not allowed."})
    return text
