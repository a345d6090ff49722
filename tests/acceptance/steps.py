"""What a Hub user does on the pages, one function a step, and how they read the figures back.

Every write goes through a form in the browser (`submit`): the field is found by its name,
filled as a person would (a select by its option, checkboxes ticked or unticked), the form's
own button pressed, and the page that follows must show no form error. Figures are read
from what the page prints (`comparison`, `cards`, `members_row`), from the API with the
signed-in session, from the CSV downloads and from the PDF's text.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_page, sign_in

ERRORS = ".errorlist, .message-error, .panel-error, [role=alert].message"


# --- Dates of a case -------------------------------------------------------------------------------
def weekdays_between(first: datetime.date, last: datetime.date) -> int:
    """Mondays to Fridays from first to last, both included: the hand count of operating days."""
    return sum(1 for n in range((last - first).days + 1) if (first + datetime.timedelta(days=n)).weekday() < 5)


def month_last(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def iso_month(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


# --- Forms ---------------------------------------------------------------------------------------
def fill(page: Page, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        field = page.locator(f"[name='{name}']")
        kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select"):
            options = field.first.locator("option").all_inner_texts()
            if isinstance(value, str) and value in options:
                field.first.select_option(label=value)
            else:
                field.first.select_option(value=str(value))
        elif kind.endswith(":checkbox"):
            wanted = {str(v) for v in value} if isinstance(value, (list, tuple, set)) else None
            for box in field.all():
                on = bool(value) if wanted is None else box.get_attribute("value") in wanted
                box.set_checked(on)
        elif kind.endswith(":radio"):
            page.locator(f"[name='{name}'][value='{value}']").check()
        elif kind.endswith(":file"):
            field.first.set_input_files(value)
        else:
            field.first.fill(str(value))


def submit(page: Page, url: str | None, fields: dict[str, Any], *, button: str | None = None) -> None:
    """Open the page (unless already on it), fill the form that holds the first field, press its
    button, and insist the next page shows no form error."""
    if url is not None:
        page.goto(url)
    first = next(iter(fields))
    form = page.locator(f"form:has([name='{first}'])").first
    fill(page, fields)
    target = (
        form.get_by_role("button", name=button) if button else form.locator("button[type=submit], input[type=submit]")
    )
    with page.expect_navigation():
        target.first.click()
    page.wait_for_load_state()
    errors = page.locator(ERRORS)
    if errors.count():
        texts = [
            e.evaluate("e => (e.closest('.field, p, div') || e).innerText").strip()
            for e in errors.all()
            if e.inner_text().strip()
        ]
        assert not texts, f"the form at {url or page.url} was refused: {texts}"


def pk_in_url(page: Page, pattern: str) -> int:
    found = re.search(pattern, page.url)
    assert found, f"{page.url} does not match {pattern}"
    return int(found.group(1))


# --- The set-up a Hub director does ---------------------------------------------------------------
def sign_in_hub(page: Page, hub: SimpleNamespace, console_errors: list[str]) -> None:
    sign_in(page, hub.base, hub.admin.email, hub.password, totp_secret=hub.admin.totp_secret)
    expect(page).to_have_url(f"{hub.a}/today/")  # hub staff land on what needs doing now
    check_page(page, console_errors)


def sign_in_as(page: Page, hub: SimpleNamespace, user: Any) -> None:
    """Sign out of the browser's session and in as someone else (no second factor for these roles)."""
    page.context.clear_cookies()
    sign_in(page, hub.base, user.email, hub.password)


def program_create(
    page: Page, hub: SimpleNamespace, *, name: str, kind: str, joined_on: datetime.date, licensed: int
) -> int:
    submit(
        page,
        f"{hub.a}/programs/new/",
        {
            "name": name,
            "kind": kind,
            "status": "active",
            "joined_on": joined_on.isoformat(),
            "license_number": f"LIC-{abs(hash(name)) % 100000}",
            "licensed_capacity": licensed,
            "city": "Riverbend",
        },
    )
    return pk_in_url(page, r"/programs/(\d+)/")


