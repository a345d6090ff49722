"""Monthly costs from a QuickBooks Online profit and loss report (issue 23, item 2): upload the
report by month (CSV or XLSX), map each expense account once to a cost category, preview
month × category against what the Hub holds, import all or nothing."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.models import AuditEvent
from members.imports_profit_loss import guess_category, parse_amount, parse_month_header, read_profit_loss
from members.models import CostAccountMapping, ImportBatch, MonthlyCost

D = datetime.date

# The shape of QuickBooks Online's "Profit and Loss" export with columns by month: three title
# lines, a blank line, the month header (first cell blank, a Total column), sections, children
# indented with spaces under their parent, "Total for" lines, computed lines and a footer.
PL_CSV = """Sunny Days Learning Center
Profit and Loss
January - March 2026

,Jan 2026,Feb 2026,Mar 2026,Total
Income
   Tuition Income,"20,000.00","20,500.00",,"$40,500.00"
   Subsidy Income,"1,250.00",,,"1,250.00"
Total for Income,"$21,250.00","$20,500.00",$0.00,"$41,750.00"
Gross Profit,"$21,250.00","$20,500.00",$0.00,"$41,750.00"
Expenses
   Payroll Expenses
      Salaries - Teachers,"8,000.00","8,200.00",,"16,200.00"
      Salaries - Director,"3,000.00","3,000.00",,"6,000.00"
   Total for Payroll Expenses,"$11,000.00","$11,200.00",$0.00,"$22,200.00"
   Rent or Lease,"2,000.00","2,000.00",,"4,000.00"
   Food,450.25,512.40,,962.65
Total for Expenses,"$13,450.25","$13,712.40",$0.00,"$27,162.65"
Net Operating Income,"$7,799.75","$6,787.60",$0.00,"$14,587.35"
Other Expenses
   Bank Charges,(15.00),12.00,,-3.00
Total for Other Expenses,-$15.00,$12.00,$0.00,-$3.00
Net Other Income,$15.00,-$12.00,$0.00,$3.00
Net Income,"$7,814.75","$6,775.60",$0.00,"$14,590.35"


"Accrual Basis Sunday, December 6, 2026 08:00 AM GMT-05:00"
"""

ACCOUNTS_OF_THE_WORKED_EXAMPLE = {
    "Payroll Expenses:Salaries - Teachers": "classroom_personnel",
    "Payroll Expenses:Salaries - Director": "admin_personnel",
    "Rent or Lease": "occupancy",
    "Food": "food",
    "Bank Charges": "ignore",
}


def pl_xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, page, program, text: str | bytes, name: str = "Sunny_Days_Profit_and_Loss.csv"):  # type: ignore[no-untyped-def]
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(page("profit_loss_upload", program.pk), {"file": SimpleUploadedFile(name, raw)})


def map_accounts(client, accounts_url: str, choices: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Post the accounts page as shown (its pre-filled choices), with `choices` by account name."""
    form = client.get(accounts_url).context["form"]
    data = {}
    for name, account in form.accounts.items():
        data[name] = (choices or {}).get(account, form.fields[name].initial or "")
    return client.post(accounts_url, data)


