"""Small charts as inline SVG, drawn on the server: no script, no build step, readable by
screen readers through their title and a table beside them. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH = 520, 22, 6, 200
COLUMN_WIDTH, COLUMN_GAP, PLOT_HEIGHT = 30, 8, 140
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
    span = WIDTH - LABEL_WIDTH - 60
    rows = []
    for i, (label, value) in enumerate(data):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = round(span * value / top)
        colour = COLOURS.get(label, DEFAULT_COLOUR)
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}">{value}</text>'
        )
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(rows)
        + "</svg>"
    )


def percent_columns(title: str, data: Sequence[tuple[str, float | None]]) -> Markup:
    """Vertical columns of percentages (0-100) per label, e.g. per day; None: no data."""
    if not data:
        return Markup(f'<p class="muted">{escape(title)}: nothing yet.</p>')
    width = len(data) * (COLUMN_WIDTH + COLUMN_GAP) + COLUMN_GAP + 30
    height = PLOT_HEIGHT + 40
    parts = [
        f'<line x1="28" y1="{10 + PLOT_HEIGHT}" x2="{width}" y2="{10 + PLOT_HEIGHT}" '
        'stroke="#999"/>',
        '<text x="24" y="16" text-anchor="end">100%</text>',
        f'<text x="24" y="{14 + PLOT_HEIGHT}" text-anchor="end">0</text>',
    ]
    for i, (label, value) in enumerate(data):
        x = 30 + COLUMN_GAP + i * (COLUMN_WIDTH + COLUMN_GAP)
        if value is None:
            shown, column = "no data", ""
        else:
            size = round(PLOT_HEIGHT * max(0.0, min(value, 100.0)) / 100)
            shown = f"{value:.0f}%"
            column = (
                f'<rect x="{x}" y="{10 + PLOT_HEIGHT - size}" width="{COLUMN_WIDTH}" '
                f'height="{size}" fill="{DEFAULT_COLOUR}"><title>{escape(label)}: {shown}'
                "</title></rect>"
            )
        parts.append(
            column + f'<text x="{x + COLUMN_WIDTH / 2}" y="{PLOT_HEIGHT + 26}" '
            f'text-anchor="middle" class="tick">{escape(label)}</text>'
        )
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent; None when there is nothing to divide."""
    return None if whole == 0 else 100.0 * part / whole
