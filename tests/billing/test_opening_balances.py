"""Opening balances at the Hub's cut-over: one ledger entry of its own kind per family account,
recorded on the account page, through the API, or imported from the old system's export.

Worked example (the Lopez family's account at Program X, cut over on 2026-09-01):

    opening balance at 2026-09-01            +350.00   (owed in the old system)
    September tuition invoice (1 child)     +1,000.00
    payment named to the September invoice    -600.00
    balance                                    750.00   = 350.00 + 1,000.00 − 600.00

Aging on 2026-10-05: the payment pays the invoice it names, leaving 1,000.00 − 600.00 = 400.00
open on it, due 10 days after issue (2026-09-11), 24 days past due: 1–30. The opening balance is
one open item due on its cut-over date, 2026-10-05 − 2026-09-01 = 34 days past due, so its 350.00
is in the 31–60 bucket. 350.00 + 400.00 = 750.00, the balance.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing.aging import aging_for_accounts
from billing.invoicing import invoice_program_for_period
from billing.ledger import account_opening_balance_record, ledger_entry_post, ledger_entry_reverse, opening_balance_of
from billing.models import EntryKind, FamilyAccount, Invoice, LedgerEntry
from billing.payments import payment_record
from billing.statements import family_statement
from enrollment.models import ExternalRecord
from members.models import ImportBatch, ImportStatus
from tests.billing.factories import RatePlanFactory, enroll

CUT_OVER = datetime.date(2026, 9, 1)
D = Decimal


def account_url(world, name: str, pk: int) -> str:
    return reverse(f"billing:{name}", args=[world.a.slug, pk])


@pytest.fixture
def cut_over(world, homes):
    """The worked example: 350.00 opening balance, September's 1,000.00 invoice, 600.00 paid on it."""
    RatePlanFactory(program=world.x, tuition=D("1000.00"))
    enroll(homes.ana, homes.room_x, start=CUT_OVER)
    with alliance_scope(world.a.pk):
        entry = account_opening_balance_record(
            actor=world.users.staff_a, account=homes.lopez_x, amount=D("350.00"), as_of=CUT_OVER
        )
        invoice_program_for_period(program_id=world.x.pk, period_start=CUT_OVER, period_end=datetime.date(2026, 9, 30))
        invoice = Invoice.objects.get(account=homes.lopez_x)
        payment_record(
            actor=None,
            account=homes.lopez_x,
            amount=D("600.00"),
            method="check",
            reference="1042",
            received_on=datetime.date(2026, 9, 10),
            invoice=invoice,
        )
    homes.opening, homes.invoice = entry, invoice
    return homes