class TestReadingTheReport:
    def test_amounts_and_months_as_accountants_write_them(self):
        assert parse_amount("8,000.00") == Decimal("8000.00")
        assert parse_amount("$1,234.5") == Decimal("1234.50")
        assert parse_amount("(15.00)") == Decimal("-15.00")
        assert parse_amount("-$15.00") == Decimal("-15.00")
        assert parse_amount("") is None
        for bad in ("12,3x4", "1.234", "N/A"):
            with pytest.raises(ValueError, match=re.escape(bad)):
                parse_amount(bad)
        assert parse_month_header("Jan 2026") == D(2026, 1, 1)
        assert parse_month_header("January 2026") == D(2026, 1, 1)
        assert parse_month_header("Jan. 2026") == D(2026, 1, 1)
        assert parse_month_header("Sept 2026") == D(2026, 9, 1)
        assert parse_month_header("Total") is None

    def test_each_account_line_is_read_once_and_totals_are_never_counted(self):
        report = read_profit_loss(PL_CSV.encode(), "pl.csv")
        assert report.months == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
        assert report.title == "Sunny Days Learning Center"
        accounts = [(line["values"]["section"], line["values"]["account"]) for line in report.lines]
        assert accounts == [
            ("income", "Tuition Income"),
            ("income", "Subsidy Income"),
            ("expense", "Payroll Expenses:Salaries - Teachers"),
            ("expense", "Payroll Expenses:Salaries - Director"),
            ("expense", "Rent or Lease"),
            ("expense", "Food"),
            ("expense", "Bank Charges"),
        ]
        food = report.lines[5]
        assert food["line"] == 17
        assert food["values"]["amounts"] == {"2026-01-01": "450.25", "2026-02-01": "512.40", "2026-03-01": ""}

    def test_an_xlsx_export_reads_the_same_as_its_csv(self):
        """QuickBooks' Excel export indents by cell format, not spaces; numbers are numbers."""
        raw = pl_xlsx(
            [
                ["Sunny Days Learning Center"],
                ["Profit and Loss"],
                ["January - March 2026"],
                [],
                ["Distribution account", "January 2026", "February 2026", "March 2026", "Total"],
                ["Income"],
                ["Tuition Income", 20000, 20500, None, 40500],
                ["Subsidy Income", 1250, None, None, 1250],
                ["Total for Income", 21250, 20500, 0, 41750],
                ["Expenses"],
                ["Payroll Expenses"],
                ["Salaries - Teachers", 8000, 8200, None, 16200],
                ["Salaries - Director", 3000, 3000, None, 6000],
                ["Total for Payroll Expenses", 11000, 11200, 0, 22200],
                ["Rent or Lease", 2000, 2000, None, 4000],
                ["Food", 450.25, 512.4, None, 962.65],
                ["Total for Expenses", 13450.25, 13712.4, 0, 27162.65],
                ["Other Expenses"],
                ["Bank Charges", -15, 12, None, -3],
                ["Total for Other Expenses", -15, 12, 0, -3],
                ["Net Income", 7814.75, 6775.6, 0, 14590.35],
            ]
        )
        xlsx = read_profit_loss(raw, "pl.xlsx")
        csv = read_profit_loss(PL_CSV.encode(), "pl.csv")
        assert xlsx.months == csv.months
        assert [line["values"]["account"] for line in xlsx.lines] == [line["values"]["account"] for line in csv.lines]
        for a, b in zip(xlsx.lines, csv.lines, strict=True):
            for month, text in a["values"]["amounts"].items():
                assert parse_amount(text) == parse_amount(b["values"]["amounts"][month])

    def test_a_file_that_is_not_a_report_by_month_is_refused_with_what_to_do(self):
        with pytest.raises(ValidationError, match="Display columns by"):
            read_profit_loss(b"name,amount\nRent,2000\n", "x.csv")
        with pytest.raises(ValidationError, match="no expense lines"):
            read_profit_loss(b",Jan 2026,Total\nIncome\n   Tuition,100,100\n", "x.csv")

    def test_guesses_ask_about_pay_whose_role_the_name_does_not_say(self):
        assert guess_category("Payroll Expenses:Salaries - Teachers") == "classroom_personnel"
        assert guess_category("Payroll Expenses:Salaries - Director") == "admin_personnel"
        assert guess_category("Payroll Expenses:Wages") is None
        assert guess_category("Payroll") is None
        assert guess_category("Rent or Lease") == "occupancy"
        assert guess_category("Food") == "food"
        assert guess_category("Classroom Supplies") == "supplies"


