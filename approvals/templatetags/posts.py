"""Showing what people wrote."""

from django import template
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

from accounts.languages import as_written

register = template.Library()

# What a link in someone's post may do: nothing on this site's behalf (noopener), tell the
# other site nothing of where the reader came from (noreferrer), earn no ranking (nofollow, ugc).
LINK_REL = 'rel="nofollow ugc noopener noreferrer"'


register.filter("as_written", as_written)


@register.filter
def body_with_links(text: str) -> str:
    """Paragraphs, with web addresses (http, https, www.) made into links. Everything else is
    escaped; other schemes (javascript:, data:) stay plain text."""
    linked = urlize(text, nofollow=True, autoescape=True).replace('rel="nofollow"', LINK_REL)
    return mark_safe(linebreaks(linked, autoescape=False))
