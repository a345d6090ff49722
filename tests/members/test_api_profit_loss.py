"""A QuickBooks Online profit and loss report through the API (issue 23): the same import as the
pages (members/imports_profit_loss.py), a dry run by default, all or nothing with commit=true."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.models import AuditEvent
from members.models import CostAccountMapping, ImportBatch, MonthlyCost
from tests.members.test_imports_profit_loss import ACCOUNTS_OF_THE_WORKED_EXAMPLE, PL_CSV

D = datetime.date


def post(client, api, program_pk: int, text: str = PL_CSV, **fields):  # type: ignore[no-untyped-def]
    body = {"file": SimpleUploadedFile("Sunny_Days_Profit_and_Loss.csv", text.encode()), **fields}
    return client.post(api(f"programs/{program_pk}/profit-loss/"), body)


ACCOUNTS = json.dumps(ACCOUNTS_OF_THE_WORKED_EXAMPLE)


def test_dry_run_then_import_of_the_worked_example(clients, x, in_a, api):
    """January 2026 of PL_CSV: teachers 8,000.00 + director 3,000.00 (personnel 11,000.00; the "Total for
    Payroll Expenses" line is not added again) + rent 2,000.00 + food 450.25 = 13,450.25; February
    8,200.00 + 3,000.00 + 2,000.00 + 512.40 = 13,712.40; March has no amounts; Bank Charges ignored."""
    client = clients.provider_x

    # No categories yet: every expense line says so; 400, nothing kept.
    refused = post(client, api, x.program.pk)
    assert refused.status_code == 400, refused.json()
    errors = refused.json()["file"]
    assert {e["line"] for e in errors} == {13, 14, 16, 17, 21}
    assert all("no cost category yet" in e["message"] for e in errors)

    dry = post(client, api, x.program.pk, accounts=ACCOUNTS)
    assert dry.status_code == 200, dry.json()
    body = dry.json()
    assert (body["committed"], body["errors"], body["unmapped_accounts"]) == (False, [], [])
    assert body["months"] == ["2026-01", "2026-02", "2026-03"]
    jan, feb = body["month_totals"]
    assert jan == {
        "month": "2026-01",
        "total": "13450.25",
        "categories": {"personnel": "11000.00", "occupancy": "2000.00", "food": "450.25"},
        "held": {"personnel": None, "occupancy": None, "food": None},
    }
    assert feb["total"] == "13712.40"
    income = [line for line in body["lines"] if line["section"] == "income"]
    assert [line["note"] for line in income] == ["Income: not a cost, left out."] * 2
    with in_a():  # a dry run keeps nothing: no batch, no account choices, no costs, no audit events
        assert not ImportBatch.objects.exists()
        assert not CostAccountMapping.objects.exists()
        assert not MonthlyCost.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="import.").exists()

    done = post(client, api, x.program.pk, accounts=ACCOUNTS, commit="true")
    assert done.status_code == 201, done.json()
    body = done.json()
    assert body["committed"] is True
    assert body["report"]["created"] == {"monthly cost": 6}
    with in_a():
        held = {(c.month, c.category): c.amount for c in MonthlyCost.objects.filter(month=D(2026, 1, 1))}
        assert held == {
            (D(2026, 1, 1), "personnel"): Decimal("11000.00"),
            (D(2026, 1, 1), "occupancy"): Decimal("2000.00"),
            (D(2026, 1, 1), "food"): Decimal("450.25"),
        }
        assert sum(held.values()) == Decimal("13450.25")
        assert dict(CostAccountMapping.objects.values_list("account", "category")) == ACCOUNTS_OF_THE_WORKED_EXAMPLE
        assert AuditEvent.objects.filter(action="import.committed").count() == 1

    # The saved choices serve the next report: no accounts needed; nothing changes.
    again = post(client, api, x.program.pk, commit="true")
    assert again.status_code == 201, again.json()
    assert again.json()["report"]["unchanged"] == {"monthly cost": 6}
    monthly = client.get(api(f"programs/{x.program.pk}/monthly-costs/") + "?months=60").json()
    assert next(m for m in monthly if m["month"] == "2026-01")["total"] == "13450.25"


def test_a_bad_file_is_400_with_every_line_and_writes_nothing(clients, x, in_a, api):
    bad = PL_CSV.replace("450.25,512.40", "4x0.25,512.40").replace('"2,000.00","2,000.00"', '"-9,000.00",0')
    response = post(clients.staff_a, api, x.program.pk, bad, accounts=ACCOUNTS, commit="true")
    assert response.status_code == 400, response.json()
    errors = {(e["line"], e["column"]): e["message"] for e in response.json()["file"]}
    assert errors[(17, "Jan 2026")] == "“4x0.25” is not an amount."
    assert "a month's cost cannot be negative" in errors[(16, "Jan 2026")]
    with in_a():
        assert not MonthlyCost.objects.exists()
        assert not ImportBatch.objects.exists()
        assert not CostAccountMapping.objects.exists()

    not_a_report = post(clients.staff_a, api, x.program.pk, "name,amount\nRent,2000\n")
    assert not_a_report.status_code == 400
    assert "file" in not_a_report.json()
    wrong = post(clients.staff_a, api, x.program.pk, accounts='{"Food": "snacks"}')
    assert wrong.status_code == 400
    assert "Not a category for Food" in wrong.json()["accounts"][0]
    assert post(clients.staff_a, api, x.program.pk, accounts="[1]").status_code == 400
    with in_a():
        assert not ImportBatch.objects.exists()


def test_who_may(clients, x, y, api):
    assert post(clients.admin_a, api, x.program.pk, accounts=ACCOUNTS).status_code == 200
    assert post(clients.staff_a, api, x.program.pk, accounts=ACCOUNTS).status_code == 200
    assert post(clients.provider_x, api, x.program.pk, accounts=ACCOUNTS).status_code == 200
    assert post(clients.provider_y, api, x.program.pk, accounts=ACCOUNTS).status_code == 404
    assert post(clients.admin_b, api, x.program.pk, accounts=ACCOUNTS).status_code == 404
    assert post(clients.funder_a, api, x.program.pk, accounts=ACCOUNTS).status_code == 403