def site_create(page: Page, hub: SimpleNamespace, program: int, *, name: str, opened_on: datetime.date) -> None:
    submit(
        page,
        f"{hub.a}/programs/{program}/sites/new/",
        {"name": name, "city": "Riverbend", "opened_on": opened_on.isoformat()},
    )


def classroom_create(
    page: Page,
    hub: SimpleNamespace,
    program: int,
    *,
    name: str,
    age_group: str,
    licensed: int,
    since: datetime.date,
    children_per_staff: int = 10,
) -> None:
    submit(
        page,
        f"{hub.a}/programs/{program}/classrooms/new/",
        {
            "name": name,
            "age_group": age_group,
            "children_per_staff": children_per_staff,
            "operating_days": ["0", "1", "2", "3", "4"],
            "opens_at": "07:30",
            "closes_at": "17:30",
            "licensed_capacity": licensed,
            "effective_from": since.isoformat(),
        },
    )


def rate_plan_create(
    page: Page,
    hub: SimpleNamespace,
    *,
    program: str,
    name: str,
    code: str,
    age_group: str,
    tuition: str,
    since: datetime.date,
) -> None:
    submit(
        page,
        f"{hub.a}/billing/rate-plans/new/",
        {
            "program": program,
            "name": name,
            "code": code,
            "age_group": age_group,
            "days_per_week": 5,
            "effective_from": since.isoformat(),
            "period": "monthly",
            "tuition": tuition,
        },
    )


def family_with_child(
    page: Page, hub: SimpleNamespace, *, family: str, guardian: str, child: str, born: datetime.date
) -> int:
    """A household, its first guardian, and one child; returns the child's id."""
    last = family.split()[0]
    submit(
        page,
        f"{hub.a}/families/new/",
        {
            "family-name": family,
            "family-city": "Riverbend",
            "guardian-first_name": guardian,
            "guardian-last_name": last,
            "guardian-email": f"{guardian.lower()}.{last.lower()}@families.test",
        },
    )
    family_pk = pk_in_url(page, r"/families/(\d+)/")
    submit(
        page,
        f"{hub.a}/families/{family_pk}/children/new/",
        {"first_name": child, "last_name": last, "date_of_birth": born.isoformat()},
    )
    return pk_in_url(page, r"/children/(\d+)/")


def enroll(
    page: Page,
    hub: SimpleNamespace,
    child: int,
    *,
    classroom: str,
    start: datetime.date,
    plan: str,
    funding: str = "private_pay",
    end: datetime.date | None = None,
) -> int:
    fields: dict[str, Any] = {
        "classroom": classroom,
        "start_date": start.isoformat(),
        "weekdays": ["0", "1", "2", "3", "4"],
        "day_length": "full",
        "funding_source": funding,
        "rate_plan_ref": plan,
    }
    if end is not None:
        fields["end_date"] = end.isoformat()
    submit(page, f"{hub.a}/children/{child}/enroll/", fields)
    return pk_in_url(page, r"/enrollments/(\d+)/")


def enrollment_end(page: Page, hub: SimpleNamespace, enrollment: int, *, last_day: datetime.date) -> None:
    submit(
        page,
        f"{hub.a}/enrollments/{enrollment}/end/",
        {"end_date": last_day.isoformat(), "reason": "moved"},
    )


def costs_enter(page: Page, hub: SimpleNamespace, program: int, month: datetime.date, amounts: dict[str, str]) -> None:
    """The month's cost form; categories left out stay blank (personnel blank = the staff roster)."""
    submit(page, f"{hub.a}/programs/{program}/costs/new/", {"month": iso_month(month), **amounts})


