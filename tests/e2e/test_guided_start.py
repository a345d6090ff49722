"""Issue 23, done when, in the browser: a new alliance goes live from nothing.

A platform operator creates Harbor Child Care Alliance from the console with its targets and invites
its first hub administrator, who accepts (password, then TOTP) and lands on Today with the guided
start. They add their first member program from the checklist's link, give it a site, import its two
classrooms from a file in the Hub's template and its roster from a Brightwheel-shaped export (four
children, two of them siblings) through the import pages, and watch the checklist advance; the
dashboard answers for the live alliance.

Worked example, by hand:
- After the operator's create: targets set (given with the alliance), nothing else: 1 of 7 done.
- After the member, its site and its classrooms: targets + members with classrooms: 2 of 7.
- After the roster: + the data imported: 3 of 7. The Brightwheel file's four children make three
  families (the Lopez siblings share their parent's email), three guardians and four enrollments.
- Opening balances at the cut-over (today), from Brightwheel's payer balances by child id: Ava Lopez
  (bw-101) 350.00 and Kai Chen (bw-103) (20.00), a credit. Nothing billed yet, so the Lopez family's
  account balance is the opening balance: 350.00.
- The staff roster in the Hub's template: two people with wages and credentials.
- A year of costs from QuickBooks Online's profit and loss report, by month, for the 12 months before
  this one: each month teachers 8,000.00 + director 3,000.00 (personnel 11,000.00; "Total for Payroll
  Expenses" is not added again) + rent 2,000.00 + food 450.25 = 13,450.25, the costs page's total of
  each of those months (the report's personnel replaces the roster's where both exist).
- Still 3 of 7 (the imports fill the "data imported" step, already done by the roster); the provider's
  invitation then makes it 4 of 7.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import check_page, current_totp, sign_in
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

ADMIN = "director@harbor-e2e.test"
PASSWORD = "Harbor-first-2026"


def months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)


def brightwheel_roster(today: datetime.date) -> bytes:
    """Brightwheel's roster export columns (members/import_sources.py), one line per child."""
    toddler, infant = months_before(today, 20), months_before(today, 6)
    header = (
        "brightwheel_id,first_name,last_name,birthdate,homeroom,enrollment_status,"
        "parent_1_first_name,parent_1_last_name,parent_1_email,parent_1_phone,address,city,zip"
    )
    lines = [header]
    for bw_id, first, last, born, room, parent, email in (
        ("bw-101", "Ava", "Lopez", toddler, "Toddler Room", "Maria", "maria@harbor-family.test"),
        ("bw-102", "Leo", "Lopez", infant, "Infant Room", "Maria", "maria@harbor-family.test"),
        ("bw-103", "Kai", "Chen", toddler, "Toddler Room", "Wei", "wei@harbor-family.test"),
        ("bw-104", "Mia", "Okafor", infant, "Infant Room", "Ada", "ada@harbor-family.test"),
    ):
        lines.append(
            f"{bw_id},{first},{last},{born:%m/%d/%Y},{room},Active,{parent},{last},{email},555-0101,"
            "1 Harbor Rd,Harbor,04101"
        )
    return ("\n".join(lines) + "\n").encode()


CLASSROOMS = (
    b"name,age_group,licensed_capacity,children_per_staff,operating_days,opens_at,closes_at,effective_from\n"
    b"Infant Room,infant,8,4,Mon-Fri,07:00,18:00,2026-01-05\n"
    b"Toddler Room,toddler,12,6,Mon-Fri,07:00,18:00,2026-01-05\n"
)


def brightwheel_balances(today: datetime.date) -> bytes:
    """Brightwheel's payer balances by student, as the balances preset reads it, with the cut-over date added."""
    return (
        "brightwheel_id,first_name,last_name,balance,as_of_date\n"
        f"bw-101,Ava,Lopez,350.00,{today:%m/%d/%Y}\n"
        f"bw-103,Kai,Chen,(20.00),{today:%m/%d/%Y}\n"
    ).encode()


STAFF = (
    b"staff_id,first_name,last_name,email,position,category,fte,pay_basis,hourly_wage,annual_salary,"
    b"benefits_annual,started_on,ended_on,credentials\n"
    b'E-1,Rosa,Diaz,rosa@harbor-staff.test,Lead teacher,classroom,1.00,hourly,$18.00,,"2,400.00",2025-01-06,,'
    b"CPR:2027-03-01; CDA:2028-01-15\n"
    b"E-2,Sam,Park,sam@harbor-staff.test,Director,administration,1.00,salary,,52000.00,,2025-01-06,,\n"
)


