"""The rows billing/rows_html.py writes in Python are exactly what their template fragments wrote:
the fragments as they stood in billing/collections.html and billing/aging.html are rendered here
beside the functions, for rows with every optional part, characters to escape, and each locale."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from billing.aging import AccountAging, AgingEntry, AgingTotals
from billing.models import CollectionNote, FamilyAccount, Invoice, LedgerEntry, PaymentPlan
from billing.rows_html import (
    account_rows_html,
    aging_family_rows_html,
    aging_program_rows_html,
    collections_rows_html,
    invoice_rows_html,
    ledger_rows_html,
)
from billing.selectors import LedgerRow
from billing.worklist import Contact, WorklistRow
from enrollment.models import Family
from members.models import MemberProgram

COLLECTIONS_FRAGMENT = """<tbody>{% for row in rows %}
    <tr id="account-{{ row.account_id }}">
      <td><input type="checkbox" name="accounts" value="{{ row.account_id }}" form="bulk" id="select-{{ row.account_id }}" aria-label="Select {{ row.family_name }} at {{ row.program_name }} (account {{ row.account_number }})"></td>
      <th scope="row"><a href="{% url 'billing:account_detail' alliance.slug row.account_id %}">{{ row.family_name }}</a>
        <small class="help">{% if row.children %}{{ row.children|join:", " }} · {% endif %}Account {{ row.account_number }}{% if row.payers %} · {{ row.payers|join:", " }}{% endif %}</small></th>
      <td>{{ row.program_name }}</td>
      <td>{% include "billing/_contacts.html" %}</td>
      <td class="num">{{ row.aging.days_past_due }}</td>
      <td class="num">{{ row.aging.past_due|money }}</td>
      <td class="num">{{ row.aging.balance|money }}</td>
      <td>{% if row.promise %}<span class="badge badge-promise-{{ row.promise_status }}">{{ row.promise_label }}</span> <small class="help">{{ row.promise.promised_amount|money }} by {{ row.promise.promised_on }}</small>{% else %}—{% endif %}
        {% if row.plan %}<small class="help">Plan: {{ row.plan.installment|money }} every {{ row.plan.every_days }} days</small>{% endif %}</td>
      <td>{% if row.last_note %}{{ row.last_note.created_at|date:"M j" }}: {% if row.last_note.outcome %}{{ row.last_note.get_outcome_display }} — {% endif %}{{ row.last_note.note|truncatechars:60 }}{% else %}Never{% endif %}</td>
      <td class="inline-actions no-print"><a class="button" href="{% url 'billing:collection_note' alliance.slug row.account_id %}?next={{ here|urlencode }}">Log call<span class="visually-hidden"> with {{ row.family_name }} ({{ row.program_name }})</span></a>
        <a href="{% url 'billing:payment_plan' alliance.slug row.account_id %}">Plan</a> <a href="{% url 'billing:write_off' alliance.slug row.account_id %}">Write off</a></td></tr>
  {% endfor %}</tbody>"""  # noqa: E501

AGING_PROGRAMS_FRAGMENT = """<tbody>{% for name, t in programs %}
    <tr><th scope="row">{{ name }}</th>{% for v in t.bucket_values %}<td class="num">{{ v|money }}</td>{% endfor %}<td class="num">{{ t.unapplied_credit|money }}</td><td class="num">{{ t.balance|money }}</td></tr>
  {% endfor %}</tbody>"""  # noqa: E501

AGING_FAMILIES_FRAGMENT = """<tbody>{% for r in families %}
    <tr><th scope="row"><a href="{% url 'billing:account_detail' alliance.slug r.account_id %}">{{ r.family_name }}</a> <small class="help-inline">Account {{ r.account_number }}</small></th><td>{{ r.program_name }}</td>{% for v in r.aging.bucket_values %}<td class="num">{{ v|money }}</td>{% endfor %}<td class="num">{{ r.aging.balance|money }}</td></tr>
  {% endfor %}</tbody>"""  # noqa: E501

LEDGER_FRAGMENT = """  {% for row in rows %}
    <tr><td>{{ row.entry.posted_on }}</td><td>{{ row.entry.get_kind_display }}</td>
      <td>{{ row.entry.description }}{% if row.entry.reverses_id %} <small class="help">reverses entry {{ row.entry.reverses_id }}</small>{% endif %}</td>
      <td>{% if row.entry.invoice_id %}<a href="{% url 'billing:invoice_detail' alliance.slug row.entry.invoice_id %}">{{ row.entry.invoice.number }}</a>{% endif %}</td>
      <td class="num">{{ row.entry.amount|money }}</td><td class="num">{{ row.running_balance|money }}</td></tr>
  {% endfor %}"""  # noqa: E501

INVOICE_FRAGMENT = """<tbody>{% for i in invoices %}
    <tr><th scope="row"><a href="{% url 'billing:invoice_detail' alliance.slug i.pk %}">{{ i.number }}</a></th><td>{{ i.account.holder_name }}</td>
      <td>{{ i.program.name }}</td><td>{{ i.period_start }} – {{ i.period_end }}</td><td>{{ i.due_on }}</td>
      <td><span class="badge badge-{{ i.status }}">{{ i.get_status_display }}</span></td><td class="num">{{ i.total|money }}</td></tr>
  {% endfor %}</tbody>"""  # noqa: E501

ACCOUNT_FRAGMENT = """  {% for a in accounts %}
    <tr><td><a href="{% url 'billing:account_detail' alliance.slug a.pk %}">{{ a.holder_name }}</a>{% if a.staff_discount %} <span class="badge">staff</span>{% endif %}</td>
      <td>{{ a.program.name }}</td><td class="num">{{ a.balance|money }}</td></tr>
  {% endfor %}"""  # noqa: E501

SLUG = "river-bend"
LOCALES = ["en-us", "en-ca", "en-gb", "en-au"]


def _aging(account_id: int, buckets: list[str], credit: str = "0", days: int = 0) -> AccountAging:
    aging = AccountAging(account_id, 7, account_id + 100, unapplied_credit=Decimal(credit), days_past_due=days)
    aging.buckets = dict(zip(aging.buckets, (Decimal(b) for b in buckets), strict=True))
    return aging


def _rows() -> list[WorklistRow]:
    called = datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC)  # Feb 28 in Toronto
    everything = WorklistRow(
        _aging(12, ["10", "1234.5", "0", "0.005", "99999.99"], credit="3", days=120),
        12,
        112,
        'O\'Brien & <Sons> "family"',
        7,
        "Tots & Co <East>",
        last_note=CollectionNote(
            note="Said they'd pay <soon> & then " + "x" * 80, outcome="no_answer", created_at=called
        ),
        promise=CollectionNote(
            note="", promised_amount=Decimal("250.5"), promised_on=datetime.date(2026, 4, 9), created_at=called
        ),
        promise_status="broken",
        plan=PaymentPlan(installment=Decimal("1200"), every_days=14),
        children=["Ana <3", "Ben & Jo"],
        contacts=[
            Contact("Rosa <Lopez>", "Mother", "(555) 010-2030 ext. 4", "rosa&co@example.com", True),
            Contact("Tom O'Neil", "Father", "", "tom@example.com", False),
            Contact("Gran", "Other", "+1 555 0100", "", False),
            Contact("Nobody", "Other", "", "", False),
        ],
        payers=["County & State", "<Fund>"],
    )
    bare = WorklistRow(_aging(7, ["-5", "0", "0", "0", "0"], days=0), 7, 107, "Young family", 8, "Program Y")
    note_only = WorklistRow(
        _aging(1234567, ["0", "0", "15.25", "0", "0"], days=45),
        1234567,
        99,
        "Ng family",
        8,
        "Program Y",
        last_note=CollectionNote(note="Short", outcome="", created_at=called),
        contacts=[Contact("Li Ng", "Mother", "555-0101", "li@example.com", False)],
    )
    return [everything, bare, note_only]


@pytest.mark.parametrize("locale", LOCALES)
def test_collections_rows_are_what_the_template_wrote(locale: str) -> None:
    rows, here = _rows(), "/a/river-bend/billing/collections/?q=o'brien&sort=-days&page=2"
    context = {"rows": rows, "alliance": SimpleNamespace(slug=SLUG), "here": here}
    with translation.override(locale), timezone.override("America/Toronto"):
        expected = Template(COLLECTIONS_FRAGMENT).render(Context(context))
        written = f"<tbody>{collections_rows_html(rows, slug=SLUG, here=here)}</tbody>"
    assert written == expected
    assert "Feb 28: No answer — Said they&#x27;d pay &lt;soon&gt;" in written


def test_collections_rows_group_ids_when_the_setting_says_so(settings) -> None:  # type: ignore[no-untyped-def]
    settings.USE_THOUSAND_SEPARATOR = True
    rows, here = _rows(), "/a/river-bend/billing/collections/"
    context = {"rows": rows, "alliance": SimpleNamespace(slug=SLUG), "here": here}
    expected = Template(COLLECTIONS_FRAGMENT).render(Context(context))
    assert f"<tbody>{collections_rows_html(rows, slug=SLUG, here=here)}</tbody>" == expected
    assert 'id="account-1,234,567"' in expected


def test_collections_rows_of_an_empty_page() -> None:
    assert collections_rows_html([], slug=SLUG, here="/") == ""


@pytest.mark.parametrize("locale", LOCALES)
def test_aging_rows_are_what_the_template_wrote(locale: str) -> None:
    rows = _rows()
    totals = AgingTotals()
    for row in rows:
        totals.add(row.aging)
    programs = [("Tots & Co <East>", totals), ("Program Y", AgingTotals())]
    context = {"families": rows, "programs": programs, "alliance": SimpleNamespace(slug=SLUG)}
    with translation.override(locale):
        assert f"<tbody>{aging_program_rows_html(programs)}</tbody>" == Template(AGING_PROGRAMS_FRAGMENT).render(
            Context(context)
        )
        assert f"<tbody>{aging_family_rows_html(rows, slug=SLUG)}</tbody>" == Template(AGING_FAMILIES_FRAGMENT).render(
            Context(context)
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_ledger_rows_are_what_the_template_wrote(locale: str) -> None:
    invoice = Invoice(pk=55, number=1055, due_on=datetime.date(2026, 3, 11))
    entries = [
        AgingEntry(1, 9, "charge", Decimal("1200.00"), datetime.date(2026, 3, 1), "Tuition <March> & more", 55, None,
                   None, invoice.due_on, "1055"),
        AgingEntry(2, 9, "payment", Decimal("-120.50"), datetime.date(2026, 3, 9), "Check #1001", None, None, None,
                   None, None),
        AgingEntry(3, 9, "reversal", Decimal("120.50"), datetime.date(2026, 3, 10), "Bounced: O'Neil", None, 2,
                   "payment", None, None),
        AgingEntry(4, 9, "late_fee", Decimal("25"), datetime.date(2026, 3, 20), "", None, None, None, None, None),
    ]  # fmt: skip
    rows, running = [], Decimal(0)
    for e in entries:
        running += e.amount
        entry = LedgerEntry(
            pk=e.pk, kind=e.kind, amount=e.amount, posted_on=e.posted_on, description=e.description,
            reverses_id=e.reverses_id, invoice=invoice if e.invoice_id else None,
        )  # fmt: skip
        rows.append(LedgerRow(entry, running))
    context = {"rows": rows, "alliance": SimpleNamespace(slug=SLUG)}
    with translation.override(locale):
        expected = Template(LEDGER_FRAGMENT).render(Context(context))
        assert f"  {ledger_rows_html(entries, slug=SLUG)}" == expected
    assert "reverses entry 2" in expected


@pytest.mark.parametrize("locale", LOCALES)
def test_invoice_rows_are_what_the_template_wrote(locale: str) -> None:
    program = MemberProgram(pk=3, name="Tots & Co <East>")
    family = Family(pk=4, name="O'Brien <family>")
    march = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), datetime.date(2026, 3, 11))
    invoices = [
        Invoice(pk=10, number=12345, account=FamilyAccount(pk=5, family=family, program=program), program=program,
                period_start=march[0], period_end=march[1], due_on=march[2], status="issued", total=Decimal("1234.5")),
        Invoice(pk=11, number=7, account=FamilyAccount(pk=6, family=None, program=program), program=program,
                period_start=march[0], period_end=march[1], due_on=march[2], status="void", total=Decimal("-0.004")),
    ]  # fmt: skip
    context = {"invoices": invoices, "alliance": SimpleNamespace(slug=SLUG)}
    with translation.override(locale):
        expected = Template(INVOICE_FRAGMENT).render(Context(context))
        assert f"<tbody>{invoice_rows_html(invoices, slug=SLUG)}</tbody>" == expected
    assert "Hub member fees" in expected


@pytest.mark.parametrize("locale", LOCALES)
def test_account_rows_are_what_the_template_wrote(locale: str) -> None:
    program = MemberProgram(pk=3, name="Tots & Co <East>")
    staff = FamilyAccount(pk=5, family=Family(pk=4, name="O'Brien <family>"), program=program, staff_discount=True)
    staff.balance = Decimal("-1234.565")  # type: ignore[attr-defined]
    fees = FamilyAccount(pk=6, family=None, program=program)
    fees.balance = Decimal("0")  # type: ignore[attr-defined]
    context = {"accounts": [staff, fees], "alliance": SimpleNamespace(slug=SLUG)}
    with translation.override(locale):
        expected = Template(ACCOUNT_FRAGMENT).render(Context(context))
        assert f"  {account_rows_html([staff, fees], slug=SLUG)}" == expected
    assert '<span class="badge">staff</span>' in expected
