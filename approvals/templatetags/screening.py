"""Showing a reviewer what screening found: the matched words marked in the post's text."""

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

register = template.Library()


def _spans(matches: list[dict], field: str) -> list[tuple[int, int, str]]:
    spans = [
        (start, end, match["term"])
        for match in matches or []
        if match.get("weight", 0) > 0
        for start, end in match.get(field, [])
    ]
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, term in spans:  # overlapping matches become one mark
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), f"{last[2]}, {term}")
        else:
            merged.append((start, end, term))
    return merged


def _marked(text: str, matches: list[dict], field: str) -> str:
    out, at = [], 0
    for start, end, term in _spans(matches, field):
        out.append(escape(text[at:start]))
        out.append(f'<mark title="{escape(term)}">{escape(text[start:end])}</mark>')
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


@register.simple_tag
def marked_title(post) -> str:
    return mark_safe(_marked(post.title, post.screening_matches, "title"))


@register.simple_tag
def marked_body(post) -> str:
    """The body as paragraphs, with screening's matches marked (everything else escaped)."""
    return mark_safe(linebreaks(_marked(post.body, post.screening_matches, "body")))
