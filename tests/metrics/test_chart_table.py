"""A chart's table view written in Python (metrics/tables.py: Chart.header_cells, body_rows) is
the HTML the template loops wrote: same cells, "—" for a missing figure, the same escaping."""

from __future__ import annotations

from django.template import Context, Template
from django.utils.safestring import SafeString, mark_safe

from metrics.charts import escape
from metrics.tables import Chart

# metrics/_chart.html's table loops before issue 21, kept here as the reference.
LOOPS = Template(
    '<thead><tr>{% for h in chart.headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>'
    '<tbody>{% for row in chart.rows %}<tr>{% for cell in row %}<td{% if not forloop.first %} class="num"'
    '{% endif %}>{{ cell|default:"—" }}</td>{% endfor %}</tr>{% endfor %}</tbody>'
)


def test_the_table_view_is_what_the_template_loops_wrote():
    chart = Chart(
        "mix",
        "A <mix> & more",
        SafeString(""),
        ["month", 'Smith & Sons\' "rate"', "<b>q1</b>"],
        [
            ["2026-01", "0.8512", ""],
            ["2026-02", "", "<script>"],
            ["", "1,524.00", mark_safe("<i>kept</i>")],
        ],
    )
    expected = LOOPS.render(Context({"chart": chart}))
    written = f"<thead><tr>{chart.header_cells()}</tr></thead><tbody>{chart.body_rows()}</tbody>"
    assert written == expected
    assert "&lt;script&gt;" in written
    assert "<i>kept</i>" in written


def test_chart_text_is_escaped_as_django_escapes_it():
    from django.utils.html import escape as django_escape

    for text in ["plain", "<a href='x'>&amp;\"", "Q1–Q3 ≥ 5", 12]:
        assert escape(text) == django_escape(text)