class TestWorkedExample:
    def test_a_report_becomes_the_months_costs_shown_on_the_costs_page(self, clients, x, in_a, page):
        """Hand arithmetic, January 2026 of PL_CSV:

        Salaries - Teachers 8,000.00 → classroom personnel 8,000.00
        Salaries - Director 3,000.00 → administration personnel 3,000.00
          personnel = 8,000.00 + 3,000.00 = 11,000.00 (the "Total for Payroll Expenses" line,
          11,000.00, is not added again)
        Rent or Lease 2,000.00 → occupancy 2,000.00
        Food 450.25 → food 450.25
        Bank Charges (15.00) → ignored; Tuition and Subsidy income → left out
        Month total 11,000.00 + 2,000.00 + 450.25 = 13,450.25.
        February: 8,200 + 3,000 = 11,200.00 personnel, 2,000.00 rent, 512.40 food = 13,712.40.
        March has no amounts: skipped, nothing written.
        """
        client = clients.provider_x
        response = upload(client, page, x.program, PL_CSV)
        assert response.status_code == 302
        accounts_url = response["Location"]
        assert accounts_url.endswith("/accounts/")  # nothing mapped yet
        shown = client.get(accounts_url)
        assert b"Tuition Income" in shown.content  # listed as left out
        form = shown.context["form"]
        initial = {account: form.fields[name].initial for name, account in form.accounts.items()}
        assert initial["Payroll Expenses:Salaries - Teachers"] == "classroom_personnel"
        assert initial["Rent or Lease"] == "occupancy"
        assert initial["Food"] == "food"

        # Not mapped yet: the preview says so and a commit writes nothing.
        preview_url = accounts_url.removesuffix("accounts/")
        blocked = client.get(preview_url)
        assert b"no cost category yet" in blocked.content
        client.post(preview_url, {"action": "commit"})
        with in_a():
            assert not MonthlyCost.objects.exists()

        mapped = map_accounts(client, accounts_url, {"Bank Charges": "ignore"})
        assert mapped.status_code == 302
        assert mapped["Location"] == preview_url
        with in_a():
            assert dict(CostAccountMapping.objects.values_list("account", "category")) == ACCOUNTS_OF_THE_WORKED_EXAMPLE

        preview = client.get(preview_url)
        text = re.sub(r"\s+", " ", preview.content.decode())
        summary = preview.context["summary"]
        assert [m.month for m in summary.months] == [D(2026, 1, 1), D(2026, 2, 1)]
        assert summary.skipped == [D(2026, 3, 1)]
        jan = summary.months[0]
        assert {c: cell.amount for c, cell in jan.cells.items()} == {
            "personnel": Decimal("11000.00"),
            "occupancy": Decimal("2000.00"),
            "food": Decimal("450.25"),
        }
        assert (jan.admin, jan.classroom, jan.total) == (Decimal("3000.00"), Decimal("8000.00"), Decimal("13450.25"))
        assert "$13,450.25" in text
        assert "$13,712.40" in text
        assert "admin $3,000.00 · classroom $8,000.00" in text
        assert "6 figures over 2 months will be written" in text
        with in_a():
            assert not MonthlyCost.objects.exists()  # not before the confirmation

        done = client.post(preview_url, {"action": "commit"})
        assert done.status_code == 302
        with in_a():
            held = {(c.month, c.category): c.amount for c in MonthlyCost.objects.all()}
            assert held == {
                (D(2026, 1, 1), "personnel"): Decimal("11000.00"),
                (D(2026, 1, 1), "occupancy"): Decimal("2000.00"),
                (D(2026, 1, 1), "food"): Decimal("450.25"),
                (D(2026, 2, 1), "personnel"): Decimal("11200.00"),
                (D(2026, 2, 1), "occupancy"): Decimal("2000.00"),
                (D(2026, 2, 1), "food"): Decimal("512.40"),
            }
            note = MonthlyCost.objects.get(month=D(2026, 1, 1), category="personnel").note
            assert note == "From the profit and loss report: administration $3,000.00, classroom $8,000.00."
            assert AuditEvent.objects.filter(action="costs.updated").count() == 2  # one per month
            assert AuditEvent.objects.filter(action="import.committed").count() == 1
            assert AuditEvent.objects.filter(action="import.accounts_mapped").count() == 1
        report = client.get(done["Location"])
        assert "January 2026 Personnel: $11,000.00 (new)." in report.content.decode()

        costs = client.get(page("program_costs", x.program.pk))
        jan_row = next(m for m in costs.context["months"] if m.month == D(2026, 1, 1))
        assert jan_row.total == Decimal("13450.25")
        costs_text = re.sub(r"\s+", " ", costs.content.decode())
        assert re.search(r"Jan 2026</th>.*?<strong>\$13,450\.25</strong>", costs_text)
        assert "Import a profit and loss report" in costs_text

    def test_the_same_report_again_writes_nothing_and_a_changed_line_says_what_changed(self, clients, x, in_a, page):
        client = clients.staff_a
        first = upload(client, page, x.program, PL_CSV)
        map_accounts(client, first["Location"], {"Bank Charges": "ignore"})
        client.post(first["Location"].removesuffix("accounts/"), {"action": "commit"})
        with in_a():
            events = AuditEvent.objects.filter(action="costs.updated").count()

        again = upload(client, page, x.program, PL_CSV)
        assert not again["Location"].endswith("/accounts/")  # every account is mapped already
        preview = client.get(again["Location"])
        assert b"Nothing would change" in preview.content
        done = client.post(again["Location"], {"action": "commit"})
        shown = client.get(done["Location"]).content.decode()
        assert "nothing changed" in shown
        with in_a():
            assert AuditEvent.objects.filter(action="costs.updated").count() == events
            assert ImportBatch.objects.filter(status="committed").count() == 2

        changed = PL_CSV.replace("   Food,450.25,", "   Food,475.25,")
        third = upload(client, page, x.program, changed)
        preview = client.get(third["Location"]).content.decode()
        assert "changed +$25.00" in re.sub(r"\s+", " ", preview)
        done = client.post(third["Location"], {"action": "commit"})
        shown = client.get(done["Location"]).content.decode()
        assert "January 2026 Food: $450.25 → $475.25 (+$25.00)." in shown
        with in_a():
            assert MonthlyCost.objects.get(month=D(2026, 1, 1), category="food").amount == Decimal("475.25")
            assert AuditEvent.objects.filter(action="costs.updated").count() == events + 1
            batch = ImportBatch.objects.filter(status="committed").order_by("-pk").first()
            assert batch.report["updated"] == {"monthly cost": 1}
            assert batch.report["unchanged"] == {"monthly cost": 5}


