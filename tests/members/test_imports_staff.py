"""Staff rosters with wages and credentials (members/imports_staff.py): the Hub's template with a
staff id and a credentials cell; a re-import updates by the id and says what changed; a bad row
changes nothing.

Worked example, two classroom staff hired 2025-01-06 (so every month the costs page shows is a
whole month of employment), no personnel cost entered, so the page computes it from the roster
(wage × FTE × 2,080 ÷ 12 + benefits ÷ 12):

    Maria Lopez  18.00 × 1.00 × 2,080 ÷ 12 = 3,120.00  + 2,400.00 ÷ 12 = 200.00  → 3,320.00
    Kai Chen     15.50 × 0.75 × 2,080 ÷ 12 = 2,015.00  + 0 ÷ 12                  → 2,015.00
    personnel from the roster                                                      5,335.00

The re-import raises Kai to full time: 15.50 × 1.00 × 2,080 ÷ 12 = 32,240.00 ÷ 12 = 2,686.67
(half up), so the roster's personnel becomes 3,320.00 + 2,686.67 = 6,006.67; and it moves Maria's
CPR expiry from 2027-03-01 to 2029-03-01.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.models import AuditEvent
from members.models import Credential, ImportBatch, ImportStatus, StaffMember
from tests.members.factories import StaffMemberFactory

HEADER = (
    "staff_id,first_name,last_name,email,position,category,fte,pay_basis,hourly_wage,annual_salary,"
    "benefits_annual,started_on,ended_on,credentials\n"
)
ROSTER = (
    HEADER + "E-1,Maria,Lopez,maria@x.example,Lead teacher,classroom,1.00,hourly,$18.00,,"
    '"2,400.00",2025-01-06,,CPR:2027-03-01; CDA:2028-01-15\n'
    "E-2,Kai,Chen,,Assistant teacher,classroom,0.75,hourly,15.50,,,2025-01-06,,Food handler\n"
)


def upload(client, page, program, text: str):  # type: ignore[no-untyped-def]
    file = SimpleUploadedFile("staff.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(page("import_upload", program.pk, "staff"), {"file": file, "source": "hub"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    return response["Location"]


def derived_personnel(client, page, program) -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get(page("program_costs", program.pk)).content.decode()
    return [cell.split(">", 1)[1].split("<", 1)[0] for cell in html.split('<em class="derived"')[1:]]


class TestStaffRoster:
    def test_import_costs_then_reimport_updates_by_id(self, clients, world, in_a, page):
        client = clients.provider_x
        preview_url = upload(client, page, world.x, ROSTER)
        html = client.get(preview_url).content.decode()
        assert "All 2 rows can be imported" in html
        assert client.post(preview_url, {"action": "commit"}).status_code == 302
        assert "2 staff created." in client.get(preview_url).content.decode()
        with in_a():
            maria = StaffMember.objects.get(last_name="Lopez")
            assert (maria.import_source, maria.import_id, maria.hourly_wage) == ("hub", "E-1", Decimal("18.00"))
            assert sorted(Credential.objects.filter(staff=maria).values_list("name", "expires_on")) == [
                ("CDA", datetime.date(2028, 1, 15)),
                ("CPR", datetime.date(2027, 3, 1)),
            ]
            assert Credential.objects.get(name="Food handler").expires_on is None
        # Every whole month on the costs page: 3,320.00 + 2,015.00 from the roster.
        cells = derived_personnel(client, page, world.x)
        assert cells[1:] == ["$5,335.00"] * 12

        # The same file again: nothing changes, and the report says so.
        preview_url = upload(client, page, world.x, ROSTER)
        assert client.get(preview_url).content.decode().count("Unchanged.") == 2
        with in_a():
            events = AuditEvent.objects.count()
        client.post(preview_url, {"action": "commit"})
        assert "2 staff unchanged." in client.get(preview_url).content.decode()
        with in_a():
            assert AuditEvent.objects.count() == events + 1  # only import.committed
            assert StaffMember.objects.count() == 2

        # Kai full time, Maria's CPR renewed: updated by id, field by field.
        changed = ROSTER.replace("0.75,hourly", "1.00,hourly").replace("CPR:2027-03-01", "CPR:2029-03-01")
        preview_url = upload(client, page, world.x, changed)
        html = client.get(preview_url).content.decode()
        assert "Updates FTE." in html
        assert "Updates credentials." in html
        client.post(preview_url, {"action": "commit"})
        report = client.get(preview_url).content.decode()
        assert "2 staff updated: 1 FTE, 1 credentials." in report or "2 staff updated: 1 credentials, 1 FTE." in report
        with in_a():
            assert StaffMember.objects.count() == 2
            assert StaffMember.objects.get(import_id="E-2").fte == Decimal("1.00")
            assert Credential.objects.get(name="CPR").expires_on == datetime.date(2029, 3, 1)
            assert Credential.objects.count() == 3
        assert derived_personnel(client, page, world.x)[1:] == ["$6,006.67"] * 12

    def test_a_bad_row_changes_nothing(self, clients, world, in_a, page):
        client = clients.provider_x
        bad = ROSTER.replace("CDA:2028-01-15", "CDA:someday").replace("0.75,hourly", "0.75,weekly")
        preview_url = upload(client, page, world.x, bad)
        lines = client.get(preview_url).context["preview"].error_lines()
        assert any("CDA:someday" in line and "is not a date" in line for line in lines), lines
        assert any(line.startswith("Line 3, column H (pay_basis)") for line in lines), lines
        assert client.post(preview_url, {"action": "commit"}).status_code == 200
        with in_a():
            assert StaffMember.objects.count() == 0
            assert Credential.objects.count() == 0
            assert ImportBatch.objects.get().status == ImportStatus.PENDING

    def test_a_new_id_adopts_the_person_already_on_the_roster(self, clients, world, in_a, page):
        """Maria was added by hand (or by the old template without ids): the file's E-1 is her."""
        StaffMemberFactory(program=world.x, first_name="Maria", last_name="Lopez", email="maria@x.example")
        preview_url = upload(clients.provider_x, page, world.x, ROSTER)
        assert "All 2 rows can be imported" in clients.provider_x.get(preview_url).content.decode()
        clients.provider_x.post(preview_url, {"action": "commit"})
        with in_a():
            assert StaffMember.objects.count() == 2
            assert StaffMember.objects.get(last_name="Lopez").import_id == "E-1"

    def test_the_template_documents_credentials(self, clients, world, page):
        text = clients.provider_x.get(page("import_template", world.x.pk, "staff")).content.decode()
        assert "staff_id" in text
        assert "CPR:2027-03-01; CDA:2028-01-15" in text