def quickbooks_profit_and_loss(today: datetime.date) -> tuple[bytes, list[datetime.date]]:
    """QuickBooks Online's Profit and Loss export by month (Display columns by: Months) for the 12 months
    before this one: title lines, a blank line, the months plus Total, sections with children indented
    under their parent, "Total for" and computed lines, the basis footer."""
    months = [months_before(today, n) for n in range(12, 0, -1)]

    def line(name: str, amount: str, total: str) -> str:
        return ",".join([name, *([f'"{amount}"'] * 12), f'"{total}"'])

    first, last = months[0], months[-1]
    rows = [
        "Bayview Early Learning",
        "Profit and Loss",
        f"{first:%B %Y} - {last:%B %Y}",
        "",
        ",".join(["", *(f"{m:%b %Y}" for m in months), "Total"]),
        "Income",
        line("   Tuition Income", "20,000.00", "240,000.00"),
        line("Total for Income", "$20,000.00", "$240,000.00"),
        line("Gross Profit", "$20,000.00", "$240,000.00"),
        "Expenses",
        "   Payroll Expenses",
        line("      Salaries - Teachers", "8,000.00", "96,000.00"),
        line("      Salaries - Director", "3,000.00", "36,000.00"),
        line("   Total for Payroll Expenses", "$11,000.00", "$132,000.00"),
        line("   Rent or Lease", "2,000.00", "24,000.00"),
        line("   Food", "450.25", "5,403.00"),
        line("Total for Expenses", "$13,450.25", "$161,403.00"),
        line("Net Operating Income", "$6,549.75", "$78,597.00"),
        line("Net Income", "$6,549.75", "$78,597.00"),
        "",
        "",
        '"Accrual Basis Monday, December 7, 2026 08:00 AM GMT-05:00"',
    ]
    return ("\n".join(rows) + "\n").encode(), months


def started(page, done: int) -> None:  # type: ignore[no-untyped-def]
    expect(page.get_by_role("heading", name=f"Getting started: {done} of 7 done")).to_be_visible()