class TestBadReports:
    def test_a_new_account_blocks_the_import_until_it_is_mapped(self, clients, x, in_a, page):
        client = clients.provider_x
        first = upload(client, page, x.program, PL_CSV)
        map_accounts(client, first["Location"], {"Bank Charges": "ignore"})
        with_trips = PL_CSV.replace("   Food,450.25", "   Field Trips,80.00,,,80.00\n   Food,450.25")
        second = upload(client, page, x.program, with_trips)
        assert second["Location"].endswith("/accounts/")
        preview_url = second["Location"].removesuffix("accounts/")
        refused = client.post(preview_url, {"action": "commit"})
        assert refused.status_code == 200
        text = refused.content.decode()
        assert "Nothing was imported" in text
        assert "“Field Trips” has no cost category yet" in text
        with in_a():
            assert not MonthlyCost.objects.exists()
        # A choice left blank is a form error, and nothing is saved.
        blank = client.post(second["Location"], {})
        assert blank.status_code == 200
        assert blank.context["form"].errors

    def test_every_bad_line_is_reported_and_nothing_is_written(self, clients, x, in_a, page, today):
        client = clients.provider_x
        first = upload(client, page, x.program, PL_CSV)
        map_accounts(client, first["Location"], {"Bank Charges": "ignore"})
        future = (today.replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
        bad = (
            PL_CSV.replace(",Jan 2026,Feb 2026,Mar 2026,Total", f",Jan 2026,Feb 2026,{future:%b %Y},Total")
            .replace("   Food,450.25,512.40,,", "   Food,450.25,5x2.40,99.00,")
            .replace('   Tuition Income,"20,000.00"', "   Tuition Income,TBD")  # income: left out, not checked
            .replace('      Salaries - Director,"3,000.00","3,000.00",,', "      Salaries - Director,,(20.00),,")
        )
        second = upload(client, page, x.program, bad)
        preview = client.get(second["Location"])
        lines = preview.context["preview"].error_lines()
        assert "Line 17, Feb 2026: “5x2.40” is not an amount." in lines
        assert any(line.startswith(f"Line 17, {future:%b %Y}:") and "has not begun" in line for line in lines)
        assert len(lines) == 2  # the director's (20.00) credit leaves February's personnel at 8,180.00
        client.post(second["Location"], {"action": "commit"})
        with in_a():
            assert not MonthlyCost.objects.exists()

    def test_negative_category_totals_are_refused(self, clients, x, in_a, page):
        client = clients.provider_x
        first = upload(client, page, x.program, PL_CSV)
        map_accounts(client, first["Location"], {"Bank Charges": "other"})
        preview = client.get(first["Location"].removesuffix("accounts/"))
        lines = preview.context["preview"].error_lines()
        assert lines == [
            "Line 21, Jan 2026: The accounts mapped to Other add up to -$15.00 in January 2026; "
            "a month's cost cannot be negative."
        ]

    def test_a_file_that_is_not_a_report_stays_on_the_form(self, clients, x, in_a, page):
        response = upload(clients.provider_x, page, x.program, "month,personnel\n2026-01,100\n")
        assert response.status_code == 200
        assert "Display columns by" in str(response.context["form"].errors)
        with in_a():
            assert not ImportBatch.objects.exists()


class TestAccess:
    def test_another_programs_provider_and_other_alliances_get_404(self, clients, x, in_a, page):
        first = upload(clients.provider_x, page, x.program, PL_CSV)
        accounts_url = first["Location"]
        preview_url = accounts_url.removesuffix("accounts/")
        for url in (accounts_url, preview_url):
            assert clients.provider_y.get(url).status_code == 404
            assert clients.staff_b.get(url).status_code == 404
            assert clients.funder_a.get(url).status_code == 403
            assert clients.staff_a.get(url).status_code == 200
        assert clients.provider_y.post(preview_url, {"action": "commit"}).status_code == 404
        # The generic import pages do not take a profit and loss report.
        with in_a():
            batch = ImportBatch.objects.get()
        assert clients.staff_a.get(page("import_preview", x.program.pk, batch.pk)).status_code == 404
        assert clients.staff_a.get(page("import_upload", x.program.pk, "profit_loss")).status_code == 404


class TestDemo:
    def test_the_demo_imports_a_report_of_its_own_costs_and_the_costs_tab_links_to_it(
        self, clients, x, in_a, page, today
    ):
        """The demo writes a report from the program's own last three months (personnel split 78 % teachers,
        the rest the director): importing it changes nothing, and the costs tab says so."""
        from alliance.dates import months_back
        from members.demo import _seed_profit_loss_import
        from members.models import CostCategory
        from tests.members.factories import MonthlyCostFactory

        anchor = today.replace(day=1)
        months = months_back(3, until=anchor - datetime.timedelta(days=1))
        with in_a():
            for month in months:
                for category in CostCategory.values:
                    MonthlyCostFactory(program=x.program, month=month, category=category, amount=Decimal("1234.57"))
            _seed_profit_loss_import(x.program, anchor)
            batch = ImportBatch.objects.get(kind="profit_loss")
            assert batch.status == "committed"
            assert batch.report["nothing_changed"] is True
            assert CostAccountMapping.objects.filter(program=x.program).count() == 7
        costs = clients.provider_x.get(page("program_costs", x.program.pk)).content.decode()
        assert "Profit_and_Loss.csv" in costs
        assert "(nothing changed)" in costs