class TestWorkedExample:
    def test_balance_statement_and_aging_from_day_one(self, world, clients, cut_over):
        """350.00 + 1,000.00 − 600.00 = 750.00 on the account page and the statement; aging on
        2026-10-05 has the 350.00 in 31–60 (34 days) and the invoice's 400.00 in 1–30 (24 days)."""
        assert cut_over.invoice.total == D("1000.00")
        page = clients.staff_a.get(account_url(world, "account_detail", cut_over.lopez_x.pk))
        html = page.content.decode()
        assert 'id="balance">$750.00<' in html
        assert "Opening balance at Sep 1, 2026" in html

        base = reverse("billing:statement", args=[world.a.slug, cut_over.lopez.pk])
        statement = clients.staff_a.get(base + "?start=2026-09-01&end=2026-09-30").content.decode()
        assert "Opening balance at Sep 1, 2026" in statement
        assert 'id="statement-closing">$750.00<' in statement

        with alliance_scope(world.a.pk):
            aging = aging_for_accounts(
                FamilyAccount.objects.filter(pk=cut_over.lopez_x.pk), as_of=datetime.date(2026, 10, 5)
            )[0]
            st = family_statement(
                cut_over.lopez,
                FamilyAccount.objects.all(),
                start=datetime.date(2026, 9, 1),
                end=datetime.date(2026, 9, 30),
            )
        by_label = {i.label: (i.due_on, i.open) for i in aging.items}
        assert by_label["Opening balance at Sep 1, 2026"] == (CUT_OVER, D("350.00"))
        assert by_label[f"Invoice {cut_over.invoice.number}"][1] == D("400.00")
        assert aging.bucket_values == [D("0.00"), D("400.00"), D("350.00"), D("0.00"), D("0.00")]
        assert aging.balance == D("750.00")
        # The opening balance is carried in: neither charged nor paid in September.
        account = st.accounts[0]
        assert (account.opening, account.charged, account.paid, account.closing) == (
            D("0.00"),
            D("1000.00"),
            D("600.00"),
            D("750.00"),
        )

        aging_csv = clients.staff_a.get(reverse("billing:aging_csv", args=[world.a.slug]) + "?as_of=2026-10-05")
        csv_rows = list(csv.reader(io.StringIO(aging_csv.content.decode())))
        header, lopez = csv_rows[0], next(r for r in csv_rows if "Lopez family" in r)
        assert (lopez[header.index("bucket_1_30")], lopez[header.index("bucket_31_60")]) == ("400.00", "350.00")
        assert lopez[header.index("balance")] == "750.00"

    def test_the_dashboard_rollup_ages_it_as_billing_does(self, world, clients, cut_over):
        """The finance rollup (dashboard, reports) ages by billing's own rule: the payment of 600.00 names the
        September invoice, so 1,000.00 − 600.00 = 400.00 of it is open (due 2026-09-11, 24 days past due on
        2026-10-05: 1–30) and the opening balance's 350.00 (2026-09-01, 34 days: 31–60) stays open, as on
        billing's aging page. The opening balance is neither billed nor collected: September billed 1,000.00,
        collected 600.00. Then the Youngs at Y, who owe only an opening balance of 200.00 at 2026-09-01:
        31–60 as well, 350.00 + 200.00 = 550.00 for the alliance."""
        from metrics.models import ProgramFinanceMonth
        from metrics.rollups import rollup_alliance

        as_of, october = datetime.date(2026, 10, 5), datetime.date(2026, 10, 1)
        with alliance_scope(world.a.pk):
            rollup_alliance(start=CUT_OVER, end=as_of)
            x_october = ProgramFinanceMonth.objects.get(program=world.x, month=october)
            september = ProgramFinanceMonth.objects.get(program=world.x, month=CUT_OVER)
            billing = aging_for_accounts(FamilyAccount.objects.filter(pk=cut_over.lopez_x.pk), as_of=as_of)[0]
        assert (x_october.aging_1_30, x_october.aging_31_60) == (D("400.00"), D("350.00"))
        assert [x_october.aging_1_30, x_october.aging_31_60] == billing.bucket_values[1:3]
        assert (september.billed, september.collected_family) == (D("1000.00"), D("600.00"))

        dashboard = clients.staff_a.get(reverse("metrics:dashboard", args=[world.a.slug]) + "?month=2026-10")
        assert _aging_cells(dashboard.content.decode()) == ["$0.00", "$400.00", "$350.00", "$0.00", "$0.00"]
        page = clients.staff_a.get(reverse("billing:aging", args=[world.a.slug]) + "?as_of=2026-10-05")
        lopez = page.content.decode().split("Lopez family", 1)[1].split("</tr>", 1)[0]
        assert "$400.00" in lopez
        assert "$350.00" in lopez

        with alliance_scope(world.a.pk):
            account_opening_balance_record(actor=None, account=cut_over.young_y, amount=D("200.00"), as_of=CUT_OVER)
            rollup_alliance(start=CUT_OVER, end=as_of)
            y_october = ProgramFinanceMonth.objects.get(program=world.y, month=october)
        assert (y_october.aging_1_30, y_october.aging_31_60) == (D("0.00"), D("200.00"))
        dashboard = clients.staff_a.get(reverse("metrics:dashboard", args=[world.a.slug]) + "?month=2026-10")
        assert _aging_cells(dashboard.content.decode()) == ["$0.00", "$400.00", "$550.00", "$0.00", "$0.00"]

    def test_the_rollup_and_billing_agree_month_by_month(self, world, cut_over):
        """On top of the worked example, what a live ledger has: a late fee, the October invoice paid in full
        by name with 100.00 more paid unnamed (it goes to the oldest open item), a charge reversed, an unnamed
        payment, and the Youngs' credit held at cut-over (−80.00) beside a charge.
        At every month's end the rollup's buckets for each program are billing's aging's, added up."""
        from metrics.models import ProgramFinanceMonth
        from metrics.rollups import rollup_alliance

        with alliance_scope(world.a.pk):
            lopez = cut_over.lopez_x
            ledger_entry_post(
                account=lopez, kind=EntryKind.LATE_FEE, amount=D("25.00"), posted_on=datetime.date(2026, 9, 20),
                description="Late fee",
            )  # fmt: skip
            invoice_program_for_period(
                program_id=world.x.pk, period_start=datetime.date(2026, 10, 1), period_end=datetime.date(2026, 10, 31)
            )
            october = Invoice.objects.filter(account=lopez).order_by("-pk").first()
            payment_record(
                actor=None, account=lopez, amount=D("1000.00"), method="check", reference="1043",
                received_on=datetime.date(2026, 10, 15), invoice=october,
            )  # fmt: skip
            payment_record(
                actor=None, account=lopez, amount=D("100.00"), method="cash", received_on=datetime.date(2026, 10, 15)
            )
            mistake = ledger_entry_post(
                account=lopez, kind=EntryKind.CHARGE, amount=D("75.00"), posted_on=datetime.date(2026, 10, 20),
                description="Charged twice",
            )  # fmt: skip
            ledger_entry_reverse(entry=mistake, actor=None, reason="Twice", posted_on=datetime.date(2026, 11, 2))
            payment_record(
                actor=None, account=lopez, amount=D("30.00"), method="cash", received_on=datetime.date(2026, 11, 5)
            )
            account_opening_balance_record(actor=None, account=cut_over.young_y, amount=D("-80.00"), as_of=CUT_OVER)
            ledger_entry_post(
                account=cut_over.young_y, kind=EntryKind.CHARGE, amount=D("300.00"),
                posted_on=datetime.date(2026, 10, 3), description="Tuition",
            )  # fmt: skip
            end = datetime.date(2026, 11, 30)
            rollup_alliance(start=CUT_OVER, end=end)
            for month_end in (datetime.date(2026, 9, 30), datetime.date(2026, 10, 31), end):
                billing = aging_for_accounts(FamilyAccount.objects.filter(family__isnull=False), as_of=month_end)
                for program in (world.x, world.y):
                    row = ProgramFinanceMonth.objects.filter(program=program, month=month_end.replace(day=1)).first()
                    rolled = (
                        [row.aging_current, row.aging_1_30, row.aging_31_60, row.aging_61_90, row.aging_over_90]
                        if row
                        else [D("0.00")] * 5
                    )
                    expected = [
                        sum((a.buckets[b] for a in billing if a.program_id == program.pk), D("0.00"))
                        for b in ("current", "1_30", "31_60", "61_90", "over_90")
                    ]
                    assert rolled == expected, (program, month_end)
            # By hand, Lopez at X on 2026-10-31:
            # 350.00 + 1,000.00 − 600.00 + 25.00 + 1,000.00 − 1,000.00 − 100.00 + 75.00 = 750.00.
            # October's invoice is paid by name; the unnamed 100.00 pays the oldest item (the opening balance:
            # 250.00 open, 60 days, 31–60); September's invoice 400.00 (50 days, 31–60); the late fee 25.00
            # (41 days, 31–60); the charge of 2026-10-20 75.00 (11 days, 1–30): 250 + 400 + 25 = 675.00.
            x_october = ProgramFinanceMonth.objects.get(program=world.x, month=datetime.date(2026, 10, 1))
        assert (x_october.aging_1_30, x_october.aging_31_60) == (D("75.00"), D("675.00"))

    def test_a_credit_held_is_unapplied_credit(self, world, homes):
        """A family that had paid 120.00 ahead: opening balance −120.00; a 500.00 charge of 2026-09-05
        leaves 500.00 − 120.00 = 380.00 open, and the balance is 380.00."""
        with alliance_scope(world.a.pk):
            account_opening_balance_record(
                actor=world.users.staff_a, account=homes.lopez_x, amount=D("-120.00"), as_of=CUT_OVER
            )
            ledger_entry_post(
                account=homes.lopez_x,
                kind=EntryKind.CHARGE,
                amount=D("500.00"),
                posted_on=datetime.date(2026, 9, 5),
                description="Tuition",
            )
            aging = aging_for_accounts(
                FamilyAccount.objects.filter(pk=homes.lopez_x.pk), as_of=datetime.date(2026, 9, 20)
            )[0]
        assert [i.open for i in aging.items] == [D("380.00")]
        assert aging.unapplied_credit == D("0.00")
        assert aging.balance == D("380.00")


