"""The rows of the longest billing tables (collections worklist, aging's families and programs)
written in Python rather than by the template engine (issue 21).

A worklist page of 50 rows resolved about 1,500 template variables, ran 200 `{% url %}` and 50
includes: two thirds of the page's CPU. Each function here writes exactly what its template
fragment wrote (`tests/billing/test_rows_html.py` renders both and compares): every value goes
through `_text`, which does what `{{ value }}` does (localize, then escape), filters are Django's and
ours, and addresses come from the same kept `reverse` as `{% url %}`."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import truncatechars, urlencode
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

from alliance.formatting import money
from alliance.reversing import kept_reverse
from alliance.templatetags.hub_format import date as date_filter
from alliance.templatetags.hub_format import printed as _text
from billing.aging import AgingEntry, AgingTotals
from billing.models import ZERO, EntryKind, FamilyAccount, Invoice
from billing.worklist import Contact, WorklistRow


def _money(value: Any) -> str:
    """What `{{ value|money }}` writes."""
    return html.escape(money(value))


def _joined(values: Iterable[Any]) -> str:
    """What `{{ values|join:", " }}` writes."""
    return ", ".join(_text(v) if type(v) is str else conditional_escape(v) for v in values)


def _money_cells(values: Iterable[Decimal]) -> str:
    return "".join(f'<td class="num">{_money(v)}</td>' for v in values)


def contacts_html(contacts: Sequence[Contact]) -> str:
    """billing/_contacts.html for a row's contacts."""
    if not contacts:
        return '<span class="help-inline">No guardian on file</span>\n'
    parts = ['<ul class="contacts">']
    for c in contacts:
        primary = ' <small class="help-inline">(primary)</small>' if c.primary else ""
        phone = f'<a class="tel" href="tel:{_text(c.tel)}">{_text(c.phone)}</a>' if c.phone else ""
        email = f'<a class="mailto" href="mailto:{_text(c.email)}">{_text(c.email)}</a>' if c.email else ""
        none = '<small class="help-inline">no phone or email on file</small>' if not c.phone and not c.email else ""
        parts.append(
            f'\n  <li><span class="contact-name">{_text(c.name)}{primary}</span>\n'
            f"    {phone}\n    {email}\n    {none}</li>\n"
        )
    parts.append("</ul>\n")
    return "".join(parts)


