"""The impact report as a print-quality PDF, with WeasyPrint.

The page's own template is reused with a print stylesheet; charts go in as
SVG images (data URIs), so they stay sharp on paper.
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string

from alliance.disclosure import MIN_MEMBERS
from alliance.models import Alliance
from alliance.pdf import render_pdf
from metrics.reports import ImpactReport


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def impact_report_pdf(report: ImpactReport, *, alliance: Alliance) -> bytes:
    charts = [(chart, svg_data_uri(str(chart.svg))) for chart in report.charts]
    html = render_to_string(
        "metrics/impact_report_pdf.html",
        {"report": report, "alliance": alliance, "charts": charts, "min_group": MIN_MEMBERS},
    )
    return render_pdf(html)
