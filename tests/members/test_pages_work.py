"""Members pages that must not mislead (issue 20, point 6): a program is active since it joined, a room
or a staff member can be set up as of a past date (the form says so and offers a sensible date), and
the costs page's total and average are over the same months."""

from __future__ import annotations

import datetime
from decimal import Decimal

from alliance.dates import add_months, month_start
from members.models import Classroom, MemberProgram, StaffMember
from tests.members.factories import MonthlyCostFactory, SiteFactory, StaffMemberFactory, capacity_on

D = datetime.date

ROOM = {
    "name": "Home group",
    "age_group": "toddler",
    "children_per_staff": "5",
    "operating_days": ["0", "1", "2", "3", "4"],
    "opens_at": "07:30",
    "closes_at": "17:30",
    "licensed_capacity": "10",
    "desired_capacity": "10",
}


def test_a_program_is_active_since_it_joined_not_since_it_was_typed_in(clients, in_a, page):
    response = clients.admin_a.post(
        page("program_create"),
        {
            "name": "Little Oaks",
            "kind": "centre",
            "status": "active",
            "licensed_capacity": "40",
            "joined_on": "2021-03-01",
        },
    )
    assert response.status_code == 302
    with in_a():
        program = MemberProgram.objects.get(name="Little Oaks")
    detail = clients.admin_a.get(page("program_detail", program.pk)).content.decode()
    assert "Active</span> since Mar 1, 2021" in detail
    # The hub corrects the join date: the status moves with it.
    form = clients.admin_a.get(page("program_edit", program.pk)).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(joined_on="2021-04-01", kind="centre")
    assert clients.admin_a.post(page("program_edit", program.pk), data).status_code == 302
    detail = clients.admin_a.get(page("program_detail", program.pk)).content.decode()
    assert "Active</span> since Apr 1, 2021" in detail


def test_a_room_is_set_up_as_of_a_past_month(clients, world, in_a, page, today):
    with in_a():
        MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=D(2024, 9, 1))
    site = SiteFactory(program=world.x, name="Main")
    form = clients.provider_x.get(page("classroom_create", world.x.pk))
    # The program has no room yet: the form offers its join date, and says the date may be past.
    assert form.context["form"].initial["effective_from"] == D(2024, 9, 1)
    assert "it may be in the past" in form.content.decode()
    last_month = add_months(month_start(today), -1)
    response = clients.provider_x.post(
        page("classroom_create", world.x.pk), {**ROOM, "site": site.pk, "effective_from": last_month.isoformat()}
    )
    assert response.status_code == 302
    with in_a():
        room = Classroom.objects.get(name="Home group")
        assert capacity_on(room, last_month + datetime.timedelta(days=4)).licensed == 10
    # A second room is offered the first of this month.
    again = clients.provider_x.get(page("classroom_create", world.x.pk))
    assert again.context["form"].initial["effective_from"] == month_start(today)


def test_a_staff_member_starts_on_a_date_given_not_today(clients, world, in_a, page, today):
    with in_a():
        MemberProgram.objects.filter(pk=world.x.pk).update(joined_on=D(2024, 9, 1))
    form = clients.provider_x.get(page("staff_create", world.x.pk))
    assert form.context["form"].initial["started_on"] == D(2024, 9, 1)
    assert "personnel cost counts from this day" in form.content.decode()
    StaffMemberFactory(program=world.x)
    form = clients.provider_x.get(page("staff_create", world.x.pk))
    assert form.context["form"].initial["started_on"] == month_start(today)
    with in_a():
        assert StaffMember.objects.count() == 1


def test_costs_total_and_average_are_over_the_same_months(clients, world, page, today):
    """Roster: one full-time staff member, $3,120.00 a month. Two of the last 12 months have entered costs
    ($2,500.00 and $1,500.00 besides roster personnel): over 2 months entered, total $10,240.00 and
    average $5,120.00 — not twelve months of roster personnel beside an average of one."""
    StaffMemberFactory(program=world.x)
    first = month_start(today)
    MonthlyCostFactory(program=world.x, month=add_months(first, -1), category="occupancy", amount=Decimal("2500.00"))
    MonthlyCostFactory(program=world.x, month=add_months(first, -3), category="food", amount=Decimal("1500.00"))
    html = clients.provider_x.get(page("program_costs", world.x.pk)).content.decode()
    cards = html.split('<div class="cards">')[1].split("</div>\n</div>")[0]
    assert '$10,240.00</span><span class="label">operating cost over 2 months entered' in cards
    assert '$5,120.00</span><span class="label">average month over 2 months entered' in cards


def test_the_csv_import_page_offers_its_file_field(clients, world, page):
    """The shared field template showed no field of a form not built on HubForm: the upload had no file."""
    html = clients.provider_x.get(page("import_upload", world.x.pk, "classrooms")).content.decode()
    assert '<input type="file" name="file"' in html
