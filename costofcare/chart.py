"""The cost-of-care bar chart: server-rendered SVG (no script), the same markup on the page and in
the PDF. Per age group, one bar for the cost per child and one for each revenue beside it; colours
are presentation attributes so WeasyPrint keeps them, and the table next to it carries the figures."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from alliance.formatting import money
from costofcare.calc import CostOfCare, bar_scale

COLOURS = {"cost": "#c2571a", "rate": "#1f5f8b", "subsidy": "#2e7d32"}
NAMES = {"cost": "Cost per child", "rate": "Rate charged", "subsidy": "Subsidy paid"}
WIDTH, LABEL_W, BAR_H, GAP = 640, 110, 14, 10


def cost_chart(result: CostOfCare) -> SafeString:
    rows: list[tuple[str, list[tuple[str, Decimal | None]]]] = [
        (g.label, [("cost", g.total), ("rate", g.rate), ("subsidy", g.subsidy)]) for g in result.groups
    ]
    top = bar_scale([v for _, bars in rows for _, v in bars])
    plot = WIDTH - LABEL_W - 90
    parts: list[str] = []
    y = 24
    for label, bars in rows:
        shown = [(k, v) for k, v in bars if v is not None]
        block = len(shown) * (BAR_H + 2)
        parts.append(f'<text x="0" y="{y + block / 2 + 4:.0f}" font-size="12" fill="#44505c">{escape(label)}</text>')
        for key, value in shown:
            width = max(float(value / top) * plot, 1.0) if value else 0.0
            text = f"{NAMES[key]}: {money(value)}"
            parts.append(
                f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{COLOURS[key]}">'
                f"<title>{escape(label)} · {escape(text)}</title></rect>"
                f'<text x="{LABEL_W + width + 4:.1f}" y="{y + BAR_H - 3}" font-size="11" fill="#44505c">'
                f"{escape(money(value))}</text>"
            )
            y += BAR_H + 2
        y += GAP
    legend = "".join(
        f'<rect x="{LABEL_W + i * 150}" y="4" width="10" height="10" fill="{COLOURS[k]}"/>'
        f'<text x="{LABEL_W + i * 150 + 14}" y="13" font-size="11" fill="#44505c">{NAMES[k]}</text>'
        for i, k in enumerate(NAMES)
    )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y + 4}" width="100%" role="img" '
        f'aria-labelledby="coc-chart-title"><title id="coc-chart-title">Cost per child a month by age group, '
        f"beside the rate charged and the subsidy paid</title>{legend}{''.join(parts)}</svg>"
    )
