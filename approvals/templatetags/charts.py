"""Charts drawn on the server as inline SVG, from an oversight Section (approvals.oversight).

No script and no style element (the content security policy allows neither): shapes carry
presentation attributes and classes that static/css/app.css colours. Each chart is an image
with a title (role="img", aria-labelledby); the table beside it holds the same numbers, so the
chart adds nothing a screen reader misses. Every value and label is escaped (format_html).
"""

import math
from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from approvals.oversight import Column, Section

register = template.Library()

WIDTH = 480
ROW = 22  # height of one bar group's slot
LABEL_WIDTH = 140
SERIES = 6  # colours in app.css: .chart-s0 … .chart-s5, then again
LINE_HEIGHT = 220


@register.filter
def cell(row: dict, column: Column) -> str:
    """A table cell, formatted for reading in the current language."""
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    if column.unit == "h":
        return formats.number_format(value, 1, use_l10n=True)
    if column.unit == "%":
        return formats.number_format(value * 100, 1, use_l10n=True) + "%"
    if isinstance(value, datetime):
        value = timezone.localtime(value)
        if column.unit == "day":
            return formats.date_format(value, "SHORT_DATE_FORMAT")
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _nice_max(value: float, whole: bool = True) -> float:
    """A round number at or above `value` for the end of an axis of four equal steps, each
    step a round number too (a whole one for counts)."""
    if value <= 0:
        return 4.0 if whole else 1.0
    quarter = value / 4
    magnitude = 10 ** math.floor(math.log10(quarter))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= quarter and (not whole or step == int(step)):
            return step * 4
    return 40 * magnitude


def _whole(values) -> bool:
    return all(isinstance(v, int) for v in values)


def _legend(labels: list[str], y: float) -> SafeString:
    items = []
    x = 0.0
    for i, label in enumerate(labels):
        items.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" class="chart-s{}"></rect>'
                '<text x="{}" y="{}" class="chart-legend">{}</text>',
                f"{x:.0f}",
                f"{y:.0f}",
                i % SERIES,
                f"{x + 14:.0f}",
                f"{y + 9:.0f}",
                label,
            )
        )
        x += 24 + 7 * len(str(label)) if str(label).isascii() else 24 + 13 * len(str(label))
    return mark_safe("".join(items))  # each item is format_html's


def _svg(chart_id: str, title: str, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" '
        'preserveAspectRatio="xMinYMin meet"><title id="{}-title">{}</title>{}</svg>',
        WIDTH,
        f"{height:.0f}",
        chart_id,
        chart_id,
        title,
        body,
    )


@register.simple_tag
def chart(section: Section) -> SafeString:
    if not section.chart or not section.rows:
        return mark_safe("")
    if section.chart == "lines":
        return line_chart(section)
    return bar_chart(section)


def bar_chart(section: Section) -> SafeString:
    """Horizontal bars: one group per row, one bar per value column, a shared axis."""
    columns = {c.key: c for c in section.columns}
    values = section.values
    numbers = [r.get(k) for r in section.rows for k in values]
    axis_max = _nice_max(max(map(_number, numbers), default=0.0), _whole(numbers))
    plot = WIDTH - LABEL_WIDTH - 40
    slot = max(ROW, 6 * len(values) + 8)
    bar = (slot - 8) / len(values)
    parts = []
    for i, row in enumerate(section.rows):
        y = 24 + i * slot
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>',
                LABEL_WIDTH - 6,
                f"{y + slot / 2:.1f}",
                str(row.get(section.label, ""))[:22],
            )
        )
        for j, key in enumerate(values):
            width = plot * _number(row.get(key)) / axis_max
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="chart-s{}">'
                    "<title>{}: {}</title></rect>",
                    LABEL_WIDTH,
                    f"{y + 4 + j * bar:.1f}",
                    f"{width:.1f}",
                    f"{max(bar - 1, 1):.1f}",
                    j % SERIES,
                    columns[key].label,
                    cell(row, columns[key]),
                )
            )
    bottom = 24 + len(section.rows) * slot
    ticks = []
    for k in range(5):
        value = axis_max * k / 4
        x = LABEL_WIDTH + plot * k / 4
        ticks.append(
            format_html(
                '<line x1="{}" y1="20" x2="{}" y2="{}" class="chart-grid"></line>'
                '<text x="{}" y="{}" class="chart-tick" text-anchor="middle">{}</text>',
                f"{x:.1f}",
                f"{x:.1f}",
                bottom,
                f"{x:.1f}",
                bottom + 14,
                formats.number_format(value, 0 if value >= 10 or value == int(value) else 1),
            )
        )
    legend = _legend([str(columns[k].label) for k in values], 2)
    body = mark_safe("".join([legend, *ticks, *parts]))
    return _svg(f"chart-{section.key}", str(section.title), bottom + 22, body)


def line_chart(section: Section) -> SafeString:
    """One line per `series` value over the `label` axis (time), of the first value column."""
    key = section.values[0]
    xs = sorted({r[section.label] for r in section.rows})
    names = sorted({str(r[section.series]) for r in section.rows})
    position = {x: i for i, x in enumerate(xs)}
    numbers = [r.get(key) for r in section.rows]
    top = _nice_max(max(map(_number, numbers), default=0.0), _whole(numbers))
    left, right, plot_top = 40, WIDTH - 10, 36
    plot_bottom = LINE_HEIGHT - 30
    span = max(len(xs) - 1, 1)

    def px(x) -> float:
        return left + (right - left) * position[x] / span

    def py(v) -> float:
        return plot_bottom - (plot_bottom - plot_top) * _number(v) / top

    parts = []
    for k in range(5):
        value = top * k / 4
        y = py(value)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"></line>'
                '<text x="{}" y="{}" class="chart-tick" text-anchor="end">{}</text>',
                left,
                f"{y:.1f}",
                right,
                f"{y:.1f}",
                left - 4,
                f"{y + 4:.1f}",
                formats.number_format(value, 0 if value >= 10 or value == int(value) else 1),
            )
        )
    time_column = next(c for c in section.columns if c.key == section.label)
    for x in (xs[0], xs[-1]) if len(xs) > 1 else (xs[0],):
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="chart-tick" text-anchor="{}">{}</text>',
                f"{px(x):.1f}",
                plot_bottom + 16,
                "start" if x == xs[0] else "end",
                cell({section.label: x}, time_column),
            )
        )
    for i, name in enumerate(names):
        points = [
            (px(r[section.label]), py(r.get(key)))
            for r in section.rows
            if str(r[section.series]) == name
        ]
        parts.append(
            format_html(
                '<polyline points="{}" class="chart-line chart-s{}" fill="none"></polyline>',
                " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                i % SERIES,
            )
        )
        if len(points) == 1:  # a single sample: a dot, or nothing would show
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" class="chart-s{}"></circle>',
                    f"{points[0][0]:.1f}",
                    f"{points[0][1]:.1f}",
                    i % SERIES,
                )
            )
    body = mark_safe("".join([_legend(names, 4), *parts]))
    return _svg(f"chart-{section.key}", str(section.title), LINE_HEIGHT, body)
