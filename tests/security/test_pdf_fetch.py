"""Issue 19, finding 2: building a PDF never makes the server fetch a URL or open a file.

Every PDF goes through `alliance.pdf.render_pdf`, whose fetcher serves only `data:` URIs and the
product's own static files; no template writes user text inside `<style>`. Each PDF the product
offers is rendered here with hostile names, and every URL WeasyPrint asked for is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from alliance.models import Alliance
from alliance.pdf import BASE_URL, render_pdf, static_file, url_fetcher
from enrollment.models import Family
from tests.billing.conftest import homes  # noqa: F401  (fixtures the statement tests build on)
from tests.billing.test_statements import household  # noqa: F401
from tests.metrics.conftest import week  # noqa: F401
from tests.metrics.test_reports import report_url, three  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = (
    'Evil"; } @import url("http://127.0.0.1:9/css"); * { background: url("file:///etc/passwd") } /*\n'
    '<img src="http://127.0.0.1:9/img"><link rel="stylesheet" href="file:///etc/hostname">'
)


@pytest.fixture
def fetches(monkeypatch):
    """Every fetcher render_pdf makes during the test, to read what it was asked for."""
    made = []

    def recording():
        fetcher = url_fetcher()
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr("alliance.pdf.url_fetcher", recording)
    return made


def outside_allow_list(fetchers) -> list[str]:  # type: ignore[no-untyped-def]
    return [url for fetcher in fetchers for url in fetcher.requested if not url.startswith("data:")]


def text_of(pdf: bytes) -> str:
    import io

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_fetcher_serves_data_and_our_static_files_and_refuses_the_rest():
    fetcher = url_fetcher()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    css = fetcher.fetch(BASE_URL + "static/css/hub.css")
    assert css.read() == (ROOT / "static/css/hub.css").read_bytes()
    for url in (
        "http://127.0.0.1:9/x",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://example.org/x",
        BASE_URL + "static/../alliance/settings.py",
        BASE_URL + "static/%2e%2e/alliance/settings.py",
        BASE_URL + "media/x.png",
        "https://hub.invalid.example.org/static/css/hub.css",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert static_file(BASE_URL + "static/../alliance/settings.py") is None


def test_a_document_linking_outside_renders_without_fetching_it(fetches):
    pdf = render_pdf(
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/a.css">'
        "<style>@import url('file:///etc/passwd');</style></head>"
        '<body><img src="http://127.0.0.1:9/b.png"><img src="file:///etc/hostname">hello</body></html>'
    )
    assert pdf.startswith(b"%PDF")
    (fetcher,) = fetches
    assert set(fetcher.refused) == {
        "http://127.0.0.1:9/a.css",
        "file:///etc/passwd",
        "http://127.0.0.1:9/b.png",
        "file:///etc/hostname",
    }


def test_no_pdf_template_puts_template_output_inside_style():
    templates = sorted((ROOT / "templates").rglob("*pdf*.html"))
    assert len(templates) >= 3
    for template in templates:
        for style in re.findall(r"<style[^>]*>(.*?)</style>", template.read_text(), flags=re.S):
            assert "{{" not in style, f"{template.name} writes template output into <style>"
            assert "{%" not in style, f"{template.name} writes template logic into <style>"


def test_weasyprint_is_called_only_by_render_pdf():
    callers = [
        path.relative_to(ROOT).as_posix()
        for app in ("alliance", "members", "enrollment", "sharedservices", "billing", "outreach", "metrics")
        for path in (ROOT / app).rglob("*.py")
        if "weasyprint" in path.read_text()
    ]
    assert callers == ["alliance/pdf.py"]


def test_impact_report_with_a_hostile_alliance_name_fetches_nothing(three, clients, fetches):  # noqa: F811
    Alliance.objects.filter(pk=three.world.a.pk).update(name=HOSTILE)
    response = clients.admin_a.get(report_url(three.world, ".pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert fetches
    assert outside_allow_list(fetches) == []
    assert "Evil" in text_of(response.content), "the hostile name is printed as text"


def test_statements_with_hostile_family_and_alliance_names_fetch_nothing(world, clients, household, fetches):  # noqa: F811
    Alliance.objects.filter(pk=world.a.pk).update(name=HOSTILE)
    Family.objects.unscoped().filter(pk=household.lopez.pk).update(name=HOSTILE)
    base = f"/a/{world.a.slug}/billing/families/{household.lopez.pk}/"
    statement = clients.staff_a.get(base + "statement.pdf?start=2026-02-01&end=2026-02-28")
    tax = clients.staff_a.get(base + "tax/2026.pdf")
    assert statement.content.startswith(b"%PDF")
    assert tax.content.startswith(b"%PDF")
    assert len(fetches) == 2
    assert outside_allow_list(fetches) == []
    assert "Evil" in text_of(statement.content)
    assert "Evil" in text_of(tax.content)