def staff_create(page: Page, hub: SimpleNamespace, program: int, **fields: Any) -> None:
    submit(
        page,
        f"{hub.a}/programs/{program}/staff/new/",
        {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in fields.items()},
    )


def invoice_run(page: Page, hub: SimpleNamespace, month: datetime.date, *, programs: int = 1) -> None:
    """The invoice run page's form, then its progress bar until every program is invoiced."""
    page.goto(f"{hub.a}/billing/runs/")
    page.locator("[name='period_start']").fill(month.isoformat())
    page.get_by_role("button", name="Start the run").click()
    progress = page.get_by_role("progressbar", name="Programs invoiced")
    expect(progress).to_have_attribute("value", str(programs), timeout=30_000)


def account_of(page: Page, hub: SimpleNamespace, family: str) -> int:
    page.goto(f"{hub.a}/billing/accounts/?q={family.split()[0]}")
    page.get_by_role("link", name=re.compile(family.split()[0])).first.click()
    page.wait_for_load_state()
    return pk_in_url(page, r"/billing/accounts/(\d+)/")


def payment_record(
    page: Page,
    hub: SimpleNamespace,
    account: int,
    *,
    amount: str,
    on: datetime.date,
    method: str = "check",
    reference: str = "",
) -> None:
    submit(
        page,
        f"{hub.a}/billing/accounts/{account}/payments/new/",
        {
            "amount": amount,
            "method": method,
            "received_on": on.isoformat(),
            "reference": reference or f"{account}-{on:%m%d}",
        },
    )


# --- Running the nightly work -----------------------------------------------------------------------
def nightly_rollup(hub: SimpleNamespace, *, start: datetime.date | None = None) -> None:
    """The rollup has no button: run the task beat runs nightly for this alliance (metrics.rollup_alliance),
    with its own nightly range, or from `start` (a back-fill of history, as after an import)."""
    from metrics.tasks import rollup_alliance_task

    with hub.db():
        rollup_alliance_task.apply(
            args=[hub.alliance.pk], kwargs={"start": start.isoformat()} if start else {}, throw=True
        )


# --- Reading the figures -----------------------------------------------------------------------------
def comparison(page: Page) -> dict[str, str]:
    """The figures table of a member's page (drill-down or provider figures): label → own value."""
    rows = page.locator("table:has(th:text('Figure')) tbody tr")
    return {row.locator("th").inner_text().strip(): row.locator("td").first.inner_text().strip() for row in rows.all()}


def cards(page: Page) -> list[str]:
    """The headline cards, each as 'figure label'."""
    return [" ".join(c.inner_text().split()) for c in page.locator(".cards .card").all()]


def card(page: Page, label_start: str) -> str:
    for text in cards(page):
        figure, _, label = text.partition(" ")
        if label.startswith(label_start):
            return figure
    raise AssertionError(f"no card '{label_start}' on {page.url}: {cards(page)}")


def members_row(page: Page, program: str) -> dict[str, str]:
    """The dashboard's members table row of one program, by column heading."""
    table = page.locator("table.members-table")
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has=page.get_by_role("link", name=program, exact=True))
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    return dict(zip(heads, cells, strict=False))


def api_get(page: Page, url: str) -> Any:
    response = page.request.get(url)
    assert response.status == 200, f"{url}: {response.status} {response.text()[:300]}"
    return response.json()


def api_rows(page: Page, url: str) -> list[dict[str, Any]]:
    data = api_get(page, url)
    return data["results"] if isinstance(data, dict) and "results" in data else data


def csv_download(page: Page, url: str) -> list[dict[str, str]]:
    response = page.request.get(url)
    assert response.status == 200, f"{url}: {response.status}"
    return list(csv.DictReader(io.StringIO(response.text())))


def pdf_text(page: Page, url: str) -> str:
    from pypdf import PdfReader

    response = page.request.get(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert response.headers["content-type"].startswith("application/pdf")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def dec(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").replace("%", ""))