def _aging_cells(html: str) -> list[str]:
    """The dashboard's table of open family balances by days past due: its five cells."""
    table = html.split("Open family balances at the end of", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [cell.split("</td>", 1)[0] for cell in body.split('<td class="num">')[1:]]


class TestRules:
    def test_one_per_account_a_correction_reverses_it(self, world, homes, today):
        with alliance_scope(world.a.pk):
            first = account_opening_balance_record(
                actor=world.users.staff_a, account=homes.lopez_x, amount=D("350.00"), as_of=CUT_OVER
            )
            with pytest.raises(ValidationError) as refused:
                account_opening_balance_record(
                    actor=world.users.staff_a, account=homes.lopez_x, amount=D("300.00"), as_of=CUT_OVER
                )
            assert "already has an opening balance of $350.00 at Sep 1, 2026" in str(refused.value)
            second = account_opening_balance_record(
                actor=world.users.staff_a,
                account=homes.lopez_x,
                amount=D("300.00"),
                as_of=CUT_OVER,
                reason="Old system double-counted a late fee",
            )
            assert opening_balance_of(homes.lopez_x) == second
            assert LedgerEntry.objects.get(reverses=first).amount == D("-350.00")
            total = sum(LedgerEntry.objects.filter(account=homes.lopez_x).values_list("amount", flat=True))
            assert total == D("300.00")
            actions = list(
                AuditEvent.objects.filter(action__in=["ledger.opening_balance", "ledger.reversal"])
                .order_by("pk")
                .values_list("action", flat=True)
            )
            assert actions == ["ledger.opening_balance", "ledger.reversal", "ledger.opening_balance"]
            with pytest.raises(ValidationError) as future:
                account_opening_balance_record(
                    actor=None,
                    account=homes.young_y,
                    amount=D("10.00"),
                    as_of=today + datetime.timedelta(days=1),
                )
            assert "cannot be in the future" in str(future.value)
            with pytest.raises(ValidationError) as plain:
                ledger_entry_post(
                    account=homes.young_y,
                    kind=EntryKind.OPENING_BALANCE,
                    amount=D("10.00"),
                    posted_on=CUT_OVER,
                    description="x",
                )
            assert "account_opening_balance_record" in str(plain.value)

    def test_the_account_page_form(self, world, clients, homes):
        url = account_url(world, "opening_balance", homes.lopez_x.pk)
        assert clients.provider_x.get(url).status_code == 403
        bad = clients.staff_a.post(url, {"amount": "350.00", "as_of": ""})
        assert bad.status_code == 200
        assert "This field is required" in bad.content.decode()
        done = clients.staff_a.post(url, {"amount": "350.00", "as_of": "2026-09-01"})
        assert done.status_code == 302
        again = clients.staff_a.post(url, {"amount": "360.00", "as_of": "2026-09-01"})
        assert "already has an opening balance of $350.00" in again.content.decode()
        page = clients.staff_a.get(account_url(world, "account_detail", homes.lopez_x.pk)).content.decode()
        assert 'id="balance">$350.00<' in page
        assert "Opening balance at Sep 1, 2026" in page

    def test_the_api(self, world, clients, homes, today):
        url = reverse("api:billing-account-opening-balance", args=[world.a.slug, homes.lopez_x.pk])
        bad = clients.staff_a.post(url, {"amount": "abc", "as_of": "2026-09-01"}, content_type="application/json")
        assert bad.status_code == 400
        assert "amount" in bad.json()
        future = (today + datetime.timedelta(days=3)).isoformat()
        bad = clients.staff_a.post(url, {"amount": "10.00", "as_of": future}, content_type="application/json")
        assert bad.status_code == 400
        assert "as_of" in bad.json(), bad.json()
        ok = clients.staff_a.post(url, {"amount": "350.00", "as_of": "2026-09-01"}, content_type="application/json")
        assert ok.status_code == 201, ok.json()
        assert (ok.json()["kind"], ok.json()["amount"]) == ("opening_balance", "350.00")
        second = clients.staff_a.post(url, {"amount": "300.00", "as_of": "2026-09-01"}, content_type="application/json")
        assert second.status_code == 400
        assert "amount" in second.json()
        assert clients.provider_x.post(url, {"amount": "1.00", "as_of": "2026-09-01"}).status_code == 403


PROCARE_BALANCES = (
    "Account ID,Account Key,Balance,As Of Date\nP-1,Lopez,350.00,09/01/2026\nP-2,Young,(20.00),09/01/2026\n"
)


@pytest.fixture
def imported_families(world, homes):
    """What the families import from Procare left: Procare's accounts P-1 (Lopez) and P-2 (Young) at X.
    The Youngs have no account at X yet: the import opens it."""
    with alliance_scope(world.a.pk):
        for ext, family in (("P-1", homes.lopez), ("P-2", homes.young)):
            ExternalRecord.objects.create(
                program=world.x, source="procare", kind=ExternalRecord.Kind.FAMILY, external_id=ext, object_id=family.pk
            )
    return homes


def upload(client, world, text: str, source: str = "procare"):  # type: ignore[no-untyped-def]
    url = reverse("members:import_upload", args=[world.a.slug, world.x.pk, "opening_balances"])
    return client.post(url, {"file": SimpleUploadedFile("balances.csv", text.encode()), "source": source})


def map_and_preview(client, world):  # type: ignore[no-untyped-def]
    with alliance_scope(world.a.pk):
        batch = ImportBatch.objects.order_by("-pk").first()
    mapping_url = reverse("members:import_mapping", args=[world.a.slug, world.x.pk, batch.pk])
    form = client.get(mapping_url).context["form"]
    posted = {name: field.initial or "" for name, field in form.fields.items()}
    response = client.post(mapping_url, posted)
    assert response.status_code == 302, response.context["form"].errors
    return batch, response["Location"]


class TestImport:
    def test_procare_import_reimport_and_a_changed_amount(self, world, clients, imported_families):
        """Lopez 350.00 owed, Young (20.00) = a 20.00 credit. Re-importing the file changes nothing;
        a file saying Lopez owes 360.00 is refused on that line."""
        client = clients.staff_a
        assert upload(client, world, PROCARE_BALANCES).status_code == 302
        batch, preview_url = map_and_preview(client, world)
        page = client.get(preview_url).content.decode()
        assert "All 2 rows can be imported" in page
        assert "Opens the family&#x27;s account at Program X" in page
        assert client.post(preview_url, {"action": "commit"}).status_code == 302
        report = client.get(preview_url).content.decode()
        assert "2 opening balances created." in report
        with alliance_scope(world.a.pk):
            young_x = FamilyAccount.objects.get(family=imported_families.young, program=world.x)
            assert opening_balance_of(imported_families.lopez_x).amount == D("350.00")
            assert opening_balance_of(young_x).amount == D("-20.00")
            entries = LedgerEntry.objects.count()

        assert upload(client, world, PROCARE_BALANCES).status_code == 302
        batch, preview_url = map_and_preview(client, world)  # the saved mapping is offered again
        assert "Already recorded; nothing changes." in client.get(preview_url).content.decode()
        client.post(preview_url, {"action": "commit"})
        assert "2 opening balances unchanged." in client.get(preview_url).content.decode()
        with alliance_scope(world.a.pk):
            assert LedgerEntry.objects.count() == entries

        changed = PROCARE_BALANCES.replace("350.00", "360.00").replace("P-2,Young", "P-9,Nobody")
        upload(client, world, changed)
        batch, preview_url = map_and_preview(client, world)
        page = client.get(preview_url).content.decode()
        assert "2 of 2 rows have errors" in page
        assert "already has an opening balance of $350.00 at Sep 1, 2026" in page
        assert "A correction must be made on the account page" in page
        assert "No family with id P-9 was imported into Program X from Procare account balances" in page
        assert client.post(preview_url, {"action": "commit"}).status_code == 200
        with alliance_scope(world.a.pk):
            assert LedgerEntry.objects.count() == entries
            assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING

    def test_hub_template_by_account_number(self, world, clients, homes):
        number = f"{homes.lopez_x.pk:06d}"
        text = f"family_id,child_id,account_number,balance,as_of\n,,{number},$1,250.50,2026-09-01\n"
        text = text.replace("$1,250.50", '"$1,250.50"')
        response = upload(clients.provider_x, world, text, source="hub")
        assert response.status_code == 302
        preview_url = response["Location"]
        assert "All 1 row can be imported" in clients.provider_x.get(preview_url).content.decode()
        clients.provider_x.post(preview_url, {"action": "commit"})
        with alliance_scope(world.a.pk):
            assert opening_balance_of(homes.lopez_x).amount == D("1250.50")
