"""Server-rendered SVG charts: no script, no CDN, the same markup on the page and in the PDF.

Colours are SVG presentation attributes, so a chart carries its own look into
WeasyPrint. Every chart has a <title> and a table view next to it (see
metrics/tables.py); points carry <title> tooltips.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f5f8b", "#c2571a", "#2e7d32", "#6a1b9a"]
GRID = "#d9dee3"
TEXT = "#44505c"
BAND = "#9fb7cc"

Number = Decimal | None


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Number]
    dashed: bool = False


@dataclass(frozen=True)
class Reference:
    label: str
    value: Decimal


def escape(text: object) -> str:
    """Django's escape() without its lazy-text wrapper, which cost more than the escaping itself
    over a chart's hundreds of labels and tooltips (issue 21): the same characters out."""
    return html.escape(str(text))


def _f(x: float) -> str:
    return f"{x:.1f}"


def _scale(values: list[Decimal], floor_zero: bool) -> tuple[float, float]:
    low = min(values) if values else Decimal(0)
    high = max(values) if values else Decimal(1)
    low_f, high_f = float(low), float(high)
    if floor_zero:
        low_f = min(0.0, low_f)
    if high_f == low_f:
        high_f = low_f + 1.0
    pad = (high_f - low_f) * 0.08
    return (low_f if floor_zero and low_f == 0 else low_f - pad), high_f + pad


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[Decimal], str],
    references: Sequence[Reference] = (),
    band: tuple[Sequence[Number], Sequence[Number]] | None = None,
    floor_zero: bool = True,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """A line chart of monthly values; `band` shades a range (the alliance's middle half)."""
    left, right, top, bottom = 64, 16, 14, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    everything = [v for s in series for v in s.values if v is not None]
    everything += [r.value for r in references]
    if band:
        everything += [v for side in band for v in side if v is not None]
    low, high = _scale(everything, floor_zero)
    count = max(1, len(labels))

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / count)

    def y(v: Decimal) -> float:
        return top + plot_h * (1 - (float(v) - low) / (high - low))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'font-family="sans-serif" font-size="11"><title>{escape(title)}</title>'
    ]
    for step in range(5):
        value = Decimal(str(low + (high - low) * step / 4))
        gy = y(value)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{_f(gy)}" y2="{_f(gy)}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{_f(gy + 4)}" text-anchor="end" fill="{TEXT}">{escape(fmt(value))}</text>')
    every = 1 if count <= 12 else 2
    for i, label in enumerate(labels):
        if i % every == 0:
            out.append(
                f'<text x="{_f(x(i))}" y="{height - bottom + 16}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    if band:
        lower, upper = band
        upper_points = [(x(i), y(v)) for i, v in enumerate(upper) if v is not None]
        lower_points = [(x(i), y(v)) for i, v in enumerate(lower) if v is not None][::-1]
        if upper_points and lower_points:
            points = " ".join(f"{_f(px)},{_f(py)}" for px, py in upper_points + lower_points)
            out.append(f'<polygon points="{points}" fill="{BAND}" fill-opacity="0.35" stroke="none"/>')
    for ref in references:
        ry = y(ref.value)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_f(ry)}" y2="{_f(ry)}" stroke="#8a1c1c" '
            f'stroke-dasharray="2 3"/>'
        )
        out.append(
            f'<text x="{width - right}" y="{_f(ry - 3)}" text-anchor="end" fill="#8a1c1c">'
            f"{escape(ref.label)} {escape(fmt(ref.value))}</text>"
        )
    for number, s in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        for segment in _segments(s.values):
            points = " ".join(f"{_f(x(i))},{_f(y(v))}" for i, v in segment)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for i, v in enumerate(s.values):
            if v is not None:
                out.append(
                    f'<circle cx="{_f(x(i))}" cy="{_f(y(v))}" r="3" fill="{colour}">'
                    f"<title>{escape(s.label)}, {escape(labels[i])}: {escape(fmt(v))}</title></circle>"
                )
    legend_x = left
    for number, s in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        out.append(f'<rect x="{legend_x}" y="{height - 14}" width="12" height="4" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 16}" y="{height - 9}" fill="{TEXT}">{escape(s.label)}</text>')
        legend_x += 24 + 7 * len(s.label)
    if band:
        out.append(f'<rect x="{legend_x}" y="{height - 18}" width="12" height="10" fill="{BAND}" fill-opacity="0.35"/>')
        out.append(f'<text x="{legend_x + 16}" y="{height - 9}" fill="{TEXT}">alliance middle half (Q1–Q3)</text>')
    if not everything:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{TEXT}">No figures yet</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped


def _segments(values: Sequence[Number]) -> list[list[tuple[int, Decimal]]]:
    """Runs of consecutive known values; a gap (None) breaks the line."""
    runs: list[list[tuple[int, Decimal]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, v))
    return [run for run in runs if run]


def sparkline(
    values: Sequence[Number], *, label: str, reference: Decimal | None = None, width: int = 120, height: int = 28
) -> SafeString:
    known = [v for v in values if v is not None]
    if not known:
        return mark_safe("")
    scale = [*known, *([reference] if reference is not None else [])]
    low, high = float(min(scale)), float(max(scale))
    if high == low:
        high = low + 0.01
    count = max(1, len(values) - 1)

    def point(i: int, v: Decimal) -> str:
        return f"{_f(2 + (width - 4) * i / count)},{_f(2 + (height - 4) * (1 - (float(v) - low) / (high - low)))}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" class="sparkline" role="img"><title>{escape(label)}</title>'
    ]
    if reference is not None:
        ry = _f(2 + (height - 4) * (1 - (float(reference) - low) / (high - low)))
        out.append(f'<line x1="0" x2="{width}" y1="{ry}" y2="{ry}" stroke="#8a1c1c" stroke-dasharray="2 2"/>')
    for segment in _segments(values):
        points = " ".join(point(i, v) for i, v in segment)
        out.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>')
    last = max(i for i, v in enumerate(values) if v is not None)
    lx, ly = point(last, values[last]).split(",")  # type: ignore[arg-type]
    out.append(f'<circle cx="{lx}" cy="{ly}" r="2.5" fill="{PALETTE[0]}"/></svg>')
    return mark_safe("".join(out))  # noqa: S308 — the label is escaped
