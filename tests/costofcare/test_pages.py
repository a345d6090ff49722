"""The cost of care pages, worked by hand on Program X (conftest.infant_centre).

Defaults from its records: wage $16.00 (the roster's two classroom staff), benefits
13,312 ÷ 66,560 = 20.00 %, 10 hours a day (7:00–17:00), 5 days × 52 = 260 days a year
→ 21.67 days a month; one infant room 1:4 with 8 places → 8 infants served, group 8.
Classroom per infant: 2 adults × 16.00 × 1.20 × 10 × 21.67 ÷ 8 = 2 × 4,160.64 ÷ 8 = $1,040.16.
Shared by the 8 children served: rent 3,000 ÷ 8 = $375.00; food and supplies 1,500 ÷ 8 = $187.50;
the director's 4,500.00 ÷ 8 = $562.50. Cost per infant 1,040.16 + 375.00 + 187.50 + 562.50 =
$2,165.16 a month; at $1,752.66 the program loses $412.50 on every infant.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from costofcare.models import CostOfCareAssumptions
from costofcare.selectors import programs_cost_of_care
from members.models import MemberProgram, ProgramStatus
from tests.costofcare.conftest import infant_centre_at
from tests.factories import MemberProgramFactory

SENTENCE = "You lose $412.50 on every infant each month: care costs $2,165.16 and the rate is $1,752.66."


def url(world, program, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/programs/{program.pk}/cost-of-care/{suffix}"


class TestProgramPage:
    def test_the_provider_sees_what_every_infant_costs_and_loses(self, world, clients, infant_centre):
        page = clients.provider_x.get(url(world, world.x))
        assert page.status_code == 200
        html = page.content.decode()
        assert SENTENCE in html
        for figure in ("$1,040.16", "$375.00", "$187.50", "$562.50", "$2,165.16", "$1,752.66", "-$412.50"):
            assert figure in html, figure
        assert "21.67 days a month" in html
        assert "<svg" in html
        assert "Cost per child: $2,165.16" in html

    def test_hub_staff_read_it_in_the_programs_name(self, world, clients, infant_centre):
        html = clients.staff_a.get(url(world, world.x)).content.decode()
        assert "Program X loses $412.50 on every infant each month" in html

    def test_it_validates_ownership(self, world, clients, infant_centre):
        assert clients.provider_y.get(url(world, world.x)).status_code == 404
        assert clients.staff_b.get(url(world, world.x)).status_code == 404
        assert clients.funder_a.get(url(world, world.x)).status_code == 403
        assert clients.provider_y.get(url(world, world.x, "assumptions/")).status_code == 404
        assert clients.provider_y.get(url(world, world.x, "csv/")).status_code == 404

    def test_without_classroom_staff_the_page_asks_for_a_wage(self, world, clients):
        html = clients.provider_y.get(url(world, world.y)).content.decode()
        assert "Type an average hourly wage" in html

    def test_without_children_counted_the_page_asks_for_them(self, world, clients):
        """A typed wage but no rooms: the licensing defaults (infants 1:4, group 8), no benefits on
        the roster, a 10-hour day, 260 days: 2 × 16.00 × 10 × 21.67 ÷ 8 = $866.80 per infant, and a note."""
        clients.provider_y.post(url(world, world.y, "assumptions/"), {"hourly_wage": "16.00"})
        html = clients.provider_y.get(url(world, world.y)).content.decode()
        assert "type the children served</a> for each age group" in html
        assert "$866.80" in html


class TestAssumptions:
    def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(self, world, clients, infant_centre):
        response = clients.provider_x.post(
            url(world, world.x, "assumptions/"),
            {
                "hourly_wage": "0",
                "infant_children_per_staff": "9",
                "toddler_group_size": "2",
                "toddler_children_per_staff": "6",
            },
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "An hourly wage is more than 0" in html
        assert "between 1 and 6 children per staff member" in html
        assert "A group of 2 is smaller than one adult&#x27;s 6 children." in html
        with alliance_scope(world.a.pk):
            assert not CostOfCareAssumptions.objects.exists()

    def test_the_form_shows_the_defaults(self, world, clients, infant_centre):
        html = clients.provider_x.get(url(world, world.x, "assumptions/")).content.decode()
        assert "Blank: $16.00 (the roster&#x27;s 2 classroom staff)." in html
        assert "Blank: 20 (the roster&#x27;s 2 classroom staff)." in html or "Blank: 20.00" in html
        assert "Blank: $1,752.66 (rate plan" in html

    def test_a_typed_subsidy_and_wage_change_the_figures_and_are_audited(self, world, clients, infant_centre):
        """Wage typed $18.00: 18 × 1.2 × 10 × 21.67 = 4,680.72 an adult; 2 × 4,680.72 ÷ 8 = $1,170.18
        per infant; + 375.00 + 187.50 + 562.50 = $2,295.18. Subsidy $1,500.00: a loss of $795.18."""
        response = clients.provider_x.post(
            url(world, world.x, "assumptions/"), {"hourly_wage": "18.00", "infant_subsidy_monthly": "1500.00"}
        )
        assert response.status_code == 302
        html = clients.provider_x.get(url(world, world.x)).content.decode()
        assert "$1,170.18" in html
        assert "$2,295.18" in html
        assert "You lose $795.18 on every infant paid by subsidy each month: the subsidy is $1,500.00." in html
        with alliance_scope(world.a.pk):
            event = AuditEvent.objects.get(action="cost_of_care.assumptions_created")
            assert event.program_id == world.x.pk
            assert event.after["hourly_wage"] == "18.00"
        clients.provider_x.post(url(world, world.x, "assumptions/"), {"hourly_wage": "17.00"})
        with alliance_scope(world.a.pk):
            event = AuditEvent.objects.get(action="cost_of_care.assumptions_updated")
            assert event.before["hourly_wage"] == "18.00"
            assert event.after["hourly_wage"] == "17.00"
            assert event.after["infant_subsidy_monthly"] is None


class TestDownloads:
    def test_csv_has_the_figures_of_the_page(self, world, clients, infant_centre):
        response = clients.provider_x.get(url(world, world.x, "csv/"))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:2] == ["Age group", "Children served"]
        assert rows[1] == "Infants,8,4,8,2,1040.16,375.00,187.50,562.50,2165.16,1752.66,,-412.50,".split(",")

    def test_pdf_for_the_board(self, world, clients, infant_centre):
        response = clients.provider_x.get(url(world, world.x, "pdf/"))
        assert response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "$2,165.16" in text
        assert "$412.50" in text


class TestOverview:
    def test_the_hub_sees_every_member_against_its_rate(self, world, clients, infant_centre):
        page = clients.staff_a.get(f"/a/{world.a.slug}/cost-of-care/")
        html = page.content.decode()
        assert "$2,165.16</strong> / $1,752.66" in html
        assert "no wage known" in html  # Program Y has no classroom staff

    def test_every_member_costs_a_fixed_number_of_queries(self, world, clients, infant_centre, today):
        """The overview reads every member's records at once: seven queries for the figures (assumptions,
        classroom staff, open rooms, their capacities, entered costs, last month's roster cost, rate plans)
        whether two members or five, and the page's count does not grow either. Each added member is the
        worked example again, so each shows $2,165.16 a month against its $1,752.66 rate."""
        url = f"/a/{world.a.slug}/cost-of-care/"
        clients.staff_a.get(url)  # the session's first page fills what later pages read from the cache
        with CaptureQueriesContext(connection) as two:
            assert clients.staff_a.get(url).status_code == 200
        with alliance_scope(world.a.pk):
            for name in ("Program V", "Program W", "Program U"):
                infant_centre_at(MemberProgramFactory(alliance=world.a, name=name), today)
            programs = list(MemberProgram.objects.exclude(status=ProgramStatus.APPLICANT).order_by("name"))
            assert len(programs) == 5
            with CaptureQueriesContext(connection) as figures_queries:
                figures = programs_cost_of_care(programs, today=today)
        assert len(figures_queries) == 7
        with CaptureQueriesContext(connection) as five:
            page = clients.staff_a.get(url)
        assert len(five) == len(two)
        assert page.content.decode().count("$2,165.16</strong> / $1,752.66") == 4
        infants = [f.result.group("infant") if f.result else None for f in figures]
        assert [i.total if i else None for i in infants].count(Decimal("2165.16")) == 4

    def test_providers_and_funders_do_not(self, world, clients):
        assert clients.provider_x.get(f"/a/{world.a.slug}/cost-of-care/").status_code == 403
        assert clients.funder_a.get(f"/a/{world.a.slug}/cost-of-care/").status_code == 403
