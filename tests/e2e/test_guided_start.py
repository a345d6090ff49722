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
Balances, staff and costs imports are other engineers' work (branches imports2 and qbo) not on main
when this journey was written; it stops at the roster.
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


def started(page, done: int) -> None:  # type: ignore[no-untyped-def]
    expect(page.get_by_role("heading", name=f"Getting started: {done} of 7 done")).to_be_visible()


def upload(page, path: str, name: str, content: bytes, source: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    if source:
        page.get_by_label("The file comes from").select_option(label=source)
    page.get_by_label("File (CSV or Excel)").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Upload and check").click()


def test_a_new_alliance_goes_live_from_the_console_to_its_first_imported_roster(journey, page, console_errors):  # noqa: F811
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
    response = page.goto(f"{base}/a/harbor/dashboard/")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, console_errors)