def upload(page, path: str, name: str, content: bytes, source: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    if source:
        page.get_by_label("The file comes from").select_option(label=source)
    page.get_by_label("File (CSV or Excel)").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Upload and check").click()


def test_a_new_alliance_goes_live_with_its_roster_balances_staff_and_costs(journey, page, console_errors):  # noqa: F811
    base = journey.base
    sign_in(page, base, journey.operator.email, journey.password, totp_secret=journey.operator.totp_secret)
    page.goto(f"{base}/operator/alliances/new/")
    page.get_by_label("Name").fill("Harbor Child Care Alliance")
    page.get_by_label("Address").fill("harbor")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_label("Budgeted occupancy (%)").fill("85")
    page.get_by_label("Target occupancy (%)").fill("95")
    page.get_by_label("Bad debt at most (% of billed)").fill("2")
    page.get_by_label("Collection rate at least (%)").fill("98")
    page.get_by_role("button", name="Create the alliance").click()
    expect(page).to_have_url(f"{base}/operator/alliances/harbor/")
    page.get_by_label("Email of the first hub administrator").fill(ADMIN)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"Invitation sent to {ADMIN}")).to_be_visible()
    link = re.search(r"(http://\S+/a/harbor/join/\S+/)", mail.outbox[-1].body).group(1)

    # The first hub administrator accepts: a password, then TOTP, then Today with the guided start.
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_load_state()
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(current_totp(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    page.goto(f"{base}/a/harbor/today/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Code").fill(current_totp(secret))
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/a/harbor/today/")
    started(page, 1)  # the operator gave the targets
    check_page(page, console_errors)

    # The checklist's next step links to adding the first member.
    page.get_by_role("link", name="See the getting-started page").click()
    expect(page.get_by_text("No member programs yet.")).to_be_visible()
    check_page(page, console_errors)
    page.get_by_role("link", name="Add a member").first.click()
    page.locator("#id_name").fill("Bayview Early Learning")  # labelled "Name:", beside "Legal name:"
    page.locator("#id_kind").select_option("centre")
    page.locator("#id_licensed_capacity").fill("20")
    page.locator("#id_status").select_option("active")
    page.get_by_role("button", name=re.compile("Add|Save")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bayview Early Learning")
    program_url = re.sub(r"/$", "", page.url)
    started(page, 1)  # its profile shows its own steps: the alliance's targets only
    check_page(page, console_errors)

    page.goto(f"{program_url}/sites/new/")
    page.locator("#id_name").fill("Bayview main building")
    page.get_by_role("button", name=re.compile("Add|Save")).click()
    upload(page, f"{program_url}/import/classrooms/", "classrooms.csv", CLASSROOMS)
    page.get_by_role("button", name="Import 2 classrooms").click()
    expect(page.get_by_text("Imported 2 classrooms from classrooms.csv")).to_be_visible()

    page.goto(f"{base}/a/harbor/today/")
    started(page, 2)

    # The roster from Brightwheel: the preset matches its columns, every row is checked, then imported.
    upload(
        page,
        f"{program_url}/import/families/",
        "brightwheel-roster.csv",
        brightwheel_roster(journey.today),
        source="Brightwheel roster export",
    )
    expect(page.get_by_text("Match its columns to the Hub's fields")).to_be_visible()
    check_page(page, console_errors)
    page.get_by_role("button", name="Save the mapping and check every row").click()
    page.get_by_role("button", name="Import 4 children").click()
    expect(page.get_by_text("3 families created.")).to_be_visible()
    expect(page.get_by_text("4 children created.")).to_be_visible()
    expect(page.get_by_text("4 enrollments created.")).to_be_visible()
    check_page(page, console_errors)

    page.goto(f"{base}/a/harbor/today/")
    started(page, 3)
    page.goto(f"{base}/a/harbor/start/")
    expect(page.get_by_text("1 of 1 members have their roster in")).to_be_visible()
    page.goto(f"{base}/a/harbor/families/")
    expect(page.get_by_role("link", name=re.compile("Lopez family"))).to_be_visible()

    # Opening balances at the cut-over, from Brightwheel's payer balances (children found by their ids).
    upload(
        page,
        f"{program_url}/import/opening_balances/",
        "brightwheel-balances.csv",
        brightwheel_balances(journey.today),
        source="Brightwheel payer balances",
    )
    page.get_by_role("button", name="Save the mapping and check every row").click()
    expect(page.get_by_text("All 2 rows can be imported")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Import 2 ")).click()
    expect(page.get_by_text("Imported 2 opening balances from brightwheel-balances.csv.")).to_be_visible()
    check_page(page, console_errors)
    # Nothing billed yet: the Lopez family's balance is its opening balance, 350.00.
    page.goto(f"{base}/a/harbor/billing/accounts/")
    page.get_by_role("link", name=re.compile("Lopez family")).click()
    expect(page.locator("#balance")).to_have_text("$350.00")
    cut_over = f"Opening balance at {journey.today:%b} {journey.today.day}, {journey.today.year}"
    expect(page.get_by_text(cut_over).first).to_be_visible()

    # The staff roster with wages and credentials, in the Hub's template (no mapping step).
    upload(page, f"{program_url}/import/staff/", "staff.csv", STAFF)
    expect(page.get_by_text("All 2 rows can be imported")).to_be_visible()
    page.get_by_role("button", name="Import 2 staff members").click()
    expect(page.get_by_text("Imported 2 staff members from staff.csv.")).to_be_visible()

    # A year of costs from QuickBooks Online: the accounts' categories are suggested from their names.
    report, months = quickbooks_profit_and_loss(journey.today)
    page.goto(f"{program_url}/costs/profit-loss/")
    page.get_by_label("Profit and loss report (CSV or Excel)").set_input_files(
        {"name": "Bayview_Profit_and_Loss.csv", "mimeType": "text/csv", "buffer": report}
    )
    page.get_by_role("button", name="Upload and read the report").click()
    expect(page.get_by_label("Payroll Expenses:Salaries - Teachers")).to_have_value("classroom_personnel")
    expect(page.get_by_label("Payroll Expenses:Salaries - Director")).to_have_value("admin_personnel")
    expect(page.get_by_label("Rent or Lease")).to_have_value("occupancy")
    expect(page.get_by_label(re.compile(r"^Food:?$"))).to_have_value("food")
    check_page(page, console_errors)
    page.get_by_role("button", name="Save the categories and check the months").click()
    page.get_by_role("button", name="Import the costs of 12 months").click()
    expect(page.get_by_text("Costs imported from Bayview_Profit_and_Loss.csv.")).to_be_visible()
    # 8,000.00 + 3,000.00 + 2,000.00 + 450.25 = 13,450.25, each of the 12 months (the report's personnel,
    # 11,000.00, replaces the roster's for them).
    page.goto(f"{program_url}/costs/")
    last = months[-1]
    row = page.locator("tr", has=page.locator("th", has_text=f"{last:%b %Y}")).first
    expect(row.locator("strong")).to_have_text("$13,450.25")
    check_page(page, console_errors)

    # The imports filled the step the roster had done; inviting the member's director is the next one.
    page.goto(f"{base}/a/harbor/today/")
    started(page, 3)
    page.goto(f"{base}/a/harbor/invitations/")
    page.get_by_label("Email").fill("director@bayview-e2e.test")
    page.get_by_label("Role").select_option("provider")
    page.get_by_label("Program").select_option(label="Bayview Early Learning")
    page.get_by_role("button", name="Send invitation").click()
    page.goto(f"{base}/a/harbor/today/")
    started(page, 4)
    response = page.goto(f"{base}/a/harbor/dashboard/")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, console_errors)