def collections_rows_html(rows: Iterable[WorklistRow], *, slug: str, here: str) -> SafeString:
    """The worklist's <tbody> rows (billing/collections.html), `here` the page's own path."""
    next_query = _text(urlencode(here))
    out = []
    for row in rows:
        pk = _text(row.account_id)
        account_url = kept_reverse("billing:account_detail", slug, row.account_id)
        family, program, number = _text(row.family_name), _text(row.program_name), _text(row.account_number)
        children = f"{_joined(row.children)} · " if row.children else ""
        payers = f" · {_joined(row.payers)}" if row.payers else ""
        promise = "—"
        if row.promise:
            amount, by = _money(row.promise.promised_amount), _text(row.promise.promised_on)
            promise = (
                f'<span class="badge badge-promise-{_text(row.promise_status)}">{_text(row.promise_label)}</span>'
                f' <small class="help">{amount} by {by}</small>'
            )
        plan = ""
        if row.plan:
            plan = (
                f'<small class="help">Plan: {_money(row.plan.installment)} every {_text(row.plan.every_days)}'
                " days</small>"
            )
        contact = "Never"
        note = row.last_note
        if note:
            day = conditional_escape(date_filter(template_localtime(note.created_at), "M j"))
            outcome = f"{_text(note.get_outcome_display())} — " if note.outcome else ""
            contact = f"{day}: {outcome}{_text(truncatechars(note.note, 60))}"
        out.append(
            f'\n    <tr id="account-{pk}">\n'
            f'      <td><input type="checkbox" name="accounts" value="{pk}" form="bulk" id="select-{pk}"'
            f' aria-label="Select {family} at {program} (account {number})"></td>\n'
            f'      <th scope="row"><a href="{account_url}">{family}</a>\n'
            f'        <small class="help">{children}Account {number}{payers}</small></th>\n'
            f"      <td>{program}</td>\n"
            f"      <td>{contacts_html(row.contacts)}</td>\n"
            f'      <td class="num">{_text(row.aging.days_past_due)}</td>\n'
            f'      <td class="num">{_money(row.aging.past_due)}</td>\n'
            f'      <td class="num">{_money(row.aging.balance)}</td>\n'
            f"      <td>{promise}\n"
            f"        {plan}</td>\n"
            f"      <td>{contact}</td>\n"
            f'      <td class="inline-actions no-print"><a class="button"'
            f' href="{kept_reverse("billing:collection_note", slug, row.account_id)}?next={next_query}">Log call'
            f'<span class="visually-hidden"> with {family} ({program})</span></a>\n'
            f'        <a href="{kept_reverse("billing:payment_plan", slug, row.account_id)}">Plan</a>'
            f' <a href="{kept_reverse("billing:write_off", slug, row.account_id)}">Write off</a></td></tr>\n  '
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped by _text, _money or _joined


def aging_program_rows_html(programs: Iterable[tuple[str, AgingTotals]]) -> SafeString:
    """The aging page's rows of program totals (billing/aging.html)."""
    out = [
        f'\n    <tr><th scope="row">{_text(name)}</th>{_money_cells(t.bucket_values)}'
        f'<td class="num">{_money(t.unapplied_credit)}</td><td class="num">{_money(t.balance)}</td></tr>\n  '
        for name, t in programs
    ]
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def aging_family_rows_html(rows: Iterable[WorklistRow], *, slug: str) -> SafeString:
    """The aging page's family rows (billing/aging.html)."""
    out = [
        f'\n    <tr><th scope="row"><a href="{kept_reverse("billing:account_detail", slug, r.account_id)}">'
        f"{_text(r.family_name)}</a>"
        f' <small class="help-inline">Account {_text(r.account_number)}</small></th>'
        f"<td>{_text(r.program_name)}</td>{_money_cells(r.aging.bucket_values)}"
        f'<td class="num">{_money(r.aging.balance)}</td></tr>\n  '
        for r in rows
    ]
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


ENTRY_KIND_LABELS = dict(EntryKind.choices)


def ledger_rows_html(entries: Iterable[AgingEntry], *, slug: str) -> SafeString:
    """The account page's ledger rows (billing/account_detail.html), each entry with the balance after
    it, from the account's entries oldest first (`billing.aging.account_entries`)."""
    out, running = [], ZERO
    for entry in entries:
        running += entry.amount
        reverses = (
            f' <small class="help">reverses entry {_text(entry.reverses_id)}</small>' if entry.reverses_id else ""
        )
        invoice = ""
        if entry.invoice_id:
            url = kept_reverse("billing:invoice_detail", slug, entry.invoice_id)
            invoice = f'<a href="{url}">{_text(entry.invoice_number)}</a>'
        kind = ENTRY_KIND_LABELS.get(entry.kind, entry.kind)  # get_kind_display()
        out.append(
            f"\n    <tr><td>{_text(entry.posted_on)}</td><td>{_text(kind)}</td>\n"
            f"      <td>{_text(entry.description)}{reverses}</td>\n"
            f"      <td>{invoice}</td>\n"
            f'      <td class="num">{_money(entry.amount)}</td><td class="num">{_money(running)}</td></tr>\n  '
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def invoice_rows_html(invoices: Iterable[Invoice], *, slug: str) -> SafeString:
    """The invoice list's rows (billing/invoice_list.html), invoices read with their account's family
    and their program (`billing.worklist.invoices_ordered`)."""
    out = []
    for i in invoices:
        url = kept_reverse("billing:invoice_detail", slug, i.pk)
        out.append(
            f'\n    <tr><th scope="row"><a href="{url}">{_text(i.number)}</a></th>'
            f"<td>{_text(i.account.holder_name)}</td>\n"
            f"      <td>{_text(i.program.name)}</td><td>{_text(i.period_start)} – {_text(i.period_end)}</td>"
            f"<td>{_text(i.due_on)}</td>\n"
            f'      <td><span class="badge badge-{_text(i.status)}">{_text(i.get_status_display())}</span></td>'
            f'<td class="num">{_money(i.total)}</td></tr>\n  '
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def account_rows_html(accounts: Iterable[FamilyAccount], *, slug: str) -> SafeString:
    """The account list's rows (billing/account_list.html), accounts read with their family, program
    and `balance` (`billing.selectors.accounts_with_balances`)."""
    out = []
    for a in accounts:
        url = kept_reverse("billing:account_detail", slug, a.pk)
        staff = ' <span class="badge">staff</span>' if a.staff_discount else ""
        out.append(
            f'\n    <tr><td><a href="{url}">{_text(a.holder_name)}</a>{staff}</td>\n'
            f'      <td>{_text(a.program.name)}</td><td class="num">{_money(a.balance)}</td></tr>\n  '  # type: ignore[attr-defined]
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
