"""Pagination for queues: no COUNT over the table, just one row more than the page shows."""

from dataclasses import dataclass

from django.db.models import QuerySet

MAX_PAGE = 10_000


@dataclass(frozen=True)
class WindowPage:
    object_list: list
    number: int
    _has_next: bool

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def window_page(queryset: QuerySet, number: str | int | None, size: int) -> WindowPage:
    """Page `number` (1-based; anything unreadable is page 1) of an ordered queryset."""
    try:
        number = min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return WindowPage(object_list=rows[:size], number=number, _has_next=len(rows) > size)
