"""Small charts as inline SVG, drawn on the server: no script, no build step, readable by
screen readers through their title and a table beside them. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, BAR_HEIGHT, GAP = 520, 22, 6
COLUMN_WIDTH, COLUMN_GAP, PLOT_HEIGHT = 30, 8, 140
CHAR_WIDTH = 7.5  # of the 12 px labels, generously: a label is never cut off
AXIS_WIDTH = 44  # room for "100%" left of the plot
TOP = 24  # room for a column's value above it
COLOURS = {
    "VALID": "#2e7d32",
    "INVALID": "#c62828",
    "INCOMPLETE": "#f9a825",
    "FAILED": "#c62828",
    "DELIVERED": "#2e7d32",
}
DEFAULT_COLOUR = "#1565c0"


def bars(title: str, data: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per (label, count), scaled to the largest count."""
    if not data:
        return Markup(f'<p class="muted">{escape(title)}: nothing yet.</p>')
    top = max(value for _, value in data) or 1
    height = len(data) * (BAR_HEIGHT + GAP) + GAP
    label_width = round(max(len(label) for label, _ in data) * CHAR_WIDTH) + 16
    value_width = round(max(len(str(value)) for _, value in data) * CHAR_WIDTH) + 12
    width = max(WIDTH, label_width + 120 + value_width)
    span = width - label_width - value_width
    rows = []
    for i, (label, value) in enumerate(data):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = round(span * value / top)
        colour = COLOURS.get(label, DEFAULT_COLOUR)
        rows.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 15}">{value}</text>'
        )
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(rows)
        + "</svg>"
    )


def percent_columns(title: str, data: Sequence[tuple[str, float | None]]) -> Markup:
    """Vertical columns of percentages (0-100) per label, e.g. per day; None: no data."""
    if not data:
        return Markup(f'<p class="muted">{escape(title)}: nothing yet.</p>')
    width = AXIS_WIDTH + len(data) * (COLUMN_WIDTH + COLUMN_GAP) + COLUMN_GAP
    base = TOP + PLOT_HEIGHT  # the 0 line
    height = base + 30
    parts = [
        f'<line x1="{AXIS_WIDTH - 2}" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/>',
        f'<text x="{AXIS_WIDTH - 6}" y="{TOP + 4}" text-anchor="end" class="tick">100%</text>',
        f'<text x="{AXIS_WIDTH - 6}" y="{base + 4}" text-anchor="end" class="tick">0%</text>',
    ]
    for i, (label, value) in enumerate(data):
        x = AXIS_WIDTH + COLUMN_GAP + i * (COLUMN_WIDTH + COLUMN_GAP)
        if value is None:
            shown, column = "no data", ""
        else:
            size = round(PLOT_HEIGHT * max(0.0, min(value, 100.0)) / 100)
            if 0 < value < 100:  # a column as tall as its share, never none at all
                size = min(max(size, 1), PLOT_HEIGHT - 1)
            shown = escape(percent(value))
            column = (
                f'<rect x="{x}" y="{base - size}" width="{COLUMN_WIDTH}" '
                f'height="{size}" fill="{DEFAULT_COLOUR}"><title>{escape(label)}: {shown}'
                "</title></rect>"
                f'<text x="{x + COLUMN_WIDTH / 2}" y="{base - size - 5}" text-anchor="middle" '
                f'class="value">{shown}</text>'
            )
        parts.append(
            column + f'<text x="{x + COLUMN_WIDTH / 2}" y="{base + 18}" '
            f'text-anchor="middle" class="tick">{escape(label)}</text>'
        )
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def percent(value: float) -> str:
    """A share in whole percent, never rounded to a claim that is not so: a share above 0
    never reads "0%", one short of all never "100%" (1 of 300 is "<1%", 299 of 300 ">99%")."""
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent; None when there is nothing to divide."""
    return None if whole == 0 else 100.0 * part / whole
